"""The three buckets of SPEC §3: names, privacy, encryption, TLS, versioning, lifecycle, CORS, log delivery."""

from __future__ import annotations

import dataclasses
import re

import pytest

from environments import load
from systems.codemate.settings import validate
from modules.errors import ConfigError
from modules.framework import aws
from modules.naming import Naming
from tests.app_support import BUCKET, BUCKET_POLICY, ROLE_POLICY, policy, statements

PUBLIC_ACCESS = aws.s3_bucket_public_access_block.S3BucketPublicAccessBlock.TF_RESOURCE_TYPE
OWNERSHIP = aws.s3_bucket_ownership_controls.S3BucketOwnershipControls.TF_RESOURCE_TYPE
_sse = aws.s3_bucket_server_side_encryption_configuration
ENCRYPTION = _sse.S3BucketServerSideEncryptionConfigurationA.TF_RESOURCE_TYPE
VERSIONING = aws.s3_bucket_versioning.S3BucketVersioningA.TF_RESOURCE_TYPE
LIFECYCLE = aws.s3_bucket_lifecycle_configuration.S3BucketLifecycleConfiguration.TF_RESOURCE_TYPE
CORS = aws.s3_bucket_cors_configuration.S3BucketCorsConfiguration.TF_RESOURCE_TYPE
CALLER = aws.data_aws_caller_identity.DataAwsCallerIdentity.TF_RESOURCE_TYPE
ELB_ACCOUNT = aws.data_aws_elb_service_account.DataAwsElbServiceAccount.TF_RESOURCE_TYPE
LB = aws.lb.Lb.TF_RESOURCE_TYPE
ACCESS_LOGGING = aws.s3_bucket_logging.S3BucketLoggingA.TF_RESOURCE_TYPE
KMS_KEY = aws.kms_key.KmsKey.TF_RESOURCE_TYPE
KMS_ALIAS = aws.kms_alias.KmsAlias.TF_RESOURCE_TYPE

PURPOSES = ("files", "static", "logs")
buckets = pytest.mark.parametrize("purpose", PURPOSES)


def account(stack) -> str:
    return f"${{data.{CALLER}.{next(iter(stack.data(CALLER)))}.account_id}}"


def of_bucket(stack, type_: str, purpose: str) -> list[dict]:
    ref = stack.ref(BUCKET, stack.by_path(BUCKET, f"storage/{purpose}"))
    return [r for r in stack.resources(type_).values() if r["bucket"] == ref]


def rules(stack, purpose: str) -> dict[str, dict]:
    (lifecycle,) = of_bucket(stack, LIFECYCLE, purpose)
    return {r["id"]: r for r in lifecycle["rule"]}


@buckets
def test_bucket_name_has_environment_and_account_id_from_the_caller_identity(env, stack, purpose):
    bucket = stack.by_path(BUCKET, f"storage/{purpose}")
    assert bucket["bucket"] == f"codemate-{purpose}-{env}-{account(stack)}"
    assert bucket["force_destroy"] is load(env).force_destroy  # dev only: one destroy, no leftovers


def test_no_account_id_is_hard_coded_anywhere(stack):
    # Negative: neither our account nor the ELB account (600734575887) appears as a literal
    assert not re.search(r"(?<!\d)\d{12}(?!\d)", stack.text)
    assert len(stack.under(BUCKET, "storage")) == 3


def test_every_bucket_has_encryption_and_a_public_access_block(stack):
    # (the CI/CD artifact bucket uses SSE-KMS: tests/modules/cicd)
    for ref in (stack.ref(BUCKET, b) for b in stack.under(BUCKET, "storage")):
        (block,) = [r for r in stack.resources(PUBLIC_ACCESS).values() if r["bucket"] == ref]
        assert block == {"bucket": ref, "block_public_acls": True, "block_public_policy": True,
                         "ignore_public_acls": True, "restrict_public_buckets": True}
        (encryption,) = [r for r in stack.resources(ENCRYPTION).values() if r["bucket"] == ref]
        assert encryption["rule"][0]["apply_server_side_encryption_by_default"]["sse_algorithm"] in (
            "aws:kms", "AES256")


