"""The logs bucket of a stack that has no other buckets: load-balancer access logs and S3 server
access logs, archived to Glacier and then expired."""

from __future__ import annotations

from typing import Sequence

from modules.framework import Construct, aws
from modules.stack import ProjectStack
from modules.storage.s3 import log_delivery_statements
from modules.storage.secure_bucket import SecureBucket

_lc = aws.s3_bucket_lifecycle_configuration


class LogBucket(Construct):
    """A :class:`SecureBucket` (SSE-S3: the load balancer's log delivery cannot use a KMS key) named
    ``<prefix>-logs-<env>-<account>``.

    Attributes: ``bucket_name``, ``bucket_arn``, ``policy`` (a load balancer pointing at the bucket
    depends on it)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        bucket_prefix: str | None = None,
        access_logged_bucket_arns: Sequence[str] = (),
        archive_after_days: int = 90,
        expire_after_days: int = 365,
        versioned: bool = False,
    ) -> None:
        """
        :param bucket_prefix: defaults to the project name.
        :param access_logged_bucket_arns: buckets that send server access logs here; defaults to none.
        :param archive_after_days: defaults to 90: logs move to Glacier Flexible Retrieval.
        :param expire_after_days: defaults to 365: logs are deleted.
        :param versioned: defaults to off (logs are written once). On, an overwritten or deleted log
            is kept as a noncurrent version and expires ``expire_after_days`` later too.
        """
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        elb_account = aws.data_aws_elb_service_account.DataAwsElbServiceAccount(self, "elb-account")
        built = SecureBucket(
            self, "logs", name=stack.naming.bucket_name("logs", stack.account_id, prefix=bucket_prefix),
            tags=stack.naming.tag("logs"), versioned=versioned,
            lifecycle_rules=[_lc.S3BucketLifecycleConfigurationRule(
                id="archive-then-expire", status="Enabled",
                filter=[_lc.S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                transition=[_lc.S3BucketLifecycleConfigurationRuleTransition(
                    days=archive_after_days, storage_class="GLACIER")],
                expiration=[_lc.S3BucketLifecycleConfigurationRuleExpiration(days=expire_after_days)],
                **({"noncurrent_version_expiration": [
                    _lc.S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                        noncurrent_days=expire_after_days)]} if versioned else {}),
            )],
            statements=lambda arn: log_delivery_statements(
                arn, stack.account_id, elb_account.arn, access_logged=list(access_logged_bucket_arns)),
        )
        self.bucket_name: str = built.bucket_name
        self.bucket_arn: str = built.bucket_arn
        self.policy = built.policy
