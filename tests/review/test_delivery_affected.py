"""python -m review affected: only the stacks whose Terraform a change touches are planned (and applied).

Two synth outputs are compared: copies of the run's one synth of every stack, one of them edited, and a
real synth of a copy of the project with one system's settings changed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import main
from review import delivery
from tests.review.conftest import ROOT, run_review

MANIFEST = main.manifest(main.parse_selection([]))
NAMES = [row["stack"] for row in MANIFEST]


@pytest.fixture
def outputs(all_stacks_output, tmp_path) -> tuple[Path, Path]:
    base, head = tmp_path / "base", tmp_path / "head"
    shutil.copytree(all_stacks_output, base)
    shutil.copytree(all_stacks_output, head)
    return base, head


def edit(outdir: Path, stack: str, change) -> None:
    path = outdir / "stacks" / stack / "cdk.tf.json"
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document, indent=2))


def first(document: dict, resource_type: str) -> tuple[str, dict]:
    name = sorted(document["resource"][resource_type])[0]
    return name, document["resource"][resource_type][name]


def outputs_of(path: Path) -> dict[str, object]:
    found = {}
    for line in path.read_text().splitlines():
        name, _, value = line.partition("=")
        found[name] = json.loads(value)
    return found


def affected(base: Path, head: Path, *extra: str, tmp: Path) -> tuple[subprocess.CompletedProcess, dict]:
    github = tmp / "github_output"
    github.write_text("")
    done = run_review("affected", "--base", str(base), "--head", str(head), "--github-output", str(github), *extra)
    return done, (outputs_of(github) if github.read_text() else {})


def test_two_identical_synths_plan_nothing(outputs, tmp_path):
    done, out = affected(*outputs, tmp=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"affected: 0 of {len(NAMES)} stack(s) to plan",
                                        f"unchanged: {', '.join(NAMES)}"]
    assert out == {"stacks": [], "removed": [], "count": 0}


def test_a_stack_whose_json_changed_is_the_only_one_planned_with_its_manifest_row(outputs, tmp_path):
    base, head = outputs
    name = {}

    def longer_logs(document):
        name["log"], group = first(document, "aws_cloudwatch_log_group")
        group["retention_in_days"] = 400

    edit(head, "conduit-prod", longer_logs)
    done, out = affected(base, head, tmp=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:2] == [
        f"affected: 1 of {len(NAMES)} stack(s) to plan",
        f"  conduit-prod  changed  aws_cloudwatch_log_group.{name['log']} changed"]
    (row,) = out["stacks"]
    expected = dict(next(r for r in MANIFEST if r["stack"] == "conduit-prod"))
    expected.update(change="changed", digest=delivery.read_stack(head / "stacks" / "conduit-prod").digest)
    assert row == expected
    assert out["count"] == 1 and out["removed"] == []
    assert row["digest"] != delivery.read_stack(base / "stacks" / "conduit-prod").digest


def test_the_plan_follows_the_manifest_order_whatever_order_the_edits(outputs, tmp_path):
    base, head = outputs
    for stack in ("openmarket-dev", "conduit-prod", "dev"):
        edit(head, stack, lambda d: d["resource"].setdefault("aws_sqs_queue", {}).update(extra={"name": "x"}))
    done, out = affected(base, head, tmp=tmp_path)
    assert [r["stack"] for r in out["stacks"]] == ["dev", "conduit-prod", "openmarket-dev"]
    assert "  dev" in done.stdout and "aws_sqs_queue.extra added" in done.stdout


def test_cdktf_comments_do_not_count_but_a_comment_key_inside_a_value_does(outputs, tmp_path):
    base, head = outputs

    def cosmetic(document):  # what a cdktf upgrade or a construct moved without renaming changes
        document["//"]["metadata"]["version"] = "0.24.0"
        _, group = first(document, "aws_cloudwatch_log_group")
        group["//"]["metadata"]["path"] = "dev/somewhere/else"
        first(document, "aws_s3_bucket")[1]["//"] = {"metadata": {"path": "x", "uniqueId": "y"}}

    edit(head, "dev", cosmetic)
    done, out = affected(base, head, tmp=tmp_path)
    assert out["stacks"] == [] and done.stdout.startswith(f"affected: 0 of {len(NAMES)}")

    # a "//" key inside an attribute value (a tag map) is data Terraform sends to AWS
    edit(head, "dev", lambda d: first(d, "aws_s3_bucket")[1].setdefault("tags", {}).update({"//": "note"}))
    done, out = affected(base, head, tmp=tmp_path)
    assert [r["stack"] for r in out["stacks"]] == ["dev"]


def test_a_changed_lambda_package_counts_even_with_the_json_unchanged(outputs, tmp_path):
    base, head = outputs
    (package,) = sorted((head / "stacks" / "unisync-dev" / "assets").rglob("*.zip"))
    package.write_bytes(package.read_bytes() + b"\0")
    done, out = affected(base, head, tmp=tmp_path)
    assert [r["stack"] for r in out["stacks"]] == ["unisync-dev"]
    relative = package.relative_to(head / "stacks" / "unisync-dev").as_posix()
    assert f"  unisync-dev  changed  {relative} changed" in done.stdout.splitlines()


def test_a_new_stack_is_planned_and_a_removed_one_is_flagged_loudly(outputs, tmp_path):
    base, head = outputs
    shutil.copytree(head / "stacks" / "conduit-dev", head / "stacks" / "conduit-qa")
    shutil.rmtree(head / "stacks" / "conduit-dev")
    done, out = affected(base, head, tmp=tmp_path)
    assert done.returncode == 0  # the matrix is written; the removed job fails the run (below)
    assert [(r["stack"], r["change"]) for r in out["stacks"]] == [("conduit-qa", "new")]
    (removed,) = out["removed"]
    assert {k: removed[k] for k in ("stack", "change", "state_bucket", "state_key", "lock_table")} == {
        "stack": "conduit-dev", "change": "removed", "state_bucket": "conduit-terraform-state",
        "state_key": "dev/terraform.tfstate", "lock_table": "conduit-terraform-locks"}
    loud = ("REMOVED: stack conduit-dev is no longer synthesized, but its state "
            "s3://conduit-terraform-state/dev/terraform.tfstate still holds its resources: merged as is, they "
            "stay in AWS, orphaned (no workflow destroys them) — fix: destroy the stack from the base branch first "
            "(docs/delivery.md \"Removing a stack\"), then approve the removal with the label remove-stack:conduit-dev")
    assert loud in done.stdout.splitlines()
    assert f"::error title=stack conduit-dev removed::{loud}" in done.stdout.splitlines()
    assert done.stdout.splitlines()[0] == f"affected: 1 of {len(NAMES)} stack(s) to plan, 1 removed"

    # the workflows' removed job fails on it ...
    failed = run_review("removed", json.dumps(out["removed"]))
    assert (failed.returncode, failed.stdout.splitlines()) == (1, [loud])
    # ... until the removal is approved (after the stack was destroyed)
    done, out = affected(base, head, "--labels", "size/S,remove-stack:conduit-dev", tmp=tmp_path)
    assert out["removed"] == []
    assert ("removed (approved by remove-stack:conduit-dev): stack conduit-dev, state "
            "s3://conduit-terraform-state/dev/terraform.tfstate") in done.stdout.splitlines()
    passed = run_review("removed", "[]")
    assert (passed.returncode, passed.stdout) == (0, "removed: none\n")


def test_the_apply_workflow_gets_one_list_per_environment(outputs, tmp_path):
    base, head = outputs
    for stack in ("openmarket-prod", "dev", "unisync-dev"):
        edit(head, stack, lambda d: d["resource"].setdefault("aws_sqs_queue", {}).update(extra={"name": "x"}))
    done, out = affected(base, head, "--stages", "dev,staging,prod", tmp=tmp_path)
    assert done.returncode == 0, done.stderr
    assert {stage: [r["stack"] for r in out[stage]] for stage in ("dev", "staging", "prod")} == {
        "dev": ["dev", "unisync-dev"], "staging": [], "prod": ["openmarket-prod"]}


def test_a_stack_of_an_environment_without_an_apply_stage_is_refused_before_anything_is_written(outputs, tmp_path):
    base, head = outputs
    edit(head, "staging", lambda d: d["resource"].setdefault("aws_sqs_queue", {}).update(extra={"name": "x"}))
    done, out = affected(base, head, "--stages", "dev,prod", tmp=tmp_path)
    assert (done.returncode, done.stdout, out) == (2, "", {})
    assert done.stderr == ("error: stack staging (environment staging) has no apply stage; stages: dev, prod — fix: "
                           "add an apply-staging job to .github/workflows/apply.yml and staging to its --stages\n")


def test_without_a_base_synth_every_stack_is_planned_only_when_asked(outputs, tmp_path):
    _, head = outputs
    missing = tmp_path / "base-that-did-not-synthesize"
    done, out = affected(missing, head, "--all-without-base", tmp=tmp_path)
    assert done.returncode == 0
    assert [(r["stack"], r["change"]) for r in out["stacks"]] == [(n, "no-base") for n in NAMES]
    done, out = affected(missing, head, tmp=tmp_path)
    assert done.returncode == 2 and out == {}
    assert done.stderr == (f"error: --base {missing}: no such directory — fix: synthesize into it first "
                           f"(python main.py --outdir {missing})\n")


@pytest.mark.parametrize("case", ["missing", "file", "not-a-synth", "bad-json"])
def test_bad_input_is_one_line_and_exit_2(outputs, tmp_path, case):
    base, head = outputs
    if case == "missing":
        head = tmp_path / "nowhere"
        expected = f"error: --head {head}: no such directory — fix: synthesize into it first (python main.py --outdir {head})"
    elif case == "file":
        head = tmp_path / "a-file"
        head.write_text("x")
        expected = (f"error: --head {head}: not a directory — fix: pass the synth output directory "
                    "(the one holding stacks/)")
    elif case == "not-a-synth":
        head = tmp_path / "empty"
        head.mkdir()
        expected = (f"error: --head {head}: not a synth output (no stacks/<stack>/cdk.tf.json) — fix: pass the "
                    f"directory main.py wrote (python main.py --outdir {head})")
    else:
        stack = head / "stacks" / "dev" / "cdk.tf.json"
        stack.write_text('{"resource": ')
        expected = (f"error: {stack}: not valid JSON (Expecting value: line 1 column 14 (char 13)) — fix: "
                    "synthesize again (python main.py --outdir DIR)")
    done = run_review("affected", "--base", str(base), "--head", str(head))
    assert (done.returncode, done.stdout, done.stderr) == (2, "", expected + "\n")


def test_a_settings_change_of_one_system_plans_only_that_systems_changed_stack(all_stacks_output, tmp_path):
    # GIVEN the project as a pull request changes it: Conduit's prod keeps its logs 60 days instead of 30
    project = tmp_path / "project"
    shutil.copytree(ROOT, project, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv*", "node_modules", "cdktf.out", ".cdktf.out*", "tests", "docs", "benchmarks", "__pycache__"))
    settings = project / "environments" / "conduit" / "prod.py"
    text = settings.read_text()
    assert text.count("    log_retention_days=30,\n") == 1
    settings.write_text(text.replace("    log_retention_days=30,\n", "    log_retention_days=60,\n"))
    # WHEN that project is synthesized and compared with the committed synth (the base)
    head = tmp_path / "head"
    done = subprocess.run([sys.executable, "main.py", "--outdir", str(head)], cwd=project, capture_output=True,
                          text=True, env={**os.environ, "CHECKPOINT_DISABLE": "1"}, timeout=600)
    assert done.returncode == 0, done.stderr
    done = run_review("affected", "--base", str(all_stacks_output), "--head", str(head), "--json")
    # THEN one stack of twelve is planned: Conduit's prod, for its log group
    result = json.loads(done.stdout)
    assert [r["stack"] for r in result["plan"]] == ["conduit-prod"]
    assert len(result["unchanged"]) == len(NAMES) - 1 and len(NAMES) >= 12
    (reason,) = result["reasons"]["conduit-prod"]
    assert reason.startswith("aws_cloudwatch_log_group.") and reason.endswith(" changed")


def test_the_delivery_commands_need_only_the_standard_library():
    # the workflows' plan, apply and drift jobs run them with the runner's python3, without the venv
    code = ("import sys, review.delivery, review.__main__, main; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'cdktf', 'jsii', 'boto3', 'yaml', 'moto', "
            "'constructs', 'botocore', 'diagrams'}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "[]\n"), done.stderr
