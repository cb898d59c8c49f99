"""Shared fixtures: each environment is synthesized once per test session."""

from __future__ import annotations

import pytest

from environments import ENVIRONMENT_NAMES, load
from tests.support import Synth, synth_settings

_CACHE: dict[str, Synth] = {}


def synthesized(env: str) -> Synth:
    """The synthesized stack of ``env`` with its committed settings (cached)."""
    if env not in _CACHE:
        _CACHE[env] = synth_settings(load(env))
    return _CACHE[env]


@pytest.fixture(params=ENVIRONMENT_NAMES)
def env(request) -> str:
    """Parametrizes a test over every environment."""
    return request.param


@pytest.fixture
def stack(env: str) -> Synth:
    """The synthesized stack of the parametrized environment."""
    return synthesized(env)


@pytest.fixture
def dev() -> Synth:
    return synthesized("dev")


@pytest.fixture
def staging() -> Synth:
    return synthesized("staging")


@pytest.fixture
def prod() -> Synth:
    return synthesized("prod")


@pytest.fixture(scope="session")
def all_stacks_output(tmp_path_factory):
    """``main.py``'s output for every stack of every system (synthesized once per session)."""
    import main

    outdir = tmp_path_factory.mktemp("all-stacks") / "cdktf.out"
    assert main.main(["--outdir", str(outdir)]) == 0
    return outdir
