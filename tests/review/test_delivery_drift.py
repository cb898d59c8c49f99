"""python -m review drift / drift-report: `terraform plan -detailed-exitcode` per stack, every drifted
address with what changed, told apart from what was merged but not applied. The terraform calls here are a
stand-in; a drift made by hand on the emulator: tests/rehearsal/test_delivery.py."""

from __future__ import annotations

import json

import pytest

from review.delivery import drift_changes
from tests.review.conftest import run_review, write_stack
from tests.review.plan_json import calls, fake_terraform, plan, rc, write

RETENTION = rc("aws_cloudwatch_log_group.app", ["update"], {"retention_in_days": 14, "name": "/app"},
               {"retention_in_days": 7, "name": "/app"})
RETENTION_DRIFT = rc("aws_cloudwatch_log_group.app", ["update"], {"retention_in_days": 7, "name": "/app", "tags": None},
                     {"retention_in_days": 14, "name": "/app", "tags": {}})
DRIFTED = plan(RETENTION, drift=[RETENTION_DRIFT])


def test_an_attribute_changed_outside_terraform_is_reported_with_its_address_and_values():
    (change,) = drift_changes(DRIFTED)
    assert change == {"address": "aws_cloudwatch_log_group.app", "actions": ["update"],
                      "cause": "changed outside Terraform", "forced_by": [],
                      "attributes": [{"name": "retention_in_days", "aws": "14", "configuration": "7", "outside": True}]}


def test_what_was_merged_but_not_applied_is_told_apart_and_secrets_are_not_shown():
    document = plan(
        rc("aws_sqs_queue.jobs", ["update"], {"visibility_timeout_seconds": 30}, {"visibility_timeout_seconds": 60}),
        rc("aws_s3_bucket.new", ["create"], None, {"bucket": "new"}),
        rc("aws_s3_bucket.old", ["delete"], {"bucket": "old"}, None),
        rc("aws_secretsmanager_secret_version.token", ["update"], {"secret_string": "old-secret"},
           {"secret_string": "new-secret"}, sensitive={"secret_string": True}),
        rc("aws_ecr_repository.gone", ["create"], None, {"name": "gone"}),
        drift=[rc("aws_ecr_repository.gone", ["delete"], {"name": "gone"}, None)])
    found = {c["address"]: c for c in drift_changes(document)}
    assert {a: (c["cause"], c["attributes"]) for a, c in found.items()} == {
        "aws_sqs_queue.jobs": ("the configuration is not applied yet", [
            {"name": "visibility_timeout_seconds", "aws": "30", "configuration": "60", "outside": False}]),
        "aws_s3_bucket.new": ("in the configuration, not in AWS (not applied yet)", []),
        "aws_s3_bucket.old": ("in the state, not in the configuration (not applied yet)", []),
        "aws_secretsmanager_secret_version.token": ("the configuration is not applied yet", [
            {"name": "secret_string", "aws": "(sensitive)", "configuration": "(sensitive)", "outside": False}]),
        "aws_ecr_repository.gone": ("deleted outside Terraform", []),
    }


def drift(tmp_path, answers: dict, name: str = "prod"):
    write_stack(tmp_path / "out", name, {})
    env = fake_terraform(tmp_path, {name: answers})
    result = tmp_path / "results" / f"{name}.json"
    done = run_review("drift", "--stack-dir", str(tmp_path / "out" / "stacks" / name), "--out", str(result),
                      "--summary", str(tmp_path / "summary.md"), env=env)
    return done, json.loads(result.read_text())


def test_drift_runs_plan_detailed_exitcode_and_reports_the_drifted_address(tmp_path):
    done, result = drift(tmp_path, {"plan_exit": 2, "show": DRIFTED})
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "drift prod: 1 resource(s) differ from the configuration",
        "  aws_cloudwatch_log_group.app: update — changed outside Terraform: retention_in_days = 14 in AWS, 7 in the "
        "configuration"]
    assert result["status"] == "drifted" and result["changes"][0]["address"] == "aws_cloudwatch_log_group.app"
    assert calls(tmp_path) == [
        "prod plan -input=false -no-color -lock=false -detailed-exitcode -out=drift.tfplan", "prod show -json drift.tfplan"]
    assert "| `aws_cloudwatch_log_group.app` | update | changed outside Terraform | `retention_in_days`: `14` → `7` |" \
        in (tmp_path / "summary.md").read_text()


