"""The bootstrap against a mocked AWS account (moto): every guarantee, repair, race and error."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Callable

import boto3
import pytest

from backend.bootstrap import (
    BUCKET_GUARANTEES,
    LIFECYCLE_RULE_ID,
    TABLE_GUARANTEES,
    TLS_STATEMENT_SID,
    BackendError,
    Mode,
    Status,
    known_regions,
    make_clients,
    validate_spec,
)
from tests.backend.conftest import REGION
from tests.backend.helpers import before, bootstrap, deny, lines

BUCKET = "codemate-terraform-state"
TABLE = "codemate-terraform-locks"
WRITES = ("Create", "Put", "Update", "Tag")


@pytest.fixture
def bootstrapped(spec, clients):
    """An account after one bootstrap run."""
    return bootstrap(spec, clients)


def table_arn(dynamodb) -> str:
    return dynamodb.describe_table(TableName=TABLE)["Table"]["TableArn"]


# --------------------------------------------------------------------------- what a first run creates


def test_first_run_creates_the_bucket_in_the_configured_region(bootstrapped, s3):
    assert s3.head_bucket(Bucket=BUCKET)["BucketRegion"] == REGION
    assert f"created      bucket {BUCKET}: in {REGION}" in lines(bootstrapped)


def test_bucket_is_versioned(bootstrapped, s3):
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"


def test_bucket_encrypts_with_aes256_by_default(bootstrapped, s3):
    rules = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    assert [r["ApplyServerSideEncryptionByDefault"] for r in rules] == [{"SSEAlgorithm": "AES256"}]


def test_bucket_encrypts_with_the_kms_key_when_given(spec, clients, s3):
    # GIVEN a KMS key
    key_id = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["KeyId"]
    # WHEN the bootstrap runs with it
    bootstrap(replace(spec, kms_key_id=key_id), clients)
    # THEN the bucket's default encryption uses that key, with an S3 bucket key
    rule = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_id}
    assert rule["BucketKeyEnabled"] is True


def test_bucket_blocks_all_public_access(bootstrapped, s3):
    assert s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
    }


def test_bucket_owner_owns_every_object(bootstrapped, s3):
    rules = s3.get_bucket_ownership_controls(Bucket=BUCKET)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def test_bucket_policy_denies_requests_without_tls(bootstrapped, s3):
    policy = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    assert policy["Statement"] == [{
        "Sid": TLS_STATEMENT_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }]


def test_bucket_expires_noncurrent_versions_after_90_days_and_aborts_multipart_uploads(bootstrapped, s3):
    rules = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    assert rules == [{
        "ID": LIFECYCLE_RULE_ID,
        "Filter": {},
        "Status": "Enabled",
        "NoncurrentVersionExpiration": {"NoncurrentDays": 90},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
    }]


def test_bucket_lifecycle_never_expires_the_current_state(bootstrapped, s3):
    (rule,) = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    assert "Expiration" not in rule


def test_bucket_is_tagged(bootstrapped, s3):
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=BUCKET)["TagSet"]}
    assert tags == {"Project": "codemate", "Purpose": "terraform-state", "ManagedBy": "backend-bootstrap"}


def test_table_has_the_lock_id_string_partition_key_only(bootstrapped, dynamodb):
    table = dynamodb.describe_table(TableName=TABLE)["Table"]
    assert table["KeySchema"] == [{"AttributeName": "LockID", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "LockID", "AttributeType": "S"}]


def test_table_bills_on_demand(bootstrapped, dynamodb):
    assert dynamodb.describe_table(TableName=TABLE)["Table"]["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_table_encryption_is_set_at_creation(spec, clients, calls, dynamodb):
    bootstrap(spec, clients)
    # THEN CreateTable itself asked for KMS encryption (emulators ignore it in UpdateTable) ...
    (create,) = calls.params("CreateTable")
    assert create["SSESpecification"] == {"Enabled": True, "SSEType": "KMS"}
    # ... and the table reports it
    assert dynamodb.describe_table(TableName=TABLE)["Table"]["SSEDescription"]["Status"] == "ENABLED"


def test_table_has_point_in_time_recovery(bootstrapped, dynamodb):
    backups = dynamodb.describe_continuous_backups(TableName=TABLE)["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


def test_table_is_protected_from_deletion(bootstrapped, dynamodb):
    assert dynamodb.describe_table(TableName=TABLE)["Table"]["DeletionProtectionEnabled"] is True


def test_table_is_tagged(bootstrapped, dynamodb):
    tags = {t["Key"]: t["Value"] for t in dynamodb.list_tags_of_resource(ResourceArn=table_arn(dynamodb))["Tags"]}
    assert tags == {"Project": "codemate", "Purpose": "terraform-state", "ManagedBy": "backend-bootstrap"}


def test_first_run_reports_every_guarantee_as_created(bootstrapped):
    # one line for each resource and one for each of its guarantees, all "created"
    assert len(bootstrapped.lines) == 2 + len(BUCKET_GUARANTEES) + len(TABLE_GUARANTEES)
    assert {line.status for line in bootstrapped.lines} == {Status.CREATED}
    assert bootstrapped.summary == f"backend is as required; {len(bootstrapped.lines)} change(s) made"


def test_first_run_writes_the_bucket_with_the_names_from_project_settings(bootstrapped, s3, dynamodb):
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [BUCKET]
    assert dynamodb.list_tables()["TableNames"] == [TABLE]


# --------------------------------------------------------------------------- a local emulator


def test_emulator_run_skips_the_tls_only_policy_with_a_note(spec, aws, s3):
    # GIVEN clients pointed at a local emulator
    clients = replace(make_clients(region=REGION), endpoint_url="http://127.0.0.1:5000")
    # WHEN the bootstrap runs
    report = bootstrap(spec, clients)
    # THEN no bucket policy is written, and the line says why
    with pytest.raises(s3.exceptions.ClientError, match="NoSuchBucketPolicy"):
        s3.get_bucket_policy(Bucket=BUCKET)
    (skipped,) = lines(report, Status.SKIPPED)
    assert "TLS-only policy" in skipped and "moto does not evaluate policy conditions" in skipped
    assert report.as_required


# --------------------------------------------------------------------------- idempotence


def test_second_run_changes_nothing_and_says_so(spec, clients, calls):
    bootstrap(spec, clients)
    calls.made.clear()
    # WHEN the bootstrap runs again
    report = bootstrap(spec, clients)
    # THEN every line is "ok", the summary says nothing changed, and no write was sent
    assert {line.status for line in report.lines} == {Status.OK}
    assert report.summary == "backend is as required; nothing changed"
    assert [name for name in calls.names if name.startswith(WRITES)] == []


# --------------------------------------------------------------------------- drift is repaired


@dataclass(frozen=True)
class Drift:
    id: str
    cause: Callable  # (s3, dynamodb) -> None
    line: str
    restored: Callable  # (s3, dynamodb) -> bool


DRIFTS = [
    Drift(
        "versioning-suspended",
        lambda s3, ddb: s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"}),
        f"repaired     bucket {BUCKET} versioning: was Suspended, now Enabled",
        lambda s3, ddb: s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled",
    ),
    Drift(
        "public-access-block-deleted",
        lambda s3, ddb: s3.delete_public_access_block(Bucket=BUCKET),
        f"repaired     bucket {BUCKET} public access block: was none, now all four flags on",
        lambda s3, ddb: all(s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"].values()),
    ),
    Drift(
        "public-policy-unblocked",
        lambda s3, ddb: s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
            "RestrictPublicBuckets": False}),
        f"repaired     bucket {BUCKET} public access block: was off: BlockPublicPolicy, RestrictPublicBuckets, "
        "now all four flags on",
        lambda s3, ddb: all(s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"].values()),
    ),
    Drift(
        "encryption-deleted",
        lambda s3, ddb: s3.delete_bucket_encryption(Bucket=BUCKET),
        f"repaired     bucket {BUCKET} default encryption: was none, now AES256",
        lambda s3, ddb: s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"][0]
        ["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256",
    ),
    Drift(
        "ownership-object-writer",
        lambda s3, ddb: s3.put_bucket_ownership_controls(
            Bucket=BUCKET, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}),
        f"repaired     bucket {BUCKET} object ownership: was ObjectWriter, now BucketOwnerEnforced",
        lambda s3, ddb: s3.get_bucket_ownership_controls(Bucket=BUCKET)["OwnershipControls"]["Rules"]
        == [{"ObjectOwnership": "BucketOwnerEnforced"}],
    ),
    Drift(
        "policy-deleted",
        lambda s3, ddb: s3.delete_bucket_policy(Bucket=BUCKET),
        f"repaired     bucket {BUCKET} TLS-only policy: was none, now a statement denying every request without TLS",
        lambda s3, ddb: json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])["Statement"][0]["Sid"]
        == TLS_STATEMENT_SID,
    ),
    Drift(
        "lifecycle-deleted",
        lambda s3, ddb: s3.delete_bucket_lifecycle(Bucket=BUCKET),
        f"repaired     bucket {BUCKET} lifecycle: was none, now rule {LIFECYCLE_RULE_ID}",
        lambda s3, ddb: s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"][0]["ID"] == LIFECYCLE_RULE_ID,
    ),
    Drift(
        "bucket-tags-deleted",
        lambda s3, ddb: s3.delete_bucket_tagging(Bucket=BUCKET),
        f"repaired     bucket {BUCKET} tags: was none, now Project=codemate",
        lambda s3, ddb: len(s3.get_bucket_tagging(Bucket=BUCKET)["TagSet"]) == 3,
    ),
    Drift(
        "point-in-time-recovery-disabled",
        lambda s3, ddb: ddb.update_continuous_backups(
            TableName=TABLE, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}),
        f"repaired     table {TABLE} point-in-time recovery: was DISABLED, now ENABLED",
        lambda s3, ddb: ddb.describe_continuous_backups(TableName=TABLE)["ContinuousBackupsDescription"]
        ["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED",
    ),
    Drift(
        "deletion-protection-off",
        lambda s3, ddb: ddb.update_table(TableName=TABLE, DeletionProtectionEnabled=False),
        f"repaired     table {TABLE} deletion protection: was off, now on",
        lambda s3, ddb: ddb.describe_table(TableName=TABLE)["Table"]["DeletionProtectionEnabled"] is True,
    ),
    Drift(
        "provisioned-billing",
        lambda s3, ddb: ddb.update_table(TableName=TABLE, BillingMode="PROVISIONED", ProvisionedThroughput={
            "ReadCapacityUnits": 1, "WriteCapacityUnits": 1}),
        f"repaired     table {TABLE} billing mode: was PROVISIONED, now PAY_PER_REQUEST",
        lambda s3, ddb: ddb.describe_table(TableName=TABLE)["Table"]["BillingModeSummary"]["BillingMode"]
        == "PAY_PER_REQUEST",
    ),
    Drift(
        "table-tag-removed",
        lambda s3, ddb: ddb.untag_resource(ResourceArn=table_arn(ddb), TagKeys=["Purpose"]),
        f"repaired     table {TABLE} tags: was missing or different: Purpose, now Project=codemate",
        lambda s3, ddb: {t["Key"] for t in ddb.list_tags_of_resource(ResourceArn=table_arn(ddb))["Tags"]}
        == {"Project", "Purpose", "ManagedBy"},
    ),
]


@pytest.mark.parametrize("drift", DRIFTS, ids=[d.id for d in DRIFTS])
def test_drift_is_repaired_reported_and_stays_repaired(drift, spec, clients, s3, dynamodb):
    # GIVEN a bootstrapped backend that drifted
    bootstrap(spec, clients)
    drift.cause(s3, dynamodb)
    # WHEN the bootstrap runs again
    report = bootstrap(spec, clients)
    # THEN it repairs exactly that setting and reports it
    (repaired,) = lines(report, Status.REPAIRED)
    assert repaired.startswith(drift.line)
    assert drift.restored(s3, dynamodb)
    assert report.summary == "backend is as required; 1 change(s) made"
    # AND a further run finds nothing to do
    assert bootstrap(spec, clients).summary == "backend is as required; nothing changed"


def test_table_without_kms_encryption_is_repaired_with_update_table(spec, clients, calls, dynamodb):
    # GIVEN a lock table someone created without KMS encryption (AWS owned key)
    dynamodb.create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST", DeletionProtectionEnabled=True,
        KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
    )
    # WHEN the bootstrap runs
    report = bootstrap(spec, clients)
    # THEN it asks DynamoDB to encrypt it with KMS (moto ignores SSE in UpdateTable: the call is what we check)
    assert {"TableName": TABLE, "SSESpecification": {"Enabled": True, "SSEType": "KMS"}} in calls.params("UpdateTable")
    assert (f"repaired     table {TABLE} encryption: was AWS owned key (no KMS encryption), "
            "now KMS (AWS managed key aws/dynamodb)") in lines(report)


# --------------------------------------------------------------------------- never deletes, never weakens


def test_no_run_ever_deletes_anything(spec, clients, calls, s3, dynamodb):
    # GIVEN every drift at once
    bootstrap(spec, clients)
    for drift in DRIFTS:
        drift.cause(s3, dynamodb)
    # WHEN the bootstrap repairs them, then verifies
    bootstrap(spec, clients)
    bootstrap(spec, clients, Mode.VERIFY)
    # THEN it never sent a Delete* call
    assert [name for name in calls.names if name.startswith("Delete")] == []


def test_existing_bucket_policy_statements_are_kept(spec, clients, s3):
    # GIVEN a bucket whose policy already grants something else
    bootstrap(spec, clients)
    other = {"Sid": "AuditRead", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
             "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [other]}))
    # WHEN the bootstrap runs
    bootstrap(spec, clients)
    # THEN the TLS-only statement is added beside it
    statements = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["AuditRead", TLS_STATEMENT_SID]
    assert statements[0] == other


def test_existing_lifecycle_rules_are_kept(spec, clients, s3):
    bootstrap(spec, clients)
    other = {"ID": "logs", "Filter": {"Prefix": "logs/"}, "Status": "Enabled", "Expiration": {"Days": 30}}
    s3.put_bucket_lifecycle_configuration(Bucket=BUCKET, LifecycleConfiguration={"Rules": [other]})
    bootstrap(spec, clients)
    rules = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    assert [r["ID"] for r in rules] == ["logs", LIFECYCLE_RULE_ID]


def test_longer_version_retention_is_not_shortened(spec, clients, s3):
    # GIVEN the team keeps old state versions for a year
    bootstrap(spec, clients)
    rule = {"ID": LIFECYCLE_RULE_ID, "Filter": {}, "Status": "Enabled",
            "NoncurrentVersionExpiration": {"NoncurrentDays": 365},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}}
    s3.put_bucket_lifecycle_configuration(Bucket=BUCKET, LifecycleConfiguration={"Rules": [rule]})
    # WHEN the bootstrap runs
    report = bootstrap(spec, clients)
    # THEN that is accepted as is (expiring sooner would delete versions)
    assert report.summary == "backend is as required; nothing changed"
    assert s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"][0]["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": 365}


def test_kms_encryption_is_not_downgraded_to_aes256(spec, clients, s3):
    # GIVEN a bucket someone switched to a KMS key
    bootstrap(spec, clients)
    s3.put_bucket_encryption(Bucket=BUCKET, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/state"}}]})
    # WHEN the bootstrap runs without --kms-key-id
    report = bootstrap(spec, clients)
    # THEN the KMS key stays
    assert report.summary == "backend is as required; nothing changed"
    rule = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"


def test_aes256_bucket_is_moved_to_the_kms_key_when_one_is_given(spec, clients, s3):
    bootstrap(spec, clients)
    report = bootstrap(replace(spec, kms_key_id="alias/state"), clients)
    assert (f"repaired     bucket {BUCKET} default encryption: was AES256, now aws:kms with key alias/state"
            in lines(report))


def test_other_tags_are_kept(spec, clients, s3):
    bootstrap(spec, clients)
    s3.put_bucket_tagging(Bucket=BUCKET, Tagging={"TagSet": [{"Key": "CostCenter", "Value": "42"}]})
    bootstrap(spec, clients)
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=BUCKET)["TagSet"]}
    assert tags == {"CostCenter": "42", "Project": "codemate", "Purpose": "terraform-state",
                    "ManagedBy": "backend-bootstrap"}


# --------------------------------------------------------------------------- dry run


def test_dry_run_on_an_empty_account_lists_what_it_would_create_and_creates_nothing(spec, clients, s3, dynamodb):
    report = bootstrap(spec, clients, Mode.DRY_RUN)
    assert {line.status for line in report.lines} == {Status.WOULD_CREATE}
    assert f"would create bucket {BUCKET} versioning: Enabled" in lines(report)
    assert s3.list_buckets()["Buckets"] == []
    assert dynamodb.list_tables()["TableNames"] == []
    assert not report.as_required


def test_dry_run_on_drift_says_what_it_would_repair_and_repairs_nothing(spec, clients, s3):
    bootstrap(spec, clients)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"})
    report = bootstrap(spec, clients, Mode.DRY_RUN)
    assert lines(report, Status.WOULD_REPAIR) == [
        f"would repair bucket {BUCKET} versioning: is Suspended, would become Enabled"]
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Suspended"
    assert report.summary == "dry run: 1 change(s) would be made; nothing was changed"


def test_dry_run_sends_no_write(spec, clients, calls):
    bootstrap(spec, clients, Mode.DRY_RUN)
    assert [name for name in calls.names if name.startswith(WRITES)] == []


# --------------------------------------------------------------------------- verify


def test_verify_on_an_empty_account_lists_every_setting_as_missing_with_the_fix(spec, clients):
    report = bootstrap(spec, clients, Mode.VERIFY)
    missing = lines(report, Status.MISSING)
    assert len(missing) == 2 + len(BUCKET_GUARANTEES) + len(TABLE_GUARANTEES)
    assert all("fix: run `python -m backend bootstrap`" in line for line in missing)
    assert not report.as_required


def test_verify_after_bootstrap_finds_the_backend_as_required(spec, clients):
    bootstrap(spec, clients)
    report = bootstrap(spec, clients, Mode.VERIFY)
    assert {line.status for line in report.lines} == {Status.OK}
    assert report.as_required and report.summary == "backend is as required"


def test_verify_names_each_weaker_setting_and_changes_nothing(spec, clients, s3, dynamodb):
    # GIVEN two settings weakened
    bootstrap(spec, clients)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"})
    dynamodb.update_table(TableName=TABLE, DeletionProtectionEnabled=False)
    # WHEN verified
    report = bootstrap(spec, clients, Mode.VERIFY)
    # THEN exactly those two are listed, each with its fix, and nothing was repaired
    assert lines(report, Status.WEAKER) == [
        f"weaker       bucket {BUCKET} versioning: Suspended; required Enabled — fix: run `python -m backend bootstrap`",
        f"weaker       table {TABLE} deletion protection: off; required on — fix: run `python -m backend bootstrap`",
    ]
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Suspended"
    assert report.summary == "backend is NOT as required: 2 setting(s) missing or weaker; fix: python -m backend bootstrap"


def test_verify_reports_a_wrong_table_key_with_its_own_fix(spec, clients, dynamodb):
    dynamodb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    report = bootstrap(spec, clients, Mode.VERIFY)
    (key_line,) = [line for line in lines(report, Status.WEAKER) if "key schema" in line]
    assert "partition key id (S)" in key_line and "pass another --table" in key_line


# --------------------------------------------------------------------------- two runs at once


def test_bucket_created_meanwhile_by_another_run_is_accepted(spec, clients, s3):
    # GIVEN another run creates the bucket between our check and our CreateBucket
    before(clients.s3, "CreateBucket", lambda: s3.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}))
    # WHEN the bootstrap runs (S3 answers BucketAlreadyOwnedByYou)
    report = bootstrap(spec, clients)
    # THEN it carries on and completes the bucket
    assert f"ok           bucket {BUCKET}: exists in {REGION} (created meanwhile by another run)" in lines(report)
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    assert report.as_required


def test_table_being_created_by_another_run_is_waited_for(spec, clients, calls, dynamodb):
    # GIVEN another run creates the table between our check and our CreateTable
    before(clients.dynamodb, "CreateTable", lambda: dynamodb.create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST", SSESpecification={"Enabled": True, "SSEType": "KMS"},
        KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}]))
    # WHEN the bootstrap runs (DynamoDB answers ResourceInUseException)
    report = bootstrap(spec, clients)
    # THEN it waits for the table (DescribeTable after CreateTable) and completes it
    assert calls.names[calls.names.index("CreateTable") + 1] == "DescribeTable"
    assert (f"ok           table {TABLE}: exists in {REGION} (being created by another run; waited until ACTIVE)"
            in lines(report))
    assert dynamodb.describe_table(TableName=TABLE)["Table"]["DeletionProtectionEnabled"] is True
    assert report.as_required


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("name, problem", [
    ("Codemate_State", "lowercase letters"),
    ("ab", "3 to 63 characters"),
    ("state..bucket", "'..'"),
    ("192.168.0.1", "IP address"),
])
def test_invalid_bucket_name_is_refused_before_any_call(name, problem, spec, clients, calls):
    with pytest.raises(BackendError, match=problem) as error:
        bootstrap(replace(spec, bucket=name), clients)
    assert "state_bucket in environments/codemate/project.py" in error.value.fix
    assert calls.names == []


def test_invalid_table_name_is_refused_before_any_call(spec, clients, calls):
    with pytest.raises(BackendError, match="invalid table name 'locks!'"):
        bootstrap(replace(spec, table="locks!"), clients)
    assert calls.names == []


def test_unknown_region_is_refused_with_a_suggestion(spec):
    with pytest.raises(BackendError, match="unknown region 'ap-northeast-9'") as error:
        validate_spec(replace(spec, region="ap-northeast-9"))
    assert "did you mean ap-northeast-" in error.value.fix


def test_known_regions_come_from_every_botocore_partition():
    regions = known_regions()
    assert {"ap-northeast-2", "us-east-1", "cn-north-1", "us-gov-west-1"} <= regions
    assert "ap-northeast-9" not in regions


def test_bucket_of_another_account_is_refused_and_nothing_is_created(spec, clients, monkeypatch, s3, dynamodb):
    # GIVEN the bucket name is taken by another account
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "111111111111")
    boto3.client("s3", region_name=REGION).create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    monkeypatch.delenv("MOTO_ACCOUNT_ID")
    # WHEN the bootstrap runs
    with pytest.raises(BackendError, match="belongs to another AWS account") as error:
        bootstrap(spec, clients)
    # THEN it says how to fix it and created nothing (not even the table)
    assert "--bucket" in error.value.fix
    assert dynamodb.list_tables()["TableNames"] == []


def test_bucket_taken_by_another_account_during_the_run_is_refused(spec, clients, monkeypatch):
    def other_account_creates_it():
        monkeypatch.setenv("MOTO_ACCOUNT_ID", "111111111111")
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        monkeypatch.delenv("MOTO_ACCOUNT_ID")

    before(clients.s3, "CreateBucket", other_account_creates_it)
    with pytest.raises(BackendError, match="belongs to another AWS account"):
        bootstrap(spec, clients)


def test_bucket_in_another_region_is_refused(spec, clients, dynamodb):
    boto3.client("s3", region_name="eu-west-1").create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    with pytest.raises(BackendError, match=f"bucket {BUCKET} is in eu-west-1, not {REGION}") as error:
        bootstrap(spec, clients)
    assert "--region eu-west-1" in error.value.fix
    assert dynamodb.list_tables()["TableNames"] == []


def test_table_with_the_wrong_key_is_refused_before_any_change(spec, clients, s3, dynamodb):
    dynamodb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    with pytest.raises(BackendError, match="Terraform needs partition key LockID"):
        bootstrap(spec, clients)
    assert s3.list_buckets()["Buckets"] == []


@pytest.mark.parametrize("client_name, operation, permission", [
    ("s3", "ListBuckets", "s3:ListAllMyBuckets"),
    ("s3", "PutBucketVersioning", "s3:PutBucketVersioning"),
    ("s3", "PutBucketEncryption", "s3:PutEncryptionConfiguration"),
    ("s3", "PutPublicAccessBlock", "s3:PutBucketPublicAccessBlock"),
    ("dynamodb", "CreateTable", "dynamodb:CreateTable"),
    ("dynamodb", "UpdateContinuousBackups", "dynamodb:UpdateContinuousBackups"),
])
def test_access_denied_names_the_missing_permission(client_name, operation, permission, spec, clients):
    code = "AccessDeniedException" if client_name == "dynamodb" else "AccessDenied"
    deny(getattr(clients, client_name), operation, code=code, status=400 if client_name == "dynamodb" else 403)
    with pytest.raises(BackendError) as error:
        bootstrap(spec, clients)
    assert error.value.message.startswith(f"access denied: {operation} needs the IAM permission {permission} on ")
    assert permission in error.value.fix and "backend/iam/bootstrap-policy.json" in error.value.fix


def test_rejected_credentials_are_reported_as_such(spec, clients):
    deny(clients.s3, "ListBuckets", code="InvalidAccessKeyId")
    with pytest.raises(BackendError, match="AWS rejected the credentials"):
        bootstrap(spec, clients)


def test_missing_credentials_are_refused_before_any_call(fake_credentials, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(BackendError, match="no AWS credentials found") as error:
        make_clients(region=REGION)
    assert "--profile" in error.value.fix


def test_unknown_profile_is_refused(fake_credentials):
    with pytest.raises(BackendError, match="AWS profile 'nope' not found"):
        make_clients(region=REGION, profile="nope")


def test_emulator_clients_use_path_style_addressing(aws):
    clients = make_clients(region=REGION, endpoint_url="http://127.0.0.1:5000")
    assert clients.s3.meta.config.s3 == {"addressing_style": "path"}
    assert clients.s3.meta.endpoint_url == "http://127.0.0.1:5000"
