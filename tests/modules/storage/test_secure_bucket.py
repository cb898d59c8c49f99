"""modules/storage/secure_bucket: every bucket's guardrails and options (bare stack)."""

from __future__ import annotations

import json

from modules.framework import aws
from modules.storage.secure_bucket import SecureBucket
from tests.support import project_stack, synth_stack

_lc = aws.s3_bucket_lifecycle_configuration


def build(force_destroy: bool = False, **options):
    stack = project_stack(force_destroy=force_destroy)  # the stack's force_destroy is every bucket's
    SecureBucket(stack, "b", name="shop-b-dev", tags={"Name": "shop-b-dev"}, **options)
    return synth_stack(stack)


def test_defaults_block_public_access_enforce_ownership_sse_s3_tls_only_and_abort_uploads():
    synth = build()
    block = synth.by_path("aws_s3_bucket_public_access_block", "b-public-access")
    assert all(block[k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls",
                                          "restrict_public_buckets"))
    assert synth.by_path("aws_s3_bucket_ownership_controls", "b-ownership")["rule"] == {
        "object_ownership": "BucketOwnerEnforced"}
    [rule] = synth.by_path("aws_s3_bucket_server_side_encryption_configuration", "b-encryption")["rule"]
    assert rule["apply_server_side_encryption_by_default"] == {"sse_algorithm": "AES256"}
    [deny] = json.loads(synth.by_path("aws_s3_bucket_policy", "b-policy")["policy"])["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    [abort] = synth.by_path("aws_s3_bucket_lifecycle_configuration", "b-lifecycle")["rule"]
    assert abort["abort_incomplete_multipart_upload"] == [{"days_after_initiation": 7}]
    assert synth.count("aws_s3_bucket_versioning") == 0
    assert synth.by_path("aws_s3_bucket", "b")["force_destroy"] is False


def test_kms_versioning_rules_and_statements():
    synth = build(kms_key_arn="arn:key", versioned=True, force_destroy=True,
                  statements=lambda arn: [{"Sid": "Extra", "Effect": "Allow", "Principal": {"Service": "x"},
                                           "Action": "s3:PutObject", "Resource": f"{arn}/*"}],
                  lifecycle_rules=[_lc.S3BucketLifecycleConfigurationRule(id="expire", status="Enabled",
                                   filter=[_lc.S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                                   expiration=[_lc.S3BucketLifecycleConfigurationRuleExpiration(days=30)])])
    [rule] = synth.by_path("aws_s3_bucket_server_side_encryption_configuration", "b-encryption")["rule"]
    assert rule["apply_server_side_encryption_by_default"] == {"sse_algorithm": "aws:kms", "kms_master_key_id": "arn:key"}
    assert rule["bucket_key_enabled"] is True
    versioning = synth.by_path("aws_s3_bucket_versioning", "b-versioning")
    lifecycle = synth.by_path("aws_s3_bucket_lifecycle_configuration", "b-lifecycle")
    assert [r["id"] for r in lifecycle["rule"]] == ["expire", "abort-incomplete-uploads"]
    assert lifecycle["depends_on"] == [f"aws_s3_bucket_versioning.{synth.logical_id(versioning)}"]
    assert [s["Sid"] for s in json.loads(synth.by_path("aws_s3_bucket_policy", "b-policy")["policy"])["Statement"]] == [
        "DenyInsecureTransport", "Extra"]
    assert synth.by_path("aws_s3_bucket", "b")["force_destroy"] is True


def test_abort_rule_can_be_left_to_the_callers_rules():
    synth = build(abort_incomplete_uploads_days=None, lifecycle_rules=[_lc.S3BucketLifecycleConfigurationRule(
        id="own", status="Enabled", filter=[_lc.S3BucketLifecycleConfigurationRuleFilter(prefix="")],
        expiration=[_lc.S3BucketLifecycleConfigurationRuleExpiration(days=1)])])
    assert [r["id"] for r in synth.by_path("aws_s3_bucket_lifecycle_configuration", "b-lifecycle")["rule"]] == ["own"]