def test_files_bucket_is_encrypted_with_its_own_customer_managed_key_and_a_bucket_key(env, stack):
    # GIVEN the files bucket (user uploads) WHEN synthesized THEN SSE-KMS with the files key, bucket key on
    key = stack.by_path(KMS_KEY, "storage/files-key/key")
    (encryption,) = of_bucket(stack, ENCRYPTION, "files")
    assert encryption["rule"] == [{
        "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms",
                                                    "kms_master_key_id": stack.ref(KMS_KEY, key, "arn")},
        "bucket_key_enabled": True,
    }]
    assert key["enable_key_rotation"] is True and key["deletion_window_in_days"] == 30
    assert stack.one(KMS_ALIAS, name=f"alias/codemate-files-{env}")["target_key_id"] == stack.ref(
        KMS_KEY, key, "key_id")


def test_files_key_policy_delegates_to_the_account_and_names_no_other_principal(stack):
    document = policy(stack.by_path(KMS_KEY, "storage/files-key/key"))
    administer, use = statements(document)
    # IAM grants the use (the backend task role: GenerateDataKey and Decrypt via S3 only)
    assert administer["Principal"] == use["Principal"] == {"AWS": f"arn:aws:iam::{account(stack)}:root"}
    assert "kms:*" not in administer["Action"] and "kms:Decrypt" not in administer["Action"]
    assert use["Condition"]["StringEquals"]["kms:ViaService"] == ["s3.ap-northeast-2.amazonaws.com"]


@pytest.mark.parametrize("purpose", ["static", "logs"])
def test_static_and_logs_buckets_stay_sse_s3(stack, purpose):
    # the logs bucket must: ALB access logs and S3 server access logs accept only SSE-S3 on the target
    (encryption,) = of_bucket(stack, ENCRYPTION, purpose)
    assert encryption["rule"] == [{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}]


def test_only_the_backend_may_use_the_files_key(stack):
    key = stack.ref(KMS_KEY, stack.by_path(KMS_KEY, "storage/files-key/key"), "arn")
    users = [stack.path(r) for r in stack.resources(ROLE_POLICY).values() if key in r["policy"]]
    assert users == ["svc-backend/task-policy"]


@pytest.mark.parametrize("purpose", ["files", "static"])
def test_data_buckets_send_server_access_logs_to_the_logs_bucket(stack, purpose):
    bucket = stack.by_path(BUCKET, f"storage/{purpose}")
    (logging,) = of_bucket(stack, ACCESS_LOGGING, purpose)
    assert logging["target_bucket"] == stack.ref(BUCKET, stack.by_path(BUCKET, "storage/logs"))
    assert logging["target_prefix"] == f"s3-access/{stack.ref(BUCKET, bucket, 'bucket')}/"
    # S3 checks the target's policy: the logging configuration waits for it
    logs_policy = stack.by_path(BUCKET_POLICY, "storage/logs-policy")
    assert logging["depends_on"] == [stack.ref(BUCKET_POLICY, logs_policy, "")[2:-2]]


def test_the_logs_bucket_logs_nowhere(stack):
    # Negative: a bucket cannot usefully log into itself (each log delivery would log again)
    assert of_bucket(stack, ACCESS_LOGGING, "logs") == []
    # files, static and the CI/CD artifact bucket log into it
    assert sorted(stack.path(r) for r in stack.resources(ACCESS_LOGGING).values()) == [
        "cicd/artifacts-logging", "storage/files-access-logs", "storage/static-access-logs"]


