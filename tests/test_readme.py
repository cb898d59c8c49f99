"""The README is the user's manual: what it quotes must match the files it quotes."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def json_blocks(text: str) -> list:
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)\n```", text, flags=re.S)]


def test_readme_quotes_both_iam_policies_exactly():
    blocks = json_blocks((ROOT / "README.md").read_text())
    for name in ("bootstrap-policy.json", "terraform-backend-policy.json"):
        assert json.loads((ROOT / "backend" / "iam" / name).read_text()) in blocks, name


def test_readme_shows_the_two_commands_and_ci_runs_the_same_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make synth" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_ci_also_synthesizes_gates_and_compares_the_other_framework():
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert lines.index("make test") < lines.index("make scan FRAMEWORK=cdktn") < lines.index("make compare-frameworks")


def test_ci_installs_no_system_package():
    # the two commands set everything up from the project's own files: CI may not add a system package
    # (an earlier .ci/run installed Graphviz, and make test then failed on a fresh machine)
    ci = (ROOT / ".ci" / "run").read_text()
    assert "apt-get" not in ci and "apt " not in ci and "brew " not in ci
