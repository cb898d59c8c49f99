"""The account's singletons, built once per AWS account by its account stack (``account-<name>``).

* :class:`GithubOidcProvider` — GitHub Actions' OIDC identity provider. An account holds one per URL:
  every deploy role of every system trusts it by its known ARN (:func:`github_oidc_provider_arn`),
  none creates it.
* :class:`AuditTrail` — a CloudTrail trail of every region (global service events included) with
  log-file validation, encrypted with a key of its own (usable by CloudTrail of this account only),
  delivered to a TLS-only, versioned bucket whose server access logs go to the account's logs bucket,
  kept ``retention_days`` (Glacier Flexible Retrieval after 90), and copied to CloudWatch Logs for
  metric filters and alarms.
* :class:`ThreatDetection` — a GuardDuty detector (findings every 15 minutes).
* :class:`AccessAnalyzer` — IAM Access Analyzer of the account (findings on anything shared outside it).
"""

from __future__ import annotations

import json

from modules.account.options import TrailOptions, trail_problems
from modules.errors import ConfigError
from modules.framework import Construct, aws
from modules.iam.policy import allow, document
from modules.naming import NameKind
from modules.security.kms import KEY_ADMINISTRATION_ACTIONS, partition_of
from modules.stack import ProjectStack
from modules.storage.log_bucket import LogBucket
from modules.storage.s3 import ACCESS_LOG_PREFIX
from modules.storage.secure_bucket import SecureBucket

GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com"
GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com"
# Thumbprints of GitHub's OIDC certificate chain: provider 5.x requires the list; AWS itself now
# trusts GitHub's certificate through its own CA library and ignores them.
GITHUB_OIDC_THUMBPRINTS = ("6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd")
_lc = aws.s3_bucket_lifecycle_configuration


def github_oidc_provider_arn(stack: ProjectStack) -> str:
    """The ARN of the account's GitHub OIDC provider (the account stack creates it; IAM names it by its
    URL, so every stack of the account knows it without looking it up)."""
    host = GITHUB_OIDC_URL.removeprefix("https://")
    return f"arn:{partition_of(stack.region)}:iam::{stack.account_id}:oidc-provider/{host}"


