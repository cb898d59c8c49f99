"""Stacks of every system, read from one synthesized output (``all_stacks_output``)."""

from __future__ import annotations

import pytest

from tests.support import Synth

_CACHE: dict[str, Synth] = {}


@pytest.fixture
def stack_of(all_stacks_output):
    """``stack_of("conduit-prod")``: the parsed ``cdk.tf.json`` of one stack."""

    def read(name: str) -> Synth:
        if name not in _CACHE:
            _CACHE[name] = Synth((all_stacks_output / "stacks" / name / "cdk.tf.json").read_text())
        return _CACHE[name]

    return read
