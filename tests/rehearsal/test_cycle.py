"""The rehearsal for real, Codemate's dev through the full cycle against the local emulator.

Every planned resource is created, a second plan is empty, one destroy removes everything. The
longest test of the suite (~3.5 min, most of it the provider's own waits: the database ~80 s, the
load balancer ~60 s, each bucket lifecycle ~55 s), so tests/conftest.py starts it first, on a
worker of its own, while the others run the rest at a lower priority. It synthesizes Codemate's dev
alone, the least it needs. Skipped only where terraform or the provider
mirror is absent (the reason says which).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.rehearsal.test_terraform import ROOT, rehearse
from tests.rehearsal.test_terraform import pytestmark as _rehearsal_marks

pytestmark = _rehearsal_marks


@pytest.fixture(scope="module")
def cycle(tmp_path_factory) -> tuple[dict, dict, Path, bool]:
    """One rehearsal of Codemate's dev: (the document, its stack report, the work directory, whether
    the command reported success with exit 0)."""
    synth_output = tmp_path_factory.mktemp("cycle") / "cdktf.out"  # Codemate's dev only: the critical path
    done = subprocess.run([sys.executable, "main.py", "--outdir", str(synth_output), "dev"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    document = json.loads((synth_output / "stacks" / "dev" / "cdk.tf.json").read_text())
    work = tmp_path_factory.mktemp("cycle") / "work"
    report, done = rehearse(synth_output, "--stacks", "codemate/dev", "--apply", "--workdir", str(work))
    (dev,) = report["stacks"]
    return document, dev, work, bool(dev["ok"] and report["ok"] and done.returncode == 0)


# Three tests on one run (tests/conftest.py: a worker holding more than two pending tests is given
# no other file while this one runs).
@pytest.mark.e2e
def test_dev_applies_every_planned_resource(cycle):
    document, dev, work, _ = cycle
    managed = sum(len(v) for v in document["resource"].values())
    assert dev["failed"] == [] and dev["accepted_failures"] == [], dev["failed"]
    assert dev["created"] == dev["planned"] == managed
    # terraform's own log stays in the work directory for a reader (how long each resource took)
    log = [json.loads(line) for line in (work / "dev" / "apply.jsonl").read_text().splitlines() if line.strip()]
    completed = [m for m in log if m.get("type") == "apply_complete" and m["hook"]["action"] == "create"]
    assert len(completed) == managed and all("elapsed_seconds" in m["hook"] for m in completed)


@pytest.mark.e2e
def test_dev_replans_empty_after_the_apply(cycle):
    _, dev, _, _ = cycle
    assert dev["replan"]["ok"] and dev["replan_changes"] == [], dev["replan_changes"]


@pytest.mark.e2e
def test_dev_destroys_in_one_command(cycle):
    _, dev, work, succeeded = cycle
    assert dev["destroy"]["ok"] and dev["destroy_errors"] == [] and dev["destroy_protected"] == [], \
        (dev["destroy_errors"], dev["destroy_protected"])  # one destroy, nothing refused
    state = json.loads((work / "dev" / "terraform.tfstate").read_text())
    assert state["resources"] == [] or all(r["mode"] == "data" for r in state["resources"])
    assert succeeded  # and the command says so: ok in its report, exit 0