class GithubOidcProvider(Construct):
    """Attributes: ``provider``, ``arn``. Construct ID: ``provider``."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        self.provider = aws.iam_openid_connect_provider.IamOpenidConnectProvider(
            self, "provider", url=GITHUB_OIDC_URL, client_id_list=[GITHUB_OIDC_AUDIENCE],
            thumbprint_list=list(GITHUB_OIDC_THUMBPRINTS), tags=stack.naming.tag("github-oidc"),
        )
        self.arn: str = self.provider.arn


class AuditTrail(Construct):
    """Attributes: ``trail``, ``trail_arn``, ``bucket`` (:class:`SecureBucket`), ``bucket_name``,
    ``key_arn``, ``log_group_name``, ``logs`` (the access-log bucket).

    Construct IDs: ``key``, ``key-alias``, ``bucket`` (and its ``bucket-*``), ``access-logs``,
    ``bucket-access-logs``, ``log-group``, ``logs-role``, ``logs-policy``, ``trail``."""

    def __init__(self, scope: Construct, id: str, *, options: TrailOptions = TrailOptions()) -> None:
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        for field, value, problem, fix in trail_problems(options):
            raise ConfigError(stack.environment, f"trail.{field}", value, problem, fix, system=stack.project.name)
        naming, region, account = stack.naming, stack.region, stack.account_id
        partition = partition_of(region)
        name = naming("trail", kind=NameKind.GENERIC)
        trail_arn = f"arn:{partition}:cloudtrail:{region}:{account}:trail/{name}"
        from_this_trail = {"StringEquals": {"aws:SourceArn": trail_arn}}

        self.key = aws.kms_key.KmsKey(
            self, "key", description=f"CloudTrail log files of account {naming.environment}",
            enable_key_rotation=True, rotation_period_in_days=365, deletion_window_in_days=30,
            policy=json.dumps({"Version": "2012-10-17", "Statement": [
                allow("AccountAdministersKey", list(KEY_ADMINISTRATION_ACTIONS), "*",
                      principal={"AWS": f"arn:{partition}:iam::{account}:root"}),
                allow("CloudTrailEncryptsLogs", ["kms:GenerateDataKey"], "*",
                      principal={"Service": "cloudtrail.amazonaws.com"},
                      condition={**from_this_trail, "StringLike": {
                          "kms:EncryptionContext:aws:cloudtrail:arn": f"arn:{partition}:cloudtrail:*:{account}:trail/*"}}),
                allow("CloudTrailDescribesKey", ["kms:DescribeKey"], "*",
                      principal={"Service": "cloudtrail.amazonaws.com"}, condition=from_this_trail),
                allow("AccountReadsLogs", ["kms:Decrypt", "kms:ReEncryptFrom"], "*",
                      principal={"AWS": f"arn:{partition}:iam::{account}:root"},
                      condition={"StringEquals": {"kms:CallerAccount": account},
                                 "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn":
                                                f"arn:{partition}:cloudtrail:*:{account}:trail/*"}}),
            ]}),
            tags=naming.tag("trail", "key"),
        )
        aws.kms_alias.KmsAlias(self, "key-alias", name="alias/" + naming("trail", kind=NameKind.KMS_ALIAS),
                               target_key_id=self.key.key_id)
        self.key_arn: str = self.key.arn

        bucket_name = naming.bucket_name("trail", account)
        self.logs = LogBucket(self, "access-logs", access_logged_bucket_arns=[f"arn:{partition}:s3:::{bucket_name}"])
        self.bucket = SecureBucket(
            self, "bucket", name=bucket_name, tags=naming.tag("trail"), versioned=True,
            kms_key_arn=self.key_arn,
            lifecycle_rules=[_lc.S3BucketLifecycleConfigurationRule(
                id="archive-then-expire", status="Enabled",
                filter=[_lc.S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                transition=[_lc.S3BucketLifecycleConfigurationRuleTransition(days=90, storage_class="GLACIER")],
                expiration=[_lc.S3BucketLifecycleConfigurationRuleExpiration(days=options.retention_days)],
                noncurrent_version_expiration=[_lc.S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                    noncurrent_days=30)],
            )],
            statements=lambda arn: [
                allow("CloudTrailAclCheck", ["s3:GetBucketAcl"], arn,
                      principal={"Service": "cloudtrail.amazonaws.com"}, condition=from_this_trail),
                allow("CloudTrailWrite", ["s3:PutObject"], f"{arn}/AWSLogs/{account}/*",
                      principal={"Service": "cloudtrail.amazonaws.com"},
                      condition={"StringEquals": {"aws:SourceArn": trail_arn,
                                                  "s3:x-amz-acl": "bucket-owner-full-control"}}),
            ],
        )
        self.bucket_name: str = self.bucket.bucket_name
        aws.s3_bucket_logging.S3BucketLoggingA(
            self, "bucket-access-logs", bucket=self.bucket.bucket.id, target_bucket=self.logs.bucket_name,
            target_prefix=f"{ACCESS_LOG_PREFIX}/{self.bucket_name}/", depends_on=[self.logs.policy],
        )

        self.log_group_name = naming.check(f"/aws/cloudtrail/{name}", NameKind.LOG_GROUP)
        log_group = aws.cloudwatch_log_group.CloudwatchLogGroup(
            self, "log-group", name=self.log_group_name, retention_in_days=options.cloudwatch_log_retention_days,
            kms_key_id=stack.logs_key.key_arn, tags=naming.tag("trail-logs"),
        )
        role = aws.iam_role.IamRole(
            self, "logs-role", name=naming.role_name("trail", "logs"),
            description="CloudTrail delivers the trail's events to its CloudWatch log group",
            assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account}}}]}),
        )
        aws.iam_role_policy.IamRolePolicy(
            self, "logs-policy", role=role.id, name="write-trail-logs",
            policy=document(allow("WriteTrailLogs", ["logs:CreateLogStream", "logs:PutLogEvents"],
                                  f"{log_group.arn}:log-stream:*")),
        )
        self.trail = aws.cloudtrail.Cloudtrail(
            self, "trail", name=name, s3_bucket_name=self.bucket_name, kms_key_id=self.key_arn,
            is_multi_region_trail=True, include_global_service_events=True, enable_log_file_validation=True,
            cloud_watch_logs_group_arn=f"{log_group.arn}:*", cloud_watch_logs_role_arn=role.arn,
            tags=naming.tag("trail"), depends_on=[self.bucket.policy],
        )
        self.trail_arn: str = self.trail.arn


class ThreatDetection(Construct):
    """Attributes: ``detector``, ``detector_id``. Construct ID: ``detector``."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        self.detector = aws.guardduty_detector.GuarddutyDetector(
            self, "detector", enable=True, finding_publishing_frequency="FIFTEEN_MINUTES",
            tags=stack.naming.tag("guardduty"),
        )
        self.detector_id: str = self.detector.id


class AccessAnalyzer(Construct):
    """Attributes: ``analyzer``, ``analyzer_name``. Construct ID: ``analyzer``."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        self.analyzer_name = stack.naming("access-analyzer", kind=NameKind.GENERIC)
        self.analyzer = aws.accessanalyzer_analyzer.AccessanalyzerAnalyzer(
            self, "analyzer", analyzer_name=self.analyzer_name, type="ACCOUNT", tags=stack.naming.tag("access-analyzer"),
        )
