"""The shipped IAM policies: valid, least privilege, and exactly what the bootstrap and Terraform call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backend.bootstrap import IAM_ACTIONS, Mode
from environments import ENVIRONMENT_NAMES, load
from environments.codemate.project import PROJECT
from tests.backend.helpers import bootstrap

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "backend" / "iam"
BUCKET_ARN = f"arn:aws:s3:::{PROJECT.state_bucket}"
TABLE_ARN = f"arn:aws:dynamodb:{PROJECT.region}:*:table/{PROJECT.lock_table}"


def policy(name: str) -> dict:
    return json.loads((POLICIES / name).read_text())


def actions(document: dict) -> set[str]:
    found = set()
    for statement in document["Statement"]:
        value = statement["Action"]
        found.update([value] if isinstance(value, str) else value)
    return found


def statement_for(document: dict, action: str) -> list[dict]:
    return [s for s in document["Statement"] if action in s["Action"]]


@pytest.mark.parametrize("name", ["bootstrap-policy.json", "terraform-backend-policy.json"])
def test_policy_is_valid_iam_json_without_wildcard_actions(name):
    document = policy(name)
    assert document["Version"] == "2012-10-17"
    assert all(s["Effect"] == "Allow" for s in document["Statement"])
    assert all("*" not in action for action in actions(document))
    assert len({s["Sid"] for s in document["Statement"]}) == len(document["Statement"])


@pytest.mark.parametrize("name", ["bootstrap-policy.json", "terraform-backend-policy.json"])
def test_documentation_shows_the_shipped_policy_verbatim(name):
    assert (POLICIES / name).read_text().strip() in (ROOT / "docs" / "state-backend.md").read_text()


def test_bootstrap_policy_grants_exactly_the_actions_of_the_calls_it_makes():
    assert actions(policy("bootstrap-policy.json")) == set(IAM_ACTIONS.values())


def test_bootstrap_policy_scopes_each_action_to_the_bucket_or_table():
    document = policy("bootstrap-policy.json")
    for action in actions(document):
        (statement,) = statement_for(document, action)
        if action == "s3:ListAllMyBuckets":  # the only S3 action without resource-level permissions
            assert statement["Resource"] == "*" and statement["Action"] == [action]
        elif action.startswith("s3:"):
            assert statement["Resource"] == BUCKET_ARN
        else:
            assert statement["Resource"] == TABLE_ARN


def test_every_call_of_the_bootstrap_is_mapped_and_every_mapping_is_called(spec, clients, calls, s3, dynamodb):
    # GIVEN a full life: creation, then drift that needs every kind of repair, then dry run and verify
    bootstrap(spec, clients)
    s3.put_bucket_ownership_controls(Bucket=spec.bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    arn = dynamodb.describe_table(TableName=spec.table)["Table"]["TableArn"]
    dynamodb.untag_resource(ResourceArn=arn, TagKeys=["Purpose"])
    dynamodb.update_table(TableName=spec.table, DeletionProtectionEnabled=False)
    bootstrap(spec, clients)
    bootstrap(spec, clients, Mode.DRY_RUN)
    bootstrap(spec, clients, Mode.VERIFY)
    # THEN the operations sent are exactly those the IAM map (and so the policy) lists
    assert set(calls.names) == set(IAM_ACTIONS)


def test_terraform_policy_grants_exactly_what_the_s3_backend_uses():
    assert actions(policy("terraform-backend-policy.json")) == {
        "s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject",
        "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem",
    }


def test_terraform_policy_reads_and_writes_only_the_state_keys_of_the_environments():
    document = policy("terraform-backend-policy.json")
    keys = [load(env).state_key for env in ENVIRONMENT_NAMES]
    (state,) = [s for s in document["Statement"] if s["Sid"] == "ReadWriteState"]
    assert state["Action"] == ["s3:GetObject", "s3:PutObject"]
    assert state["Resource"] == [f"{BUCKET_ARN}/{key}" for key in keys]


def test_terraform_policy_deletes_only_lock_files():
    document = policy("terraform-backend-policy.json")
    (deleting,) = statement_for(document, "s3:DeleteObject")
    keys = [load(env).state_key for env in ENVIRONMENT_NAMES]
    assert deleting["Resource"] == [f"{BUCKET_ARN}/{key}.tflock" for key in keys]


def test_terraform_policy_limits_lock_items_to_the_environments_locks_and_digests():
    document = policy("terraform-backend-policy.json")
    (items,) = statement_for(document, "dynamodb:PutItem")
    assert items["Resource"] == TABLE_ARN
    leading = items["Condition"]["ForAllValues:StringEquals"]["dynamodb:LeadingKeys"]
    keys = [f"{PROJECT.state_bucket}/{load(env).state_key}" for env in ENVIRONMENT_NAMES]
    assert sorted(leading) == sorted(keys + [f"{key}-md5" for key in keys])
