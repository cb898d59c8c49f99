"""OpenMarket's buckets: ``uploads`` (user uploads) and ``logs`` (its server access logs).

| bucket                               | versioned | encryption               | lifecycle                            |
|--------------------------------------|-----------|--------------------------|--------------------------------------|
| ``openmarket-uploads-<env>-<acct>``  | yes       | SSE-KMS, own key, bucket | Standard-IA after 30 d, Glacier IR   |
|                                      |           | key on                   | after 90 d; old versions expire after|
|                                      |           |                          | ``noncurrent_version_days``          |
| ``openmarket-logs-<env>-<acct>``     | yes       | SSE-S3 (log delivery)    | Glacier 90 d, expire 365 d (old      |
|                                      |           |                          | versions too)                        |

Both versioned, as the document versions every bucket.

Both are :class:`SecureBucket`s (public access blocked, ACLs off, TLS-only policy, incomplete
uploads aborted after 7 days). The uploads bucket answers CORS for the web app's origins (the
browser PUTs with presigned URLs) and sends its server access logs to the logs bucket.
"""

from __future__ import annotations

from modules.framework import Construct, aws
from modules.iam.grants import Grantee
from modules.security.kms import KmsKey
from modules.stack import ProjectStack
from modules.storage.log_bucket import LogBucket
from modules.storage.s3 import ACCESS_LOG_PREFIX
from modules.storage.secure_bucket import SecureBucket
from systems.openmarket.settings import UploadsOptions

_lc = aws.s3_bucket_lifecycle_configuration
_cors = aws.s3_bucket_cors_configuration
CORS_METHODS = ("GET", "PUT", "POST", "HEAD")
CORS_MAX_AGE_SECONDS = 3000


class UploadBuckets(Construct):
    """Attributes: ``uploads`` (:class:`SecureBucket`), ``uploads_bucket_name``, ``uploads_bucket_arn``,
    ``uploads_key`` (:class:`KmsKey`), ``logs`` (:class:`LogBucket`), ``logs_bucket_name``."""

    def __init__(self, scope: Construct, id: str, *, options: UploadsOptions) -> None:
        """The stack's ``force_destroy``: off, destroy fails while a bucket holds objects; on, destroy
        deletes both buckets with their contents (every version)."""
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        naming = stack.naming
        self.options = options
        self.uploads_key = KmsKey(
            self, "uploads-key", purpose="uploads",
            description=f"User uploads of openmarket {naming.environment}", service_principals=("s3",),
        )
        self.uploads = SecureBucket(
            self, "uploads", name=naming.bucket_name("uploads", stack.account_id), tags=naming.tag("uploads"),
            versioned=True, kms_key_arn=self.uploads_key.key_arn,
            lifecycle_rules=[_lc.S3BucketLifecycleConfigurationRule(
                id="tiering", status="Enabled", filter=[_lc.S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                transition=[_lc.S3BucketLifecycleConfigurationRuleTransition(
                    days=options.infrequent_access_after_days, storage_class="STANDARD_IA"),
                    *([_lc.S3BucketLifecycleConfigurationRuleTransition(
                        days=options.archive_after_days, storage_class="GLACIER_IR")]
                      if options.archive_after_days is not None else [])],
                noncurrent_version_expiration=[_lc.S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                    noncurrent_days=options.noncurrent_version_days)],
            )],
        )
        _cors.S3BucketCorsConfiguration(
            self, "uploads-cors", bucket=self.uploads.bucket.id,
            cors_rule=[_cors.S3BucketCorsConfigurationCorsRule(
                id="web", allowed_origins=list(options.cors_origins), allowed_methods=list(CORS_METHODS),
                allowed_headers=["*"], expose_headers=["ETag"], max_age_seconds=CORS_MAX_AGE_SECONDS,
            )],
        )
        self.logs = LogBucket(self, "logs", access_logged_bucket_arns=[self.uploads.bucket_arn], versioned=True)
        aws.s3_bucket_logging.S3BucketLoggingA(
            self, "uploads-access-logs", bucket=self.uploads.bucket.id, target_bucket=self.logs.bucket_name,
            target_prefix=f"{ACCESS_LOG_PREFIX}/{self.uploads.bucket_name}/", depends_on=[self.logs.policy],
        )
        self.uploads_bucket_name: str = self.uploads.bucket_name
        self.uploads_bucket_arn: str = self.uploads.bucket_arn
        self.logs_bucket_name: str = self.logs.bucket_name

    def grant_read(self, grantee: Grantee) -> None:
        """Let ``grantee`` read uploads (and decrypt them through S3)."""
        self.uploads.grant_read(grantee, kms_key_arn=self.uploads_key.key_arn)

    def grant_read_write(self, grantee: Grantee) -> None:
        """Let ``grantee`` read and write uploads (and encrypt/decrypt them through S3)."""
        self.uploads.grant_read_write(grantee, kms_key_arn=self.uploads_key.key_arn)
