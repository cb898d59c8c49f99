"""tooling/deliver.py and tooling/verify.py as commands: bad input is one line, exit 2, nothing touched."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(module: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True)


def test_verify_without_a_synth_output_names_the_fix(tmp_path):
    done = run("tooling.verify", "conduit-dev", "--outdir", str(tmp_path / "none"))
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert line.startswith("error: [conduit:dev] outdir") and "python main.py conduit-dev" in line


def test_deliver_an_unknown_stack_is_one_line(tmp_path):
    done = run("tooling.deliver", "nothing-here", "--tag", "a1", "--outdir", str(tmp_path))
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert line.startswith("error: [?:nothing-here] stack = 'nothing-here': unknown system or environment")


def test_make_verify_runs_the_tool_on_the_named_stack():
    done = subprocess.run(["make", "--no-print-directory", "-n", "verify", "STACK=conduit-dev"], cwd=ROOT,
                          capture_output=True, text=True,
                          env={k: v for k, v in __import__("os").environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL")})
    assert done.stdout.splitlines()[-1] == ".venv/bin/python -m tooling.verify conduit-dev --outdir cdktf.out "
