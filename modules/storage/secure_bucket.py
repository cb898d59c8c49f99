"""One hardened S3 bucket: every bucket of every system is built by :class:`SecureBucket`.

What it always does: public access blocked (all four settings), object ownership
enforced (no ACLs), default encryption (SSE-KMS with a bucket key when a key is
given, else SSE-S3 AES-256), incomplete multipart uploads aborted after 7 days,
and a bucket policy that denies every request not made over TLS. Versioning,
lifecycle rules and further policy statements are options.

It is a *builder*, not a construct node: its resources are created directly in
the caller's scope under IDs derived from ``id`` (``<id>``, ``<id>-public-access``,
``<id>-ownership``, ``<id>-encryption``, ``<id>-versioning``, ``<id>-lifecycle``,
``<id>-policy``). Construct IDs are Terraform state addresses, so existing
buckets adopted it without a single address changing.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

from modules.framework import Construct, aws
from modules.iam.grants import Grantee, sid
from modules.iam.policy import Statement, allow, document
from modules.stack import ProjectStack

_lc = aws.s3_bucket_lifecycle_configuration
_sse = aws.s3_bucket_server_side_encryption_configuration

ABORT_INCOMPLETE_UPLOADS_DAYS = 7


def tls_only_statement(bucket_arn: str) -> Statement:
    """Deny every S3 action on the bucket and its objects over plain HTTP."""
    return {
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


class SecureBucket:
    """Attributes: ``bucket`` (the ``S3Bucket``), ``bucket_name``, ``bucket_arn``, ``policy`` (depend on
    it before pointing a service at the bucket), ``public_access_block``."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        tags: Mapping[str, str],
        versioned: bool = False,
        lifecycle_rules: Sequence = (),
        kms_key_arn: str | None = None,
        statements: Callable[[str], Sequence[Statement]] | Sequence[Statement] = (),
        abort_incomplete_uploads_days: int | None = ABORT_INCOMPLETE_UPLOADS_DAYS,
    ) -> None:
        """
        :param name: the bucket name (from ``Naming.bucket_name``: S3's rules are checked there).
        :param versioned: defaults to off.
        :param lifecycle_rules: defaults to none beyond aborting incomplete uploads after 7 days.
        :param kms_key_arn: defaults to none: SSE-S3 (AES-256).
        :param statements: policy statements beside the TLS-only deny, or a function of the bucket's
            ARN returning them; defaults to none.
        :param abort_incomplete_uploads_days: defaults to 7: a rule of its own aborts multipart
            uploads left incomplete that long. ``None`` adds no such rule (``lifecycle_rules`` do it).

        A versioned bucket's lifecycle configuration depends on its versioning, as the provider
        documents for rules on noncurrent versions.
        """
        self._scope = scope
        # the stack's force_destroy: off, ``destroy`` fails on a non-empty bucket (``BucketNotEmpty``)
        force_destroy = ProjectStack.of(scope).force_destroy
        self._id = id
        self.bucket = aws.s3_bucket.S3Bucket(scope, id, bucket=name, force_destroy=force_destroy, tags=dict(tags))
        self.bucket_name: str = self.bucket.bucket
        self.bucket_arn: str = self.bucket.arn
        self.public_access_block = aws.s3_bucket_public_access_block.S3BucketPublicAccessBlock(
            scope, f"{id}-public-access", bucket=self.bucket.id, block_public_acls=True, block_public_policy=True,
            ignore_public_acls=True, restrict_public_buckets=True,
        )
        aws.s3_bucket_ownership_controls.S3BucketOwnershipControls(
            scope, f"{id}-ownership", bucket=self.bucket.id, rule={"object_ownership": "BucketOwnerEnforced"},
        )
        _sse.S3BucketServerSideEncryptionConfigurationA(
            scope, f"{id}-encryption", bucket=self.bucket.id,
            rule=[_sse.S3BucketServerSideEncryptionConfigurationRuleA(
                apply_server_side_encryption_by_default={"sse_algorithm": "aws:kms", "kms_master_key_id": kms_key_arn},
                bucket_key_enabled=True,
            ) if kms_key_arn else _sse.S3BucketServerSideEncryptionConfigurationRuleA(
                apply_server_side_encryption_by_default={"sse_algorithm": "AES256"},
            )],
        )
        versioning = aws.s3_bucket_versioning.S3BucketVersioningA(
            scope, f"{id}-versioning", bucket=self.bucket.id, versioning_configuration={"status": "Enabled"},
        ) if versioned else None
        abort = [_lc.S3BucketLifecycleConfigurationRule(
            id="abort-incomplete-uploads", status="Enabled",
            filter=[_lc.S3BucketLifecycleConfigurationRuleFilter(prefix="")],
            abort_incomplete_multipart_upload=[_lc.S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                days_after_initiation=abort_incomplete_uploads_days,
            )],
        )] if abort_incomplete_uploads_days is not None else []
        aws.s3_bucket_lifecycle_configuration.S3BucketLifecycleConfiguration(
            scope, f"{id}-lifecycle", bucket=self.bucket.id, rule=[*lifecycle_rules, *abort],
            depends_on=[versioning] if versioning else None,
        )
        extra = statements(self.bucket.arn) if callable(statements) else statements
        self.statements: list[Statement] = [tls_only_statement(self.bucket.arn), *extra]
        self.policy = aws.s3_bucket_policy.S3BucketPolicy(
            scope, f"{id}-policy", bucket=self.bucket.id, policy=document(*self.statements),
            depends_on=[self.public_access_block],
        )

    def grant_read(self, grantee: Grantee, *, kms_key_arn: str | None = None) -> None:
        """Let ``grantee`` get objects and list the bucket (and decrypt with ``kms_key_arn`` through S3)."""
        self._grant(grantee, "Read", ["s3:GetObject"], kms_key_arn, ["kms:Decrypt"])

    def grant_read_write(self, grantee: Grantee, *, kms_key_arn: str | None = None) -> None:
        """Let ``grantee`` get, put and delete objects and list the bucket — nothing wider (no bucket
        configuration, no ACLs) — and use ``kms_key_arn`` through S3 of this region."""
        self._grant(grantee, "ReadWrite", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], kms_key_arn,
                    ["kms:GenerateDataKey", "kms:Decrypt"])

    def _grant(self, grantee: Grantee, what: str, object_actions: list[str], kms_key_arn: str | None,
               key_actions: list[str]) -> None:
        name = sid(self._id)
        statements = [allow(f"{name}{what}Objects", object_actions, f"{self.bucket_arn}/*"),
                      allow(f"{name}List", ["s3:ListBucket"], self.bucket_arn)]
        if kms_key_arn:
            region = ProjectStack.of(self._scope).region
            statements.append(allow(f"{name}Key", key_actions, kms_key_arn,
                                    condition={"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}}))
        grantee.add_to_role_policy(*statements)

    def add_statements(self, *statements: Statement) -> None:
        """Add statements to the bucket policy (e.g. a grant to a CloudFront distribution)."""
        self.statements.extend(statements)
        self.policy.policy = document(*self.statements)
