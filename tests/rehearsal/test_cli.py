"""``python -m rehearsal``: stack selection and bad input (one line, exit 2, nothing run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rehearsal import runner
from rehearsal.runner import RehearsalError, StackRef

ROOT = Path(__file__).resolve().parents[2]


def fake_output(tmp_path: Path, *names: str) -> Path:
    for name in names:
        (tmp_path / "stacks" / name).mkdir(parents=True)
        (tmp_path / "stacks" / name / "cdk.tf.json").write_text("{}")
    return tmp_path


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rehearsal", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=env)


# -- selection --------------------------------------------------------------------------------------


def test_without_a_manifest_every_stack_directory_is_a_stack(tmp_path):
    out = fake_output(tmp_path, "prod", "dev", "staging")
    assert [s.stack for s in runner.discover(out, None)] == ["dev", "prod", "staging"]


def test_the_manifest_gives_systems_and_environments(tmp_path):
    out = fake_output(tmp_path, "dev", "shop-dev")
    entries = [{"system": "codemate", "environment": "dev", "stack": "dev"},
               {"system": "shop", "environment": "dev", "stack": "shop-dev"}]
    stacks = runner.discover(out, entries)
    assert [(s.label, s.path) for s in stacks] == [
        ("codemate/dev", out / "stacks/dev/cdk.tf.json"), ("shop/dev", out / "stacks/shop-dev/cdk.tf.json")]


def test_an_environment_name_selects_that_environment_of_every_system(tmp_path):
    stacks = [StackRef("dev", "codemate", "dev", tmp_path), StackRef("prod", "codemate", "prod", tmp_path),
              StackRef("shop-dev", "shop", "dev", tmp_path)]
    assert [s.stack for s in runner.select(stacks, ["dev"])] == ["dev", "shop-dev"]
    assert [s.stack for s in runner.select(stacks, ["shop/dev", "prod"])] == ["shop-dev", "prod"]
    assert runner.select(stacks, []) == stacks


def test_stack_names_may_be_separated_by_commas_or_spaces():
    assert runner.parse_names("dev, staging prod") == ["dev", "staging", "prod"]


def test_manifest_entries_that_were_not_synthesized_are_left_out(tmp_path):
    out = fake_output(tmp_path, "dev")  # e.g. after `main.py dev`
    entries = [{"system": "codemate", "environment": "dev", "stack": "dev"},
               {"system": "shop", "environment": "dev", "stack": "shop-dev"}]
    assert [s.label for s in runner.discover(out, entries)] == ["codemate/dev"]
    with pytest.raises(RehearsalError, match="STACKS: 'shop/dev' is not a synthesized stack — fix: choose among codemate/dev"):
        runner.select(runner.discover(out, entries), ["shop/dev"])


# -- bad input through the command ---------------------------------------------------------------------


def fake_prerequisites(tmp_path: Path) -> tuple[Path, dict]:
    """A mirror directory and a ``terraform`` on PATH, so the checks after them run."""
    (tmp_path / "mirror" / "registry.terraform.io" / "hashicorp" / "aws").mkdir(parents=True)
    fake_terraform = tmp_path / "bin" / "terraform"
    fake_terraform.parent.mkdir()
    fake_terraform.write_text("#!/bin/sh\nexit 0\n")
    fake_terraform.chmod(0o755)
    return tmp_path / "mirror", {**os.environ, "PATH": f"{fake_terraform.parent}:{os.environ['PATH']}"}


def test_an_unknown_stack_is_one_line_exit_2(tmp_path):
    mirror, env = fake_prerequisites(tmp_path)
    out = fake_output(tmp_path / "out", "dev", "prod")
    done = cli("--outdir", str(out), "--stacks", "qa", "--mirror", str(mirror), env=env)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == ["error: STACKS: 'qa' is not a synthesized stack — fix: choose among codemate/dev, codemate/prod"]


def test_a_missing_synth_output_is_one_line_exit_2(tmp_path):
    mirror, env = fake_prerequisites(tmp_path)
    done = cli("--outdir", str(tmp_path / "nothing"), "--mirror", str(mirror), env=env)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert "no synthesized stack" in done.stderr and "fix: synthesize first" in done.stderr
    assert "Traceback" not in done.stderr


def test_no_terraform_on_path_is_one_line_exit_2(tmp_path):
    done = cli("--outdir", str(tmp_path), env={**os.environ, "PATH": str(tmp_path)})
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "error: terraform: not on PATH — fix: install Terraform >= 1.10 (https://developer.hashicorp.com/terraform/install)"]


def test_a_missing_mirror_is_one_line_exit_2(tmp_path):
    _, env = fake_prerequisites(tmp_path)
    done = cli("--outdir", str(tmp_path), "--mirror", str(tmp_path / "no-mirror"), env=env)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith(f"error: --mirror {tmp_path / 'no-mirror'}: no registry.terraform.io/hashicorp/aws")


@pytest.mark.parametrize("retries", ["-1", "4"])
def test_a_retry_count_out_of_range_is_one_line_exit_2(tmp_path, retries):
    mirror, env = fake_prerequisites(tmp_path)
    out = fake_output(tmp_path / "out", "dev")
    done = cli("--outdir", str(out), "--mirror", str(mirror), "--apply", "--retries", retries, env=env)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [f"error: --retries {retries}: must be 0 to 3 — fix: pass 0 (none), 1, 2 or 3"]


def test_a_retry_count_that_is_not_a_number_is_one_line_exit_2(tmp_path):
    mirror, env = fake_prerequisites(tmp_path)
    out = fake_output(tmp_path / "out", "dev")
    done = cli("--outdir", str(out), "--mirror", str(mirror), "--apply", env={**env, "RETRIES": "once"})
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
    (line,) = done.stderr.splitlines()
    assert "--retries" in line and "once" in line


# -- re-plan classification ---------------------------------------------------------------------------


def test_a_replan_change_is_flagged_known_only_when_every_attribute_is_on_the_list():
    known = [runner.KnownDiff("aws_kms_key", "rotation_period_in_days", "moto drops it")]
    changes = runner.classify([
        {"address": "aws_kms_key.a", "type": "aws_kms_key", "change": {
            "actions": ["update"], "before": {"rotation_period_in_days": 0, "x": 1},
            "after": {"rotation_period_in_days": 365, "x": 1}, "after_unknown": {}}},
        {"address": "aws_kms_key.b", "type": "aws_kms_key", "change": {
            "actions": ["update"], "before": {"rotation_period_in_days": 0, "description": "a"},
            "after": {"rotation_period_in_days": 365, "description": "b"}, "after_unknown": {}}},
        {"address": "aws_vpc.v", "type": "aws_vpc", "change": {"actions": ["no-op"], "before": {}, "after": {}}},
    ], known)
    assert [(c.address, c.attributes, c.known_emulator) for c in changes] == [
        ("aws_kms_key.a", ["rotation_period_in_days"], True),
        ("aws_kms_key.b", ["description", "rotation_period_in_days"], False),
    ]


def test_the_known_list_loads_and_names_a_reason_for_each_entry():
    known = runner.load_known_diffs()
    assert known and all(k.type.startswith("aws_") and k.attribute and len(k.reason) > 20 for k in known)


def test_the_report_is_json_serialisable():
    report = runner.StackReport("dev", "codemate/dev", validate=runner.Step(True, 1.0))
    assert json.loads(json.dumps(report.as_dict()))["validate"] == {"ok": True, "seconds": 1.0, "detail": ""}


def test_the_hosted_zone_a_stack_reads_is_created_beforehand_and_nothing_else():
    from rehearsal.emulator import Emulator, ProbeSession

    document = {"data": {"aws_route53_zone": {
        "tls": {"name": "codemate.example.com", "private_zone": False},
        "computed": {"name": "${var.domain}"},
        "private": {"name": "internal.example", "private_zone": True}}}}
    with Emulator() as url:
        notes = runner.seed_prerequisites(document, url)
        zones = ProbeSession(url).client("route53").list_hosted_zones()["HostedZones"]
    assert [z["Name"] for z in zones] == ["codemate.example.com."]
    assert notes == ["created the public hosted zone codemate.example.com the stack expects to exist "
                     "(data.aws_route53_zone)"]


def test_what_the_configuration_protects_from_a_destroy():
    document = {"resource": {
        "aws_db_instance": {"prod": {"deletion_protection": True}, "dev": {"deletion_protection": False}},
        "aws_lb": {"alb": {"enable_deletion_protection": True}},
        "aws_s3_bucket": {"keeps": {"force_destroy": False}, "goes": {"force_destroy": True}},
        "aws_ecr_repository": {"keeps": {"force_delete": False}, "goes": {"force_delete": True}},
        "aws_vpc": {"vpc": {}}}}
    assert runner.protected(document) == {
        "aws_db_instance.prod", "aws_lb.alb", "aws_s3_bucket.keeps", "aws_ecr_repository.keeps"}


def test_a_dynamodb_table_with_deletion_protection_is_protected_from_a_destroy():
    document = {"resource": {"aws_dynamodb_table": {
        "prod": {"deletion_protection_enabled": True}, "dev": {"deletion_protection_enabled": False}}}}
    assert runner.protected(document) == {"aws_dynamodb_table.prod"}


def test_failed_resources_are_read_from_terraforms_hooks():
    messages = [
        {"type": "apply_errored", "hook": {"resource": {"addr": "aws_s3_bucket.logs"}, "action": "delete"}},
        {"type": "apply_complete", "hook": {"resource": {"addr": "aws_vpc.v"}, "action": "delete"}},
        {"type": "diagnostic", "diagnostic": {"severity": "error", "summary": "deleting S3 Bucket (logs): BucketNotEmpty"}},
    ]
    assert runner._errored(messages) == ["aws_s3_bucket.logs"]
    assert runner._errors(messages) == ["deleting S3 Bucket (logs): BucketNotEmpty"]
