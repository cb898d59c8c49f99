"""python -m review plan-manifest and apply: each apply uses the exact plan that was reviewed — made on the
merge commit, of the stack this run synthesized — and stops if the plan changed since. The terraform
calls here are a stand-in (tests/review/plan_json.py); the real ones: tests/rehearsal/test_delivery.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from review import delivery
from tests.review.conftest import run_review, write_stack
from tests.review.plan_json import calls, fake_terraform, plan, rc, write

COMMIT = "a" * 40
OTHER = "b" * 40
LOGS = rc("aws_cloudwatch_log_group.app", ["update"],
          {"retention_in_days": 14, "arn": "arn:1", "name": "app"}, {"retention_in_days": 7, "arn": "arn:1", "name": "app"})
SECRET = rc("aws_secretsmanager_secret_version.token", ["create"], None, {"secret_string": "hunter2-do-not-leak"},
            sensitive={"secret_string": True})


def stack(root: Path, name: str = "prod") -> Path:
    write_stack(root / "out", name, {"aws_cloudwatch_log_group": {"app": {"name": "app", "retention_in_days": 7}}},
                environment="prod")
    return root / "out" / "stacks" / name


def record(tmp_path: Path, stack_dir: Path, document: dict, *extra: str, commit: str = COMMIT) -> Path:
    """The plan job: the saved plan, its JSON, the manifest beside them."""
    plans = tmp_path / "plans" / f"plan-{stack_dir.name}"
    plans.mkdir(parents=True, exist_ok=True)
    (plans / "tfplan").write_bytes(b"the reviewed plan " + stack_dir.name.encode())
    write(plans / "plan.json", document)
    done = run_review("plan-manifest", "write", "--stack-dir", str(stack_dir), "--stack", stack_dir.name,
                      "--commit", commit, "--plan", str(plans / "tfplan"), "--plan-json", str(plans / "plan.json"),
                      "--out", str(plans / "plan-manifest.json"), *extra)
    assert done.returncode == 0, done.stderr
    return plans


def verify(stack_dir: Path, plans: Path, *extra: str, commit: str = COMMIT):
    return run_review("plan-manifest", "verify", "--stack-dir", str(stack_dir), "--stack", stack_dir.name,
                      "--commit", commit, "--plan", str(plans / "tfplan"), "--manifest",
                      str(plans / "plan-manifest.json"), *extra)


def test_the_reviewed_plan_verifies_on_its_commit_and_synth(tmp_path):
    stack_dir = stack(tmp_path)
    plans = record(tmp_path, stack_dir, plan(LOGS))
    manifest = json.loads((plans / "plan-manifest.json").read_text())
    digest = delivery.read_stack(stack_dir).digest
    assert {k: manifest[k] for k in ("format", "stack", "commit", "synth_digest")} == {
        "format": 1, "stack": "prod", "commit": COMMIT, "synth_digest": digest}
    done = verify(stack_dir, plans, "--digest", digest)
    assert (done.returncode, done.stdout) == (0, f"verified prod: commit {COMMIT[:12]}, synth "
                                                 f"{digest[7:19]}, plan {manifest['plan_sha256'][:12]}\n")


def test_another_commit_is_refused(tmp_path):
    stack_dir = stack(tmp_path)
    plans = record(tmp_path, stack_dir, plan(LOGS))
    done = verify(stack_dir, plans, commit=OTHER)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        f"refused: prod: the plan was made on commit {COMMIT[:12]}, this run applies {OTHER[:12]} — fix: apply only "
        "what this run planned for this commit: run the apply workflow again for the current commit"]


def test_a_stack_that_is_not_the_one_planned_is_refused(tmp_path):
    stack_dir = stack(tmp_path)
    planned = delivery.read_stack(stack_dir).digest
    plans = record(tmp_path, stack_dir, plan(LOGS))
    path = stack_dir / "cdk.tf.json"
    path.write_text(path.read_text().replace('"retention_in_days": 7', '"retention_in_days": 3'))
    now = delivery.read_stack(stack_dir).digest
    done = verify(stack_dir, plans, "--digest", planned)
    assert done.returncode == 1
    assert done.stdout.splitlines()[0] == (
        f"refused: prod: the synthesized stack is not the one planned ({planned[7:19]} planned, {now[7:19]} here) — "
        "fix: apply only what this run planned for this commit: run the apply workflow again for the current commit")
    assert f"the synthesized stack is not the one the synth job listed ({planned[7:19]} listed, {now[7:19]} here)" \
        in done.stdout


def test_another_plan_file_is_refused(tmp_path):
    stack_dir = stack(tmp_path)
    plans = record(tmp_path, stack_dir, plan(LOGS))
    (plans / "tfplan").write_bytes(b"a plan nobody reviewed")
    done = verify(stack_dir, plans)
    assert done.returncode == 1
    assert done.stdout.startswith("refused: prod: the saved plan file is not the one reviewed (its sha256 differs)")


def test_a_fresh_plan_must_change_what_the_reviewed_one_changed(tmp_path):
    stack_dir = stack(tmp_path)
    plans = record(tmp_path, stack_dir, plan(LOGS))
    # the same change, planned minutes later: attributes that do not change may differ (a refreshed ARN)
    same = rc("aws_cloudwatch_log_group.app", ["update"], {"retention_in_days": 30, "arn": "arn:2", "name": "app"},
              {"retention_in_days": 7, "arn": "arn:2", "name": "app"})
    done = verify(stack_dir, plans, "--fresh-plan-json", str(write(tmp_path / "same.json", plan(same))))
    assert done.returncode == 0 and done.stdout.rstrip().endswith(", unchanged since reviewed")
    # something else now: another value, another resource
    other = rc("aws_cloudwatch_log_group.app", ["update"], {"retention_in_days": 14}, {"retention_in_days": 30})
    gone = rc("aws_s3_bucket.files", ["create"], None, {"bucket": "files"})
    done = verify(stack_dir, plans, "--fresh-plan-json", str(write(tmp_path / "other.json", plan(other, gone))))
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "refused: prod: the plan changed since it was reviewed: aws_cloudwatch_log_group.app: retention_in_days "
        "differ from the reviewed plan; aws_s3_bucket.files: create now, not in the reviewed plan — fix: something "
        "changed since the plan was reviewed (a manual change, another apply): run the apply workflow again, "
        "review the new plan"]


def test_the_manifest_never_holds_a_value(tmp_path):
    stack_dir = stack(tmp_path)
    plans = record(tmp_path, stack_dir, plan(LOGS, SECRET))
    text = (plans / "plan-manifest.json").read_text()
    assert "hunter2" not in text and '"retention_in_days"' in text


@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl")
def test_the_saved_plan_is_stored_encrypted_and_applied_decrypted(tmp_path):
    stack_dir = stack(tmp_path)
    key = {"PLAN_ARTIFACT_KEY": "correct horse battery staple"}
    missing = run_review("plan-manifest", "write", "--stack-dir", str(stack_dir), "--stack", "prod", "--commit",
                         COMMIT, "--plan", str(write(tmp_path / "tfplan", {})), "--plan-json",
                         str(write(tmp_path / "p.json", plan(LOGS))), "--out", str(tmp_path / "m.json"),
                         "--encrypt", env={"PLAN_ARTIFACT_KEY": ""})
    assert (missing.returncode, missing.stderr) == (2, (
        "error: PLAN_ARTIFACT_KEY is empty: the saved plan holds the values Terraform read (secrets included) and is "
        "only stored encrypted — fix: add the repository secret PLAN_ARTIFACT_KEY (docs/delivery.md \"Set-up\")\n"))
    plans = tmp_path / "plans" / "plan-prod"
    plans.mkdir(parents=True)
    (plans / "tfplan").write_bytes(b"secret-bearing plan")
    write(plans / "plan.json", plan(LOGS))
    done = run_review("plan-manifest", "write", "--stack-dir", str(stack_dir), "--stack", "prod", "--commit", COMMIT,
                      "--plan", str(plans / "tfplan"), "--plan-json", str(plans / "plan.json"),
                      "--out", str(plans / "plan-manifest.json"), "--encrypt", env=key)
    assert done.returncode == 0, done.stderr
    assert b"secret-bearing" not in (plans / "tfplan.enc").read_bytes()
    (plans / "tfplan").unlink()  # only the encrypted copy is uploaded
    env = {**fake_terraform(tmp_path, {"prod": {"show": plan(LOGS)}}), **key}
    done = run_review("apply", "--stacks-json", json.dumps([{"stack": "prod"}]), "--outdir", str(tmp_path / "out"),
                      "--plans", str(tmp_path / "plans"), "--commit", COMMIT, "--encrypted", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (stack_dir / "reviewed.tfplan").read_bytes() == b"secret-bearing plan"
    wrong = run_review("apply", "--stacks-json", json.dumps([{"stack": "prod"}]), "--outdir", str(tmp_path / "out"),
                       "--plans", str(tmp_path / "plans"), "--commit", COMMIT, "--encrypted",
                       env={**env, "PLAN_ARTIFACT_KEY": "another key"})
    assert wrong.returncode == 1
    assert wrong.stdout.splitlines()[1].startswith("refused: prod: openssl failed: ")
    assert wrong.stdout.splitlines()[1].endswith(" — fix: use the same PLAN_ARTIFACT_KEY as the plan job")
    assert wrong.stdout.splitlines()[2] == "apply: stopped; applied: none; not applied: prod"


def test_apply_goes_in_order_and_stops_at_the_first_refusal(tmp_path):
    first, second, third = (stack(tmp_path, n) for n in ("dev", "conduit-dev", "unisync-dev"))
    for stack_dir in (first, third):
        record(tmp_path, stack_dir, plan(LOGS))
    record(tmp_path, second, plan(LOGS), commit=OTHER)  # a plan of another commit
    env = fake_terraform(tmp_path, {name: {"show": plan(LOGS)} for name in ("dev", "conduit-dev", "unisync-dev")})
    rows = [{"stack": s.name, "digest": delivery.read_stack(s).digest} for s in (first, second, third)]
    done = run_review("apply", "--stacks-json", json.dumps(rows), "--outdir", str(tmp_path / "out"),
                      "--plans", str(tmp_path / "plans"), "--commit", COMMIT, env=env)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0] == "apply dev: 1 of 3"
    assert "apply dev: applied" in lines
    assert lines[-3:] == [
        "apply conduit-dev: 2 of 3",
        f"refused: conduit-dev: the plan was made on commit {OTHER[:12]}, this run applies {COMMIT[:12]} — fix: apply "
        "only what this run planned for this commit: run the apply workflow again for the current commit",
        "apply: stopped; applied: dev; not applied: conduit-dev, unisync-dev"]
    assert calls(tmp_path) == [
        "dev init -input=false -no-color", "dev plan -input=false -no-color -out=fresh.tfplan",
        "dev show -json fresh.tfplan", "dev apply -input=false -no-color reviewed.tfplan"]
    assert (first / ".terraform.lock.hcl").exists() is False  # no lock file in this plan artifact: nothing copied


def test_apply_does_not_apply_a_plan_that_changed_since_the_review(tmp_path):
    stack_dir = stack(tmp_path)
    record(tmp_path, stack_dir, plan(LOGS))
    (tmp_path / "plans" / "plan-prod" / ".terraform.lock.hcl").write_text("# providers of the plan\n")
    drifted = rc("aws_cloudwatch_log_group.app", ["delete", "create"], {"name": "app"}, {"name": "app"},
                 replace=[["name"]])
    env = fake_terraform(tmp_path, {"prod": {"show": plan(drifted)}})
    done = run_review("apply", "--stacks-json", json.dumps([{"stack": "prod"}]), "--outdir", str(tmp_path / "out"),
                      "--plans", str(tmp_path / "plans"), "--commit", COMMIT, env=env)
    assert done.returncode == 1
    assert done.stdout.splitlines()[-2:] == [
        "refused: prod: the plan changed since it was reviewed: aws_cloudwatch_log_group.app: update reviewed, "
        "delete/create now — fix: something changed since the plan was reviewed (a manual change, another apply): "
        "run the apply workflow again, review the new plan",
        "apply: stopped; applied: none; not applied: prod"]
    assert [c.split()[1] for c in calls(tmp_path)] == ["init", "plan", "show"]  # never apply
    assert (stack_dir / ".terraform.lock.hcl").read_text() == "# providers of the plan\n"


def test_a_stack_without_a_reviewed_plan_is_not_applied(tmp_path):
    stack(tmp_path)
    env = fake_terraform(tmp_path, {})
    done = run_review("apply", "--stacks-json", '[{"stack": "prod"}]', "--outdir", str(tmp_path / "out"),
                      "--plans", str(tmp_path / "plans"), "--commit", COMMIT, env=env)
    assert done.returncode == 1 and calls(tmp_path) == []
    assert done.stdout.splitlines()[1].startswith(
        f"refused: prod: no reviewed plan at {tmp_path / 'plans' / 'plan-prod'} (the plan job of this run did not store one)")


@pytest.mark.parametrize("args, expected", [
    (["apply", "--stacks-json", "dev", "--outdir", "o", "--plans", "p", "--commit", COMMIT],
     "error: --stacks-json: not JSON (Expecting value: line 1 column 1 (char 0)) — fix: pass a stage output of "
     "python -m review affected"),
    (["apply", "--stacks-json", '{"stack": "dev"}', "--outdir", "o", "--plans", "p", "--commit", COMMIT],
     "error: --stacks-json: not a list of stack rows — fix: pass a stage output of python -m review affected"),
    (["plan-manifest", "verify", "--stack-dir", "s", "--stack", "dev", "--commit", COMMIT, "--plan", "tfplan"],
     "error: plan-manifest verify needs --manifest — fix: pass it (python -m review plan-manifest --help)"),
    (["removed", "not json"],
     "error: ROWS_JSON: not JSON (Expecting value: line 1 column 1 (char 0)) — fix: pass the removed output of "
     "python -m review affected"),
])
def test_bad_input_is_one_line_and_exit_2(args, expected):
    done = run_review(*args)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", expected + "\n")


def test_a_manifest_that_is_not_one_is_bad_input(tmp_path):
    stack_dir = stack(tmp_path)
    bogus = write(tmp_path / "m.json", {"stack": "prod"})
    done = run_review("plan-manifest", "verify", "--stack-dir", str(stack_dir), "--stack", "prod", "--commit", COMMIT,
                      "--plan", str(bogus), "--manifest", str(bogus))
    assert (done.returncode, done.stderr) == (2, f"error: --manifest {bogus}: not a plan manifest of format 1 — fix: "
                                                 "pass the plan-manifest.json the plan job wrote\n")
