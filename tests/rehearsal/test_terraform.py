"""The rehearsal for real: Terraform with the real hashicorp/aws provider of the filesystem mirror.

every synthesized stack inits and validates with 0 errors and 0 warnings (and a stack with a
6.x-only attribute does not: the check can fail). The apply cycles run in `make rehearse STACKS=dev APPLY=1`.

Skipped only where terraform or the provider mirror is absent (the reason says which).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rehearsal import runner

ROOT = Path(__file__).resolve().parents[2]
MIRROR = runner.DEFAULT_MIRROR

pytestmark = [
    pytest.mark.rehearsal,
    pytest.mark.skipif(shutil.which("terraform") is None,
                       reason="no terraform binary on PATH: the rehearsal runs the real Terraform CLI"),
    pytest.mark.skipif(not (MIRROR / "registry.terraform.io" / "hashicorp" / "aws").is_dir(),
                       reason=f"no hashicorp/aws filesystem mirror at {MIRROR} (set REHEARSAL_PROVIDER_MIRROR)"),
]


@pytest.fixture(scope="module")
def synth_output(all_stacks_output) -> Path:
    return all_stacks_output  # the run's one synth of every stack (tests/shared_synth.py)


def rehearse(outdir: Path, *args: str, timeout: int = 1800) -> tuple[dict, subprocess.CompletedProcess]:
    done = subprocess.run([sys.executable, "-m", "rehearsal", "--outdir", str(outdir), "--json", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode in (0, 1), done.stderr[-3000:]
    return json.loads(done.stdout), done


def test_every_stack_validates_with_the_real_provider(synth_output):
    report, done = rehearse(synth_output)
    expected = [s.stack for s in runner.discover(synth_output, runner.manifest(sys.executable))]
    stacks = {s["stack"]: s for s in report["stacks"]}
    assert sorted(stacks) == sorted(expected) and len(expected) >= 3
    for name, stack in stacks.items():
        assert stack["init"]["ok"], (name, stack["init"]["detail"])
        assert (stack["validate"]["ok"], stack["validate_errors"], stack["validate_warnings"]) == (True, 0, 0), \
            (name, stack["diagnostics"])
    assert report["ok"] is True and done.returncode == 0


def test_a_6x_only_attribute_fails_validation(synth_output, tmp_path):
    # GIVEN dev as it was before the fix: the pipeline policy names aws_ecs_service.<x>.arn (6.x only)
    broken = tmp_path / "cdktf.out" / "stacks" / "dev"
    broken.mkdir(parents=True)
    text = (synth_output / "stacks" / "dev" / "cdk.tf.json").read_text()
    assert "_service_F85573B6.id}" in text
    (broken / "cdk.tf.json").write_text(text.replace("_service_F85573B6.id}", "_service_F85573B6.arn}"))
    # WHEN it is rehearsed THEN validate fails and says why, and the command exits 1
    report, done = rehearse(broken.parents[1])
    (stack,) = report["stacks"]
    assert stack["validate"]["ok"] is False and stack["validate_errors"] >= 1
    assert any("Unsupported attribute" in d for d in stack["diagnostics"])
    assert report["ok"] is False and done.returncode == 1


def test_the_optional_cdn_validates_with_the_real_provider(tmp_path):
    # GIVEN prod with the optional CloudFront distribution (off in every committed environment)
    from dataclasses import replace

    from environments import load
    from tests.support import synth_settings

    prod = load("prod")
    synth = synth_settings(replace(prod, storage=replace(prod.storage, cdn=True)))
    assert synth.resources("aws_cloudfront_distribution")
    stack = tmp_path / "cdktf.out" / "stacks" / "prod-cdn"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text(synth.text)
    # WHEN it is rehearsed THEN the provider accepts it
    report, _ = rehearse(stack.parents[1])
    (result,) = report["stacks"]
    assert (result["validate"]["ok"], result["validate_errors"], result["validate_warnings"]) == (True, 0, 0), \
        result["diagnostics"]


def test_a_dynamodb_table_validates_with_the_real_provider(tmp_path):
    # GIVEN a bare stack with the Table construct's every option (no system uses it yet)
    from modules.database.options import AttributeType, BillingMode, StreamView, TableKey, TableOptions
    from modules.database.table import Table
    from tests.support import project_stack, synth_stack

    stack = project_stack(environment="prod")
    Table(stack, "orders", options=TableOptions(name="orders", partition_key=TableKey(name="pk")))
    Table(stack, "events", options=TableOptions(
        name="events", partition_key=TableKey(name="tenant"), sort_key=TableKey(name="at", type=AttributeType.NUMBER),
        billing=BillingMode.PROVISIONED, read_capacity=5, write_capacity=2, ttl_attribute="expires_at",
        stream=StreamView.NEW_AND_OLD_IMAGES))
    synth = synth_stack(stack)
    assert len(synth.resources("aws_dynamodb_table")) == 2
    directory = tmp_path / "cdktf.out" / "stacks" / "tables-prod"
    directory.mkdir(parents=True)
    (directory / "cdk.tf.json").write_text(synth.text)
    # WHEN it is rehearsed THEN the provider accepts it (the apply cycle: docs/data-tier.md, run by hand)
    report, _ = rehearse(directory.parents[1])
    (result,) = report["stacks"]
    assert (result["validate"]["ok"], result["validate_errors"], result["validate_warnings"]) == (True, 0, 0), \
        result["diagnostics"]
