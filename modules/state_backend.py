"""Wire a stack to its remote state: S3 bucket, per-environment key, DynamoDB lock."""

from __future__ import annotations

from modules.framework import S3Backend, TerraformStack


def configure_backend(
    stack: TerraformStack,
    *,
    bucket: str,
    key: str,
    region: str,
    lock_table: str,
    native_lock_file: bool = False,
) -> S3Backend:
    """Store the stack's state at ``s3://<bucket>/<key>``, encrypted, locked through ``lock_table``.

    :param native_lock_file: defaults to off. On, Terraform (>= 1.10) also takes
        its own S3 lock file (``use_lockfile``) beside the DynamoDB lock, the
        documented path for moving off DynamoDB locking.
    """
    backend = S3Backend(stack, bucket=bucket, key=key, region=region, encrypt=True, dynamodb_table=lock_table)
    if native_lock_file:
        # cdktf 0.21's S3Backend has no use_lockfile property.
        stack.add_override("terraform.backend.s3.use_lockfile", True)
    return backend
