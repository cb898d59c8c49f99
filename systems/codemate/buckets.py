"""Codemate's three buckets: files (user uploads), static (Next.js assets), logs.

| bucket                            | versioned | encryption         | access logs        | lifecycle            |
|-----------------------------------|-----------|--------------------|--------------------|----------------------|
| ``<project>-files-<env>-<acct>``  | yes       | SSE-KMS, own key,  | to the logs bucket | Standard-IA 30 d,    |
|                                   |           | bucket key on      |                    | Glacier IR 90 d,     |
|                                   |           |                    |                    | Deep Archive 365 d;  |
|                                   |           |                    |                    | old versions expire  |
| ``<project>-static-<env>-<acct>`` | no        | SSE-S3             | to the logs bucket | expire after 30 d    |
| ``<project>-logs-<env>-<acct>``   | no        | SSE-S3             | none (the target)  | Glacier 90 d, expire |
|                                   |           |                    |                    | 365 d                |

Every bucket: all public access blocked, ACLs disabled (bucket owner
enforced), default encryption, a policy that denies any request without TLS,
incomplete multipart uploads aborted after 7 days.

Encryption: user uploads are the data of the product, so the files bucket
uses a customer-managed key of its own (``alias/<project>-files-<env>``,
rotated yearly); the bucket key cuts KMS requests (and cost) by caching a
bucket-level data key. The logs bucket must stay SSE-S3: ALB access-log
delivery and S3 server access logging accept no other default encryption.
The static bucket holds public web assets; it stays private: with ``storage.cdn`` on, a CloudFront
distribution (``modules/cdn/cloudfront.py``) reads it through an origin access control, and
:meth:`Buckets.allow_cloudfront` adds the one statement that lets it.

Server access logs of the files and static buckets go to the logs bucket
under ``s3-access/<bucket name>/``; the logs bucket's policy lets
``logging.s3.amazonaws.com`` write there only for these two source buckets
of this account (no ACLs: ownership is enforced).

The account ID is in every name (bucket names are global across AWS); the
environment too, because environments may share an account (one
``<project>-logs-<account>`` bucket would have dev, staging and prod fighting
over it). The logs bucket lets the region's
Elastic Load Balancing account write ``alb/AWSLogs/<account>/``, the
log delivery service (VPC flow logs) write ``vpc-flow-logs/AWSLogs/<account>/``
and S3 server access logging of this account's buckets write ``s3-access-logs/``.
"""

from __future__ import annotations

from typing import Callable, Sequence

from modules.stack import ProjectStack
from modules.framework import Construct, aws
from modules.iam.grants import Grantee
from modules.iam.policy import Statement, allow, document
from modules.security.kms import KmsKey, partition_of
from modules.storage.s3 import ACCESS_LOG_PREFIX, ALB_LOG_PREFIX, FLOW_LOG_PREFIX, log_delivery_statements
from modules.storage.secure_bucket import SecureBucket
from modules.terraform_strings import terraform_literal

# What a writer and reader of SSE-KMS objects needs on the key (S3 calls KMS as the caller).
FILES_KEY_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")
CORS_METHODS = ("GET", "PUT", "POST", "DELETE")
CORS_MAX_AGE_SECONDS = 3000
_lc = aws.s3_bucket_lifecycle_configuration