def test_no_drift_and_a_failed_plan(tmp_path):
    done, result = drift(tmp_path, {"plan_exit": 0})
    assert (done.returncode, done.stdout, result) == (
        0, "drift prod: none (the infrastructure matches the configuration)\n",
        {"stack": "prod", "status": "clean", "changes": []})
    done, result = drift(tmp_path, {"plan_exit": 1, "plan_stderr": "\n│ Error: No valid credential sources found\n│\n"})
    assert (done.returncode, done.stdout) == (1, "drift prod: plan failed — Error: No valid credential sources found\n")
    assert result["status"] == "error"


def result(stack: str, status: str, changes: list | None = None) -> dict:
    return {"stack": stack, "status": status, "changes": changes or [],
            **({"error": "Error: AccessDenied"} if status == "error" else {})}


def test_the_report_lists_every_drifted_stack_and_address_and_fails(tmp_path):
    (found,) = drift_changes(DRIFTED)
    for item in (result("dev", "clean"), result("prod", "drifted", [found]), result("conduit-dev", "error")):
        write(tmp_path / "drift" / f"{item['stack']}.json", item)
    expect = json.dumps([{"stack": s} for s in ("dev", "prod", "conduit-dev", "conduit-prod")])
    done = run_review("drift-report", "--results", str(tmp_path / "drift"), "--expect", expect,
                      "--summary", str(tmp_path / "summary.md"))
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "drift: 1 of 4 stack(s) drifted, 1 failed, 1 without a result",
        "drift prod: 1 resource(s) differ from the configuration",
        "  aws_cloudwatch_log_group.app: update — changed outside Terraform: retention_in_days = 14 in AWS, 7 in the "
        "configuration",
        "drift conduit-dev: plan failed — Error: AccessDenied",
        "drift conduit-prod: no result (its drift job failed before the plan: see its log)"]
    summary = (tmp_path / "summary.md").read_text()
    assert summary.startswith("## Drift: 1 of 4 stack(s) drifted, 1 failed, 1 without a result\n")
    assert "### prod" in summary and "No drift: dev" in summary


def test_the_report_passes_when_nothing_drifted(tmp_path):
    for name in ("dev", "prod"):
        write(tmp_path / "drift" / f"{name}.json", result(name, "clean"))
    done = run_review("drift-report", "--results", str(tmp_path / "drift"))
    assert (done.returncode, done.stdout) == (0, "drift: 0 of 2 stack(s) drifted, 0 failed, 0 without a result\n")


@pytest.mark.parametrize("case", ["missing", "not-json", "not-a-result", "no-stack"])
def test_bad_input_is_one_line_and_exit_2(tmp_path, case):
    results = tmp_path / "drift"
    if case == "missing":
        args = ["drift-report", "--results", str(results)]
        expected = (f"error: --results {results}: no such directory — fix: download the drift jobs' results "
                    "(drift-<stack>) into it")
    elif case == "not-json":
        (results / "x.json").parent.mkdir()
        (results / "x.json").write_text("{")
        args = ["drift-report", "--results", str(results)]
        expected = (f"error: {results / 'x.json'}: not JSON (Expecting property name enclosed in double quotes: "
                    "line 1 column 2 (char 1)) — fix: keep only the results python -m review drift --out wrote")
    elif case == "not-a-result":
        write(results / "x.json", {"stack": "dev"})
        args = ["drift-report", "--results", str(results)]
        expected = (f"error: {results / 'x.json'}: not a drift result — fix: keep only the results python -m review "
                    "drift --out wrote")
    else:
        args = ["drift", "--stack-dir", str(tmp_path)]
        expected = (f"error: --stack-dir {tmp_path}: no cdk.tf.json — fix: point at a synthesized stack directory "
                    "(<outdir>/stacks/<stack>), after terraform init in it")
    done = run_review(*args)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", expected + "\n")
