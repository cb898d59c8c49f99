"""One synth of every stack of every system (python main.py), shared by the review tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_review(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "review", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "CHECKPOINT_DISABLE": "1", **(env or {})})


@pytest.fixture(scope="session")
def synth_out(tmp_path_factory) -> Path:
    """``<outdir>`` with ``stacks/*/cdk.tf.json`` of whatever main.py synthesizes by default."""
    outdir = tmp_path_factory.mktemp("review") / "out"
    done = subprocess.run([sys.executable, "main.py", "--outdir", str(outdir)], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "CHECKPOINT_DISABLE": "1"})
    assert done.returncode == 0, done.stderr
    return outdir


@pytest.fixture(scope="session")
def stack_names(synth_out) -> list[str]:
    names = sorted(p.parent.name for p in (synth_out / "stacks").glob("*/cdk.tf.json"))
    assert names, "the synth wrote no stacks"
    return names


@pytest.fixture(scope="session")
def cost_json(synth_out) -> dict[str, dict]:
    done = run_review("cost", "--json", "--outdir", str(synth_out))
    assert done.returncode == 0, done.stderr
    return {item["stack"]: item for item in json.loads(done.stdout)}


def write_stack(outdir: Path, name: str, resources: dict, environment: str = "dev") -> Path:
    """A hand-written stack for rules no synthesized stack exercises yet (EKS, Aurora, Lambda, ...)."""
    document = {
        "provider": {"aws": [{"region": "ap-northeast-2",
                              "default_tags": [{"tags": {"Environment": environment}}]}]},
        "resource": resources,
    }
    path = outdir / "stacks" / name / "cdk.tf.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    return path
