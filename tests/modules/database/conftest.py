"""Fixtures for the SPEC §5 database variants (see tests/data_variants.py)."""

from __future__ import annotations

import pytest

from tests.data_variants import synthesized_variant
from tests.support import Synth


@pytest.fixture
def unisync() -> Synth:
    return synthesized_variant("unisync")


@pytest.fixture
def openmarket() -> Synth:
    return synthesized_variant("openmarket")
