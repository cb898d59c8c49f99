"""python -m review plan-policy: what only a plan shows — a stateful resource replaced or deleted — stops
the apply unless approved, and a prod database, cache, bucket or table is never replaced or deleted.
(On a real plan of the real provider: tests/rehearsal/test_delivery.py.)"""

from __future__ import annotations

import json

import pytest

from review.delivery import STATEFUL, check_plan
from tests.review.conftest import run_review
from tests.review.plan_json import plan, rc, write

DB_REPLACED = rc("aws_db_instance.database", ["delete", "create"], {"db_name": "app", "engine": "postgres"},
                 {"db_name": "app2", "engine": "postgres"}, replace=[["db_name"]])
PROD_DB = ("refused: aws_db_instance.database would be replaced (database: loses the data, unless restored from a "
           "snapshot; forced by db_name) — a prod database is never replaced or deleted by the pipeline, approval "
           "or not — fix: revert the change that forces it, or follow docs/delivery.md \"Replacing a prod data store\"")


def policy(tmp_path, document: dict, *args: str, env: dict | None = None):
    path = write(tmp_path / "plan.json", document)
    return run_review("plan-policy", "--plan", str(path), *args, env=env)


def test_a_prod_database_replacement_is_refused(tmp_path):
    done = policy(tmp_path, plan(DB_REPLACED, rc("aws_cloudwatch_log_group.app", ["update"], {"retention_in_days": 14},
                                                 {"retention_in_days": 7})),
                  "--stack", "prod", "--environment", "prod")
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "plan prod (prod): 0 to create, 1 to update, 1 to replace, 0 to delete", PROD_DB, "plan policy: refused (1)"]


def test_no_approval_lifts_it_in_prod_and_a_pull_request_fails_too(tmp_path):
    approved = policy(tmp_path, plan(DB_REPLACED), "--stack", "prod", "--environment", "prod",
                      "--allow-replace", "prod:aws_db_instance.database")
    assert approved.returncode == 1 and PROD_DB in approved.stdout.splitlines()
    in_review = policy(tmp_path, plan(DB_REPLACED), "--stack", "prod", "--environment", "prod", "--stage", "pr")
    assert in_review.returncode == 1 and PROD_DB in in_review.stdout.splitlines()


@pytest.mark.parametrize("kind, address", [
    ("aws_rds_cluster", "aws_rds_cluster.aurora"), ("aws_rds_cluster_instance", "aws_rds_cluster_instance.reader"),
    ("aws_elasticache_replication_group", "aws_elasticache_replication_group.redis"),
    ("aws_elasticache_cluster", "aws_elasticache_cluster.memcached"), ("aws_s3_bucket", "aws_s3_bucket.files"),
    ("aws_dynamodb_table", "aws_dynamodb_table.items")])
def test_every_prod_data_store_deleted_is_refused(kind, address):
    result = check_plan(plan(rc(address, ["delete"], {"id": "x"}, None)), "prod", "prod",
                        approvals={f"prod:{address}"})
    assert [(f.address, f.what, f.verdict) for f in result.findings] == [(address, "deleted", "protected")]
    assert not result.passed


def test_elsewhere_a_stateful_replacement_needs_an_approval_naming_it(tmp_path):
    document = plan(DB_REPLACED)
    refused = policy(tmp_path, document, "--stack", "dev", "--environment", "dev")
    assert refused.returncode == 1
    assert refused.stdout.splitlines()[1:] == [
        "refused: aws_db_instance.database would be replaced (database: loses the data, unless restored from a "
        "snapshot; forced by db_name) — fix: if intended, run the apply workflow with "
        "allow_replace=dev:aws_db_instance.database (docs/delivery.md \"Approving a replacement\")",
        "plan policy: refused (1)"]
    approved = policy(tmp_path, document, "--stack", "dev", "--environment", "dev", "--allow-replace",
                      "dev:aws_db_instance.database, dev:aws_kms_key.gone prod:aws_kms_key.other")
    assert approved.returncode == 0
    assert approved.stdout.splitlines()[1:] == [
        "approved: aws_db_instance.database would be replaced (database: loses the data, unless restored from a "
        "snapshot; forced by db_name) — allowed by allow_replace=dev:aws_db_instance.database",
        "warning: allow_replace=dev:aws_kms_key.gone matches no replacement or deletion in this plan",
        "plan policy: passed"]


def test_an_approval_of_another_stack_does_not_count_and_the_environment_variable_is_read(tmp_path):
    document = plan(rc("aws_kms_key.data", ["delete"], {"id": "k"}, None))
    other = policy(tmp_path, document, "--stack", "staging", "--environment", "staging",
                   env={"ALLOW_REPLACE": "dev:aws_kms_key.data"})
    assert other.returncode == 1
    assert other.stdout.splitlines()[1].startswith("refused: aws_kms_key.data would be deleted (encryption key: ")
    mine = policy(tmp_path, document, "--stack", "staging", "--environment", "staging",
                  env={"ALLOW_REPLACE": "staging:aws_kms_key.data"})
    assert mine.returncode == 0 and mine.stdout.splitlines()[-1] == "plan policy: passed"