def test_logs_bucket_lets_s3_logging_write_only_for_the_buckets_that_log_there(env, stack):
    arn = {p: stack.ref(BUCKET, stack.by_path(BUCKET, f"storage/{p}"), "arn") for p in PURPOSES}
    (bucket_policy,) = of_bucket(stack, BUCKET_POLICY, "logs")
    by_sid = {s["Sid"]: s for s in statements(policy(bucket_policy))}
    assert by_sid["S3ServerAccessLogs"] == {
        "Sid": "S3ServerAccessLogs", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": ["s3:PutObject"], "Resource": f"{arn['logs']}/s3-access/*",
        "Condition": {"ArnLike": {"aws:SourceArn": [
            arn["files"], arn["static"], f"arn:aws:s3:::codemate-artifacts-{env}-{account(stack)}"]},
                      "StringEquals": {"aws:SourceAccount": account(stack)}},
    }


@buckets
def test_ownership_is_enforced_so_acls_are_off(stack, purpose):
    (ownership,) = of_bucket(stack, OWNERSHIP, purpose)
    assert ownership["rule"] == {"object_ownership": "BucketOwnerEnforced"}


@buckets
def test_bucket_policy_denies_every_request_without_tls(stack, purpose):
    bucket = stack.by_path(BUCKET, f"storage/{purpose}")
    (bucket_policy,) = of_bucket(stack, BUCKET_POLICY, purpose)
    deny = statements(policy(bucket_policy))[0]
    arn = stack.ref(BUCKET, bucket, "arn")
    assert deny == {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                    "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def test_only_the_files_bucket_is_versioned(stack):
    (versioning,) = stack.under(VERSIONING, "storage")
    assert versioning["bucket"] == stack.ref(BUCKET, stack.by_path(BUCKET, "storage/files"))
    assert versioning["versioning_configuration"] == {"status": "Enabled"}


def test_files_move_to_ia_glacier_ir_and_deep_archive(stack):
    tiering = rules(stack, "files")["tiering"]
    assert [(t["days"], t["storage_class"]) for t in tiering["transition"]] == [
        (30, "STANDARD_IA"), (90, "GLACIER_IR"), (365, "DEEP_ARCHIVE")]
    assert tiering["noncurrent_version_expiration"] == [{"noncurrent_days": 90}]
    assert "expiration" not in tiering  # uploads are never deleted by age


def test_static_assets_expire_after_30_days(stack):
    assert rules(stack, "static")["expire"]["expiration"] == [{"days": 30}]


def test_logs_go_to_glacier_at_90_days_and_expire_at_365(stack):
    rule = rules(stack, "logs")["archive-then-expire"]
    assert rule["transition"] == [{"days": 90, "storage_class": "GLACIER"}]
    assert rule["expiration"] == [{"days": 365}]


@buckets
def test_incomplete_multipart_uploads_are_aborted(stack, purpose):
    assert rules(stack, purpose)["abort-incomplete-uploads"]["abort_incomplete_multipart_upload"] == [
        {"days_after_initiation": 7}]


def test_files_cors_allows_the_app_origin(prod):
    (cors,) = prod.resources(CORS).values()
    assert cors["bucket"] == prod.ref(BUCKET, prod.by_path(BUCKET, "storage/files"))
    (rule,) = cors["cors_rule"]
    assert rule["allowed_origins"] == ["https://codemate.code1398.io"]
    assert rule["allowed_methods"] == ["GET", "PUT", "POST", "DELETE"]
    assert rule["max_age_seconds"] == 3000


def test_dev_cors_allows_its_host_and_localhost(dev):
    (cors,) = dev.resources(CORS).values()
    assert cors["cors_rule"][0]["allowed_origins"] == ["https://codemate-dev.code1398.io", "http://localhost:3000"]


def test_without_a_domain_cors_allows_the_load_balancer():
    from tests.data_variants import synthesized_variant

    bare = synthesized_variant("no-domain")
    (cors,) = bare.resources(CORS).values()
    assert cors["cors_rule"][0]["allowed_origins"] == [
        f"http://{bare.ref(LB, bare.one(LB), 'dns_name')}", "http://localhost:3000"]


def test_logs_bucket_lets_the_regions_elb_account_write_alb_logs(stack):
    logs = stack.by_path(BUCKET, "storage/logs")
    (bucket_policy,) = of_bucket(stack, BUCKET_POLICY, "logs")
    by_sid = {s["Sid"]: s for s in statements(policy(bucket_policy))}
    elb = f"${{data.{ELB_ACCOUNT}.{next(iter(stack.data(ELB_ACCOUNT)))}.arn}}"
    assert by_sid["AlbAccessLogs"] == {
        "Sid": "AlbAccessLogs", "Effect": "Allow", "Principal": {"AWS": elb}, "Action": ["s3:PutObject"],
        "Resource": f"{stack.ref(BUCKET, logs, 'arn')}/alb/AWSLogs/{account(stack)}/*",
    }


def test_logs_bucket_lets_log_delivery_write_vpc_flow_logs_of_this_account_only(stack):
    logs_arn = stack.ref(BUCKET, stack.by_path(BUCKET, "storage/logs"), "arn")
    (bucket_policy,) = of_bucket(stack, BUCKET_POLICY, "logs")
    by_sid = {s["Sid"]: s for s in statements(policy(bucket_policy))}
    write, acl = by_sid["FlowLogsWrite"], by_sid["FlowLogsAclCheck"]
    assert write["Principal"] == acl["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert write["Resource"] == f"{logs_arn}/vpc-flow-logs/AWSLogs/{account(stack)}/*"
    assert write["Condition"]["StringEquals"] == {
        "aws:SourceAccount": account(stack), "s3:x-amz-acl": "bucket-owner-full-control"}
    assert acl["Action"] == ["s3:GetBucketAcl", "s3:ListBucket"] and acl["Resource"] == logs_arn


def test_files_and_static_buckets_grant_nobody_anything(stack):
    for purpose in ("files", "static"):
        (bucket_policy,) = of_bucket(stack, BUCKET_POLICY, purpose)
        assert [s["Effect"] for s in statements(policy(bucket_policy))] == ["Deny"]


# -- bad input -------------------------------------------------------------------
def test_fails_when_the_bucket_prefix_breaks_s3_naming_rules():
    # GIVEN a bucket prefix with capitals and an underscore
    settings = load("staging")
    bad = dataclasses.replace(settings, storage=dataclasses.replace(settings.storage, bucket_prefix="Acme_Corp"))
    # THEN validation stops before any output, naming env, field, value and fix
    with pytest.raises(ConfigError) as error:
        validate(bad)
    assert (error.value.environment, error.value.field) == ("staging", "storage.bucket_prefix")
    assert error.value.value == "Acme_Corp-files-staging-<account-id>"
    assert "lowercase letters, digits" in error.value.problem and "lowercase" in error.value.fix


def test_fails_when_the_bucket_prefix_makes_a_name_longer_than_63_characters():
    # aaa...(40)-files-prod-<12 digits> is 64 characters
    settings = load("prod")
    bad = dataclasses.replace(settings, storage=dataclasses.replace(settings.storage, bucket_prefix="a" * 40))
    with pytest.raises(ConfigError, match="S3 bucket names are 3 to 63 characters; this one has 64"):
        validate(bad)


def test_naming_checks_bucket_names_with_a_12_digit_account_even_when_it_is_a_token():
    # codemate...(40)-files-staging-<12 digits> is 67 characters, though the token itself is short
    naming = Naming("p" * 40, "staging")
    with pytest.raises(ConfigError, match="3 to 63 characters; this one has 67"):
        naming.bucket_name("files", "${TfToken[TOKEN.1]}")
    assert Naming("codemate", "dev").bucket_name("files", "123456789012") == "codemate-files-dev-123456789012"


def test_bucket_prefix_replaces_the_project_in_every_bucket_name():
    naming = Naming("codemate", "dev")
    assert naming.bucket_name("logs", "123456789012", prefix="acme") == "acme-logs-dev-123456789012"
