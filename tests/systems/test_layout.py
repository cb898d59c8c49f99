"""Reusable code carries no system's text: ``modules/`` names no system and cites no document section."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from systems import SYSTEMS

MODULES = Path(__file__).resolve().parents[2] / "modules"
# the account baseline is named after what it builds ("account", a word of every AWS construct); the
# products' systems are the ones whose names must not appear
PRODUCTS = [s.name for s in SYSTEMS if s.name != "account"]
SYSTEM_NAMES = re.compile(r"\b(" + "|".join(re.escape(name) for name in PRODUCTS) + r")\b", re.I)


def test_the_names_searched_for_are_the_products():
    assert PRODUCTS and "codemate" in PRODUCTS and "account" not in PRODUCTS
DOCUMENT_SECTIONS = re.compile(r"\bSPEC\b|§")


@pytest.mark.parametrize("path", sorted(MODULES.rglob("*.py")), ids=lambda p: str(p.relative_to(MODULES)))
def test_module_names_no_system_and_no_document_section(path):
    hits = [f"{i}: {line.strip()}" for i, line in enumerate(path.read_text().splitlines(), 1)
            if SYSTEM_NAMES.search(line) or DOCUMENT_SECTIONS.search(line)]
    assert hits == []
