"""The delivery checks on real plans: Terraform with the real hashicorp/aws provider of the filesystem
mirror, against the local emulator (moto), on a two-resource stack — prod's own provider, default tags
and backend block (made local by the rehearsal copy, rehearsal/copy.py) with one PostgreSQL instance and
one log group. Applied once for the module (the instance takes about 80 s on the emulator), then:

* the plan policy refuses a prod plan that replaces the database (python -m review plan-policy);
* a retention changed by hand is reported by the drift check with its address (python -m review drift);
* the apply applies the reviewed plan, and refuses one that changed since the review (python -m review apply).

Skipped only where terraform or the provider mirror is absent (the reason says which); run by make rehearse.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from rehearsal import runner
from rehearsal.copy import rehearsal_copy
from review import delivery

ROOT = Path(__file__).resolve().parents[2]
MIRROR = runner.DEFAULT_MIRROR
COMMIT = "c0ffee" + "0" * 34
LOG_GROUP = "/codemate/prod/delivery-rehearsal"

pytestmark = [
    pytest.mark.rehearsal,
    pytest.mark.skipif(shutil.which("terraform") is None,
                       reason="no terraform binary on PATH: the rehearsal runs the real Terraform CLI"),
    pytest.mark.skipif(not (MIRROR / "registry.terraform.io" / "hashicorp" / "aws").is_dir(),
                       reason=f"no hashicorp/aws filesystem mirror at {MIRROR} (set REHEARSAL_PROVIDER_MIRROR)"),
]


@dataclass
class Applied:
    url: str
    root: Path
    stack_dir: Path
    env: dict
    document: dict  # the stack as synthesized (before the rehearsal copy)

    def write(self, document: dict) -> None:
        (self.stack_dir / "cdk.tf.json").write_text(json.dumps(rehearsal_copy(document, self.url), indent=2))

    def terraform(self, *args: str) -> subprocess.CompletedProcess:
        done = subprocess.run(["terraform", *args], cwd=self.stack_dir, env=self.env, capture_output=True, text=True,
                              timeout=900)
        assert done.returncode in (0, 2), done.stdout[-3000:] + done.stderr[-3000:]
        return done

    def review(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "review", *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=900)

    def logs(self):
        from rehearsal.emulator import ProbeSession

        return ProbeSession(self.url).client("logs")


def small_prod_stack(prod: dict) -> dict:
    return {
        "//": prod["//"], "terraform": prod["terraform"], "provider": prod["provider"],
        "resource": {
            "aws_db_instance": {"database": {
                "identifier": "codemate-db-prod", "engine": "postgres", "engine_version": "16.4",
                "instance_class": "db.t4g.small", "allocated_storage": 20, "db_name": "codemate",
                "username": "codemate", "password": "rehearsal-only-not-a-secret", "skip_final_snapshot": True}},
            "aws_cloudwatch_log_group": {"app": {"name": LOG_GROUP, "retention_in_days": 7}},
        },
    }


@pytest.fixture(scope="module")
def applied(tmp_path_factory, all_stacks_output):
    from rehearsal.emulator import Emulator

    prod = json.loads((all_stacks_output / "stacks" / "prod" / "cdk.tf.json").read_text())
    assert prod["provider"]["aws"][0]["default_tags"][0]["tags"]["Environment"] == "prod"
    root = tmp_path_factory.mktemp("delivery")
    stack_dir = root / "out" / "stacks" / "prod"
    stack_dir.mkdir(parents=True)
    env = runner.terraform_env(runner.cli_config(root, MIRROR.absolute()), root)
    with Emulator() as url:
        stack = Applied(url, root, stack_dir, env, small_prod_stack(prod))
        stack.write(stack.document)
        stack.terraform("init", "-input=false", "-no-color")
        stack.terraform("apply", "-auto-approve", "-input=false", "-no-color")
        yield stack


def test_the_plan_policy_refuses_a_prod_plan_that_replaces_the_database(applied):
    # GIVEN prod's database with a changed name, which the provider can only apply by replacing it
    changed = json.loads(json.dumps(applied.document))
    changed["resource"]["aws_db_instance"]["database"]["db_name"] = "codemate_v2"
    applied.write(changed)
    try:
        applied.terraform("plan", "-input=false", "-no-color", "-lock=false", "-out=replace.tfplan")
        shown = applied.terraform("show", "-json", "replace.tfplan")
    finally:
        applied.write(applied.document)
    plan_json = applied.root / "replace.json"
    plan_json.write_text(shown.stdout)
    (replaced,) = [rc for rc in json.loads(shown.stdout)["resource_changes"] if rc["change"]["actions"] != ["no-op"]]
    assert (replaced["address"], replaced["change"]["actions"]) == ("aws_db_instance.database", ["delete", "create"])
    # WHEN the plan policy checks the plan of prod THEN it refuses it, whatever the approval
    for approval in ("", "prod:aws_db_instance.database"):
        done = applied.review("plan-policy", "--plan", str(plan_json), "--stack", "prod", "--environment", "prod",
                              "--allow-replace", approval)
        assert done.returncode == 1, done.stderr
        assert done.stdout.splitlines() == [
            "plan prod (prod): 0 to create, 0 to update, 1 to replace, 0 to delete",
            "refused: aws_db_instance.database would be replaced (database: loses the data, unless restored from a "
            "snapshot; forced by db_name) — a prod database is never replaced or deleted by the pipeline, approval or "
            "not — fix: revert the change that forces it, or follow docs/delivery.md \"Replacing a prod data store\"",
            "plan policy: refused (1)"]
    # (the same plan outside prod passes once the replacement is approved by name)
    done = applied.review("plan-policy", "--plan", str(plan_json), "--stack", "prod", "--environment", "staging",
                          "--allow-replace", "prod:aws_db_instance.database")
    assert (done.returncode, done.stdout.splitlines()[-1]) == (0, "plan policy: passed")


def test_a_retention_changed_by_hand_is_reported_as_drift_with_its_address(applied):
    results = applied.root / "drift"
    args = ("drift", "--stack-dir", str(applied.stack_dir), "--stack", "prod", "--out", str(results / "prod.json"))
    # GIVEN the applied stack THEN no drift
    done = applied.review(*args)
    assert (done.returncode, done.stdout) == (0, "drift prod: none (the infrastructure matches the configuration)\n"), \
        done.stderr
    # WHEN someone sets the log group's retention by hand (7 days in the configuration)
    applied.logs().put_retention_policy(logGroupName=LOG_GROUP, retentionInDays=14)
    try:
        done = applied.review(*args)
        # THEN the drift check names the address, the attribute and both values, and fails
        assert done.returncode == 1, done.stderr
        assert done.stdout.splitlines() == [
            "drift prod: 1 resource(s) differ from the configuration",
            "  aws_cloudwatch_log_group.app: update — changed outside Terraform: retention_in_days = 14 in AWS, 7 in "
            "the configuration"]
        report = applied.review("drift-report", "--results", str(results), "--expect", '[{"stack": "prod"}]')
        assert report.returncode == 1
        assert report.stdout.splitlines()[0] == "drift: 1 of 1 stack(s) drifted, 0 failed, 0 without a result"
    finally:
        applied.logs().put_retention_policy(logGroupName=LOG_GROUP, retentionInDays=7)


def test_the_reviewed_plan_is_applied_and_one_that_changed_since_is_not(applied):
    plans = applied.root / "plans" / "plan-prod"
    plans.mkdir(parents=True, exist_ok=True)
    row = {"stack": "prod", "digest": delivery.read_stack(applied.stack_dir).digest}

    def review_plan() -> None:  # the plan job of apply.yml: plan on the commit, record it
        applied.terraform("plan", "-input=false", "-no-color", "-lock=false", "-out=tfplan")
        (applied.stack_dir / "plan.json").write_text(applied.terraform("show", "-json", "tfplan").stdout)
        shutil.copyfile(applied.stack_dir / "tfplan", plans / "tfplan")
        done = applied.review("plan-manifest", "write", "--stack-dir", str(applied.stack_dir), "--stack", "prod",
                              "--commit", COMMIT, "--digest", row["digest"], "--plan", str(plans / "tfplan"),
                              "--plan-json", str(applied.stack_dir / "plan.json"),
                              "--out", str(plans / "plan-manifest.json"))
        assert done.returncode == 0, done.stderr

    def apply_stage() -> subprocess.CompletedProcess:
        return applied.review("apply", "--stacks-json", json.dumps([row]), "--outdir", str(applied.stack_dir.parents[1]),
                              "--plans", str(plans.parent), "--commit", COMMIT)

    # GIVEN a reviewed plan that sets a retention changed by hand back to the configuration's 7 days
    applied.logs().put_retention_policy(logGroupName=LOG_GROUP, retentionInDays=30)
    review_plan()
    # WHEN the log group is deleted by hand before the apply THEN the apply refuses: the plan changed
    applied.logs().delete_log_group(logGroupName=LOG_GROUP)
    done = apply_stage()
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines()[-2:] == [
        "refused: prod: the plan changed since it was reviewed: aws_cloudwatch_log_group.app: update reviewed, create "
        "now — fix: something changed since the plan was reviewed (a manual change, another apply): run the apply "
        "workflow again, review the new plan",
        "apply: stopped; applied: none; not applied: prod"]
    assert applied.logs().describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"] == []
    # WHEN the change is planned and reviewed again THEN that plan is applied
    review_plan()
    done = apply_stage()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert done.stdout.splitlines()[-1] == "apply: 1 of 1 stack(s) applied: prod"
    (group,) = applied.logs().describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"]
    assert group["retentionInDays"] == 7