def test_prods_other_stateful_resources_may_be_approved(tmp_path):
    document = plan(rc("aws_eks_cluster.eks", ["delete", "create"], {"version": "1.34"}, {"version": "1.35"},
                       replace=[["vpc_config", 0, "subnet_ids"]]))
    assert policy(tmp_path, document, "--stack", "openmarket-prod", "--environment", "prod").returncode == 1
    done = policy(tmp_path, document, "--stack", "openmarket-prod", "--environment", "prod",
                  "--allow-replace", "openmarket-prod:aws_eks_cluster.eks")
    assert done.returncode == 0
    assert done.stdout.splitlines()[1] == (
        "approved: aws_eks_cluster.eks would be replaced (Kubernetes cluster: loses every workload, volume claim and "
        "access entry on it; forced by vpc_config.0.subnet_ids) — allowed by "
        "allow_replace=openmarket-prod:aws_eks_cluster.eks")


def test_a_pull_request_reports_what_the_apply_will_need(tmp_path):
    done = policy(tmp_path, plan(rc("aws_s3_bucket.logs", ["create", "delete"], {"bucket": "a"}, {"bucket": "b"},
                                    replace=[["bucket"]])),
                  "--stack", "conduit-dev", "--environment", "dev", "--stage", "pr")
    assert done.returncode == 0
    assert done.stdout.splitlines() == [
        "plan conduit-dev (dev): 0 to create, 0 to update, 1 to replace, 0 to delete",
        "needs approval: aws_s3_bucket.logs would be replaced (bucket: loses every object in it; forced by bucket) "
        "— the apply stops unless run with allow_replace=conduit-dev:aws_s3_bucket.logs",
        "plan policy: passed (1 need approval at apply)"]


def test_what_keeps_its_state_passes(tmp_path):
    document = plan(
        rc("aws_db_instance.database", ["update"], {"instance_class": "db.t4g.small"}, {"instance_class": "db.t4g.medium"}),
        rc("aws_security_group.web", ["delete", "create"], {"name": "a"}, {"name": "b"}, replace=[["name"]]),
        rc("aws_s3_bucket.files", ["create"], None, {"bucket": "new"}),
        rc("aws_s3_bucket.kept", ["no-op"], {"bucket": "k"}, {"bucket": "k"}),
        rc("data.aws_s3_bucket.read", ["read"], None, {}, mode="data"),
        rc("aws_lambda_function.fn", ["delete"], {"function_name": "f"}, None))
    done = policy(tmp_path, document, "--stack", "prod", "--environment", "prod", "--json")
    assert done.returncode == 0
    result = json.loads(done.stdout)
    assert result == {"stack": "prod", "environment": "prod",
                      "counts": {"create": 1, "update": 1, "replace": 1, "delete": 1},
                      "findings": [], "unused_approvals": [], "passed": True}


def test_the_summary_shows_every_finding(tmp_path):
    summary = tmp_path / "summary.md"
    (tmp_path / "plan.txt").write_text("Plan: 1 to add, 0 to change, 1 to destroy.\n")
    policy(tmp_path, plan(DB_REPLACED), "--stack", "prod", "--environment", "prod", "--summary", str(summary),
           "--plan-text", str(tmp_path / "plan.txt"))
    text = summary.read_text()
    assert text.startswith("## Plan prod (prod): policy refused\n")
    assert ("| `aws_db_instance.database` | replaced | database: loses the data, unless restored from a snapshot "
            "(forced by db_name) | **protected** |") in text
    assert "Plan: 1 to add, 0 to change, 1 to destroy." in text


def test_the_stateful_types_are_listed_in_one_place():
    data_stores = {t for t, s in STATEFUL.items() if s.data_store}
    assert {"aws_db_instance", "aws_rds_cluster", "aws_rds_cluster_instance", "aws_elasticache_replication_group",
            "aws_elasticache_cluster", "aws_s3_bucket", "aws_dynamodb_table"} <= data_stores
    assert {"aws_eks_cluster", "aws_kms_key", "aws_secretsmanager_secret"} <= set(STATEFUL) - data_stores
    assert {s.category for s in STATEFUL.values() if s.data_store} == {"database", "cache", "bucket", "table"}


@pytest.mark.parametrize("case", ["missing", "not-json", "a-state", "approval"])
def test_bad_input_is_one_line_and_exit_2(tmp_path, case):
    path = tmp_path / "plan.json"
    args = ["--stack", "dev", "--environment", "dev"]
    if case == "missing":
        expected = (f"error: --plan {path}: no such file — fix: terraform plan -out=tfplan && "
                    "terraform show -json tfplan > plan.json")
    elif case == "not-json":
        path.write_bytes(b"tfplan\x00binary")
        expected = (f"error: --plan {path}: not JSON (Expecting value: line 1 column 1 (char 0)) — fix: pass the "
                    "output of terraform show -json tfplan (not the binary tfplan itself)")
    elif case == "a-state":
        write(path, {"format_version": "1.0", "terraform_version": "1.11.4", "values": {}})
        expected = (f"error: --plan {path}: not the JSON of a saved plan (no format_version / resource_changes) — "
                    "fix: pass the output of terraform show -json tfplan")
    else:
        write(path, plan())
        args += ["--allow-replace", "aws_db_instance.database"]
        expected = ("error: --allow-replace 'aws_db_instance.database': not <stack>:<address> — fix: name the stack "
                    "and the resource address the plan shows, e.g. dev:aws_kms_key.data_key_1A2B3C4D")
    done = run_review("plan-policy", "--plan", str(path), *args)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", expected + "\n")