class Buckets(Construct):
    """Attributes: ``files_bucket``, ``static_bucket``, ``logs_bucket`` (the ``S3Bucket``s), their
    ``*_bucket_name`` and ``*_bucket_arn``, ``files_key`` (the files bucket's ``KmsKey``),
    ``logs_bucket_policy`` (depend on it before pointing a load balancer at the bucket) and
    ``flow_logs_destination_arn``."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        files_noncurrent_version_days: int = 90,
        bucket_prefix: str | None = None,
        access_log_sources: Sequence[str] = (),
    ) -> None:
        """
        :param access_log_sources: names of other buckets of the environment (e.g. the CI/CD
            artifact bucket) that send server access logs here; defaults to none: only the files
            and static buckets may.
        :param files_noncurrent_version_days: defaults to 90 days before an overwritten or
            deleted upload is gone for good.
        :param bucket_prefix: defaults to the project name.
        """
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        naming, region, account_id = stack.naming, stack.region, stack.account_id
        self._naming = naming
        self._region = region
        self._account_id = account_id
        self._prefix = bucket_prefix
        self._cors = None
        self._policies: dict[str, object] = {}
        self._statements: dict[str, list[Statement]] = {}
        self._cloudfront_distribution_arn: str | None = None

        self.files_key = KmsKey(
            self, "files-key", purpose="files",
            description=f"User uploads (files bucket) of {naming.project} {naming.environment}",
            service_principals=("s3",),
        )
        self.files_bucket = self._bucket(
            "files", versioned=True, kms_key_arn=self.files_key.key_arn,
            rules=[_lc.S3BucketLifecycleConfigurationRule(
                id="tiering", status="Enabled", filter=[_lc.S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                transition=[
                    _lc.S3BucketLifecycleConfigurationRuleTransition(days=30, storage_class="STANDARD_IA"),
                    _lc.S3BucketLifecycleConfigurationRuleTransition(days=90, storage_class="GLACIER_IR"),
                    _lc.S3BucketLifecycleConfigurationRuleTransition(days=365, storage_class="DEEP_ARCHIVE"),
                ],
                noncurrent_version_expiration=[_lc.S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                    noncurrent_days=files_noncurrent_version_days,
                )],
            )],
        )
        self.static_bucket = self._bucket(
            "static", versioned=False,
            rules=[_lc.S3BucketLifecycleConfigurationRule(
                id="expire", status="Enabled", filter=[_lc.S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                expiration=[_lc.S3BucketLifecycleConfigurationRuleExpiration(days=30)],
            )],
        )

        elb_account = aws.data_aws_elb_service_account.DataAwsElbServiceAccount(self, "elb-account")
        self.logs_bucket = self._bucket(
            "logs", versioned=False,
            rules=[_lc.S3BucketLifecycleConfigurationRule(
                id="archive-then-expire", status="Enabled",
                filter=[_lc.S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                transition=[_lc.S3BucketLifecycleConfigurationRuleTransition(days=90, storage_class="GLACIER")],
                expiration=[_lc.S3BucketLifecycleConfigurationRuleExpiration(days=365)],
            )],
            extra_statements=lambda arn: log_delivery_statements(
                arn, self._account_id, elb_account.arn, access_logged=[self.files_bucket.arn, self.static_bucket.arn,
                                           *(f"arn:{partition_of(region)}:s3:::{name}" for name in access_log_sources)]),
        )
        # Server access logs of the data buckets; the logs bucket is the target, so it logs nowhere.
        for purpose, bucket in (("files", self.files_bucket), ("static", self.static_bucket)):
            aws.s3_bucket_logging.S3BucketLoggingA(
                self, f"{purpose}-access-logs", bucket=bucket.id, target_bucket=self.logs_bucket.id,
                target_prefix=f"{ACCESS_LOG_PREFIX}/{bucket.bucket}/", depends_on=[self._policies["logs"]],
            )

        self.files_bucket_name: str = self.files_bucket.bucket
        self.files_bucket_arn: str = self.files_bucket.arn
        self.static_bucket_name: str = self.static_bucket.bucket
        self.static_bucket_arn: str = self.static_bucket.arn
        self.logs_bucket_name: str = self.logs_bucket.bucket
        self.logs_bucket_arn: str = self.logs_bucket.arn
        self.logs_bucket_policy = self._policies["logs"]
        self.flow_logs_destination_arn = f"{self.logs_bucket_arn}/{FLOW_LOG_PREFIX}/"

    # -- use ----------------------------------------------------------------
    def files_access_statements(self) -> list[Statement]:
        """IAM statements for an app's task role: get/put/delete objects of the files bucket and
        list it, and encrypt/decrypt them with the files key through S3 only — nothing wider."""
        return [
            allow("FilesObjects", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], f"{self.files_bucket_arn}/*"),
            allow("FilesList", ["s3:ListBucket"], self.files_bucket_arn),
            allow("FilesKey", list(FILES_KEY_ACTIONS), self.files_key.key_arn,
                  condition={"StringEquals": {"kms:ViaService": f"s3.{self._region}.amazonaws.com"}}),
        ]

    def grant_files_read_write(self, grantee: Grantee) -> None:
        """Let ``grantee`` (an app's task role) use the files bucket: :meth:`files_access_statements`."""
        grantee.add_to_role_policy(*self.files_access_statements())

    def allow_cors(self, origins: Sequence[str]) -> None:
        """Let browsers on ``origins`` call the files bucket (GET, PUT, POST, DELETE; max age 3000 s).

        Called once the app's origin is known (the load balancer's DNS name is a token)."""
        if self._cors is not None:
            raise ValueError("allow_cors was already called: pass every origin at once")
        self._cors = aws.s3_bucket_cors_configuration.S3BucketCorsConfiguration(
            self, "files-cors", bucket=self.files_bucket.id,
            cors_rule=[aws.s3_bucket_cors_configuration.S3BucketCorsConfigurationCorsRule(
                id="app", allowed_origins=[terraform_literal(o) for o in origins], allowed_methods=list(CORS_METHODS),
                allowed_headers=["*"], expose_headers=["ETag"], max_age_seconds=CORS_MAX_AGE_SECONDS,
            )],
        )

    def allow_cloudfront(self, distribution_arn: str) -> None:
        """Let one CloudFront distribution read the static bucket through its origin access control.

        Adds ``CloudFrontRead`` to the static bucket's policy: ``cloudfront.amazonaws.com`` may
        ``s3:GetObject`` on ``<static bucket>/*`` only when ``AWS:SourceArn`` is ``distribution_arn``.
        The bucket stays private: its public access block is unchanged (a service principal with a
        source-ARN condition is not public access)."""
        if self._cloudfront_distribution_arn is not None:
            raise ValueError("allow_cloudfront was already called: the static bucket serves one distribution")
        self._cloudfront_distribution_arn = distribution_arn
        statements = self._statements["static"]
        statements.append(allow(
            "CloudFrontRead", ["s3:GetObject"], f"{self.static_bucket_arn}/*",
            principal={"Service": "cloudfront.amazonaws.com"},
            condition={"StringEquals": {"AWS:SourceArn": distribution_arn}},
        ))
        self._policies["static"].policy = document(*statements)

    # -- build --------------------------------------------------------------
    def _bucket(
        self, purpose: str, *, versioned: bool, rules: list, kms_key_arn: str | None = None,
        extra_statements: Callable[[str], Sequence[Statement]] = lambda arn: (),
    ):
        built = SecureBucket(
            self, purpose, name=self._naming.bucket_name(purpose, self._account_id, prefix=self._prefix),
            tags=self._naming.tag(purpose), versioned=versioned, lifecycle_rules=rules, kms_key_arn=kms_key_arn,
            statements=extra_statements,
        )
        self._statements[purpose] = built.statements
        self._policies[purpose] = built.policy
        return built.bucket
