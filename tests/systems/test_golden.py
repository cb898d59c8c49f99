"""Refactors keep addresses: every stack synthesizes byte-identical to its reviewed golden copy.

Construct IDs are Terraform state addresses: a renamed one destroys and recreates a live
resource. ``tests/golden/stacks/<stack>.tf.json`` holds the reviewed output of every stack;
Codemate's three were taken at 1e85dc3, the last commit before the systems refactor, plus the
differences listed in the commits since (``git log -- tests/golden``). A change that alters
the output on purpose refreshes them with ``python -m tests.golden.update`` and lists each
difference in its commit message.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from main import manifest, parse_selection

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "stacks"
STACKS = [row["stack"] for row in manifest(parse_selection([]))]


def test_every_stack_has_a_golden_copy_and_no_copy_is_stale():
    assert sorted(p.name.removesuffix(".tf.json") for p in GOLDEN.glob("*.tf.json")) == sorted(STACKS)


@pytest.mark.parametrize("stack", STACKS)
def test_stack_is_byte_identical_to_its_golden_copy(all_stacks_output, stack):
    fresh = (all_stacks_output / "stacks" / stack / "cdk.tf.json").read_text()
    golden = (GOLDEN / f"{stack}.tf.json").read_text()
    if fresh != golden:
        diff = "".join(list(difflib.unified_diff(golden.splitlines(True), fresh.splitlines(True),
                                                 "golden", "fresh", n=2))[:80])
        pytest.fail(f"{stack} differs from tests/golden/stacks/{stack}.tf.json — if intended, run "
                    f"'python -m tests.golden.update' and list the difference in the commit:\n{diff}")
