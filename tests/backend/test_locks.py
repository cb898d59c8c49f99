"""``python -m backend locks``: the state locks held in a system's lock table and bucket, each with the exact
``terraform force-unlock`` step (mocked AWS; the real Terraform leaving a real lock behind is
tests/rehearsal/test_faults.py)."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone

from backend.__main__ import main
from backend.bootstrap import BackendSpec, Mode, run
from backend.locks import HeldLock, describe, held_locks, lock_id_in, stack_directory, unlock_step
from environments.codemate.project import PROJECT
from systems import BY_NAME

LOCK_ID = "71796082-d586-3d0b-e5c2-d1709abb7b08"
INFO = {"ID": LOCK_ID, "Operation": "OperationTypeApply", "Info": "", "Who": "ci@runner-7", "Version": "1.11.4",
        "Created": "2026-12-04 23:38:16.852162977 +0000 UTC", "Path": f"{PROJECT.state_bucket}/prod/terraform.tfstate"}

TERRAFORM_OUTPUT = f"""
Error: Error acquiring the state lock

Error message: operation error DynamoDB: PutItem, https response error
StatusCode: 400, RequestID:
rwvLlYUP1sif7bfgZKsr3bkpIrD91AaERIRtyMA651WOztG1gZUv,
ConditionalCheckFailedException: The conditional request failed
Lock Info:
  ID:        {LOCK_ID}
  Path:      codemate-terraform-state/prod/terraform.tfstate
  Operation: OperationTypeApply
"""


def bootstrapped(clients) -> None:
    report = run(BackendSpec.from_project(PROJECT), clients, Mode.APPLY, lambda line: None)
    assert report.as_required


def test_the_lock_id_is_read_from_terraforms_output_not_the_request_id():
    assert lock_id_in(TERRAFORM_OUTPUT) == LOCK_ID
    assert lock_id_in("Error: something else\nLock Info:\n  ID: x") is None


def test_the_step_is_init_then_force_unlock_in_the_stacks_directory():
    assert unlock_step(LOCK_ID, "cdktf.out/stacks/prod") == (
        f"cd cdktf.out/stacks/prod && terraform init -input=false && terraform force-unlock -force {LOCK_ID}")


def test_a_state_key_names_its_stacks_directory():
    assert stack_directory(BY_NAME["codemate"], "prod/terraform.tfstate", "out") == "out/stacks/prod"
    assert stack_directory(BY_NAME["conduit"], "dev/terraform.tfstate", "out") == "out/stacks/conduit-dev"
    assert stack_directory(BY_NAME["conduit"], "qa/terraform.tfstate", "out").startswith("<the directory")


def test_held_locks_are_the_lock_items_and_lock_files_not_the_digests(clients, dynamodb, s3):
    table, bucket = PROJECT.lock_table, PROJECT.state_bucket  # plain ones: the bootstrap's policy wants TLS
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": PROJECT.region})
    dynamodb.create_table(TableName=table, KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
                          BillingMode="PAY_PER_REQUEST")
    dynamodb.put_item(TableName=table, Item={"LockID": {"S": f"{bucket}/prod/terraform.tfstate"},
                                             "Info": {"S": json.dumps(INFO)}})
    dynamodb.put_item(TableName=table, Item={"LockID": {"S": f"{bucket}/dev/terraform.tfstate-md5"},
                                             "Digest": {"S": "0f3c"}})
    s3.put_object(Bucket=bucket, Key="dev/terraform.tfstate.tflock", Body=json.dumps({**INFO, "ID": "file-lock"}))
    s3.put_object(Bucket=bucket, Key="dev/terraform.tfstate", Body=b"{}")
    locks = held_locks(clients.dynamodb, clients.s3, bucket=bucket, table=table)
    assert [(lock.path, lock.lock_id, lock.where) for lock in locks] == [
        (f"{bucket}/dev/terraform.tfstate", "file-lock", f"s3://{bucket}/dev/terraform.tfstate.tflock"),
        (f"{bucket}/prod/terraform.tfstate", LOCK_ID, f"DynamoDB table {table}"),
    ]


def test_a_lock_is_described_with_its_holder_age_and_step():
    lock = HeldLock.from_info(INFO["Path"], INFO, "DynamoDB table codemate-terraform-locks")
    lines = describe(lock, "cdktf.out/stacks/prod", now=datetime(2026, 12, 5, 0, 10, tzinfo=timezone.utc))
    assert lines == [
        f"locked   {INFO['Path']}: OperationTypeApply by ci@runner-7 since {INFO['Created']} (31 min ago), "
        f"Terraform 1.11.4, lock {LOCK_ID} in DynamoDB table codemate-terraform-locks",
        f"         if that run is gone (killed, its runner lost): {unlock_step(LOCK_ID, 'cdktf.out/stacks/prod')}",
    ]


def test_the_command_lists_a_held_lock_and_exits_1_then_0_when_none_is_held(clients, dynamodb):
    bootstrapped(clients)
    out, err = io.StringIO(), io.StringIO()
    assert main(["locks"], out=out, err=err) == 0
    assert out.getvalue() == f"no state lock held: table {PROJECT.lock_table}, bucket {PROJECT.state_bucket}\n"
    dynamodb.put_item(TableName=PROJECT.lock_table, Item={"LockID": {"S": INFO["Path"]}, "Info": {"S": json.dumps(INFO)}})
    out = io.StringIO()
    assert main(["locks", "--outdir", "build"], out=out, err=err) == 1
    lines = out.getvalue().splitlines()
    assert lines[1].endswith(f"cd build/stacks/prod && terraform init -input=false && terraform force-unlock -force {LOCK_ID}")
    assert lines[2] == ("1 state lock(s) held; release one only when no terraform runs on that state any more "
                        "(force-unlock does not stop a running apply)")
    assert err.getvalue() == ""


def test_a_missing_lock_table_is_one_line_exit_2(clients):
    out, err = io.StringIO(), io.StringIO()
    assert main(["locks"], out=out, err=err) == 2
    (line,) = err.getvalue().splitlines()
    assert line.startswith(f"error: reading the locks of bucket {PROJECT.state_bucket}, table {PROJECT.lock_table}: ")
    assert line.endswith("— fix: check the names (python -m backend verify --system codemate) and your credentials")
    assert out.getvalue() == ""
