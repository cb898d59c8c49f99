"""Helpers for asserting on synthesized Terraform JSON."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from environments.settings import EnvironmentSettings
from modules.framework import Testing


class Synth:
    """A synthesized stack: the JSON text (for ``Testing.*`` matchers) and the parsed document."""

    def __init__(self, text: str, document: dict[str, Any] | None = None):
        self.text = text
        self.doc: dict[str, Any] = document if document is not None else json.loads(text)

    def resources(self, type_: str) -> dict[str, dict]:
        """``{logical_id: properties}`` of every resource of ``type_``."""
        return self.doc.get("resource", {}).get(type_, {})

    def data(self, type_: str) -> dict[str, dict]:
        return self.doc.get("data", {}).get(type_, {})

    def all(self, type_: str, **match: Any) -> list[dict]:
        """Resources of ``type_`` whose properties include every ``match`` item."""
        return [r for r in self.resources(type_).values() if all(r.get(k) == v for k, v in match.items())]

    def one(self, type_: str, **match: Any) -> dict:
        found = self.all(type_, **match)
        assert len(found) == 1, f"expected exactly one {type_} with {match}, found {len(found)}"
        return found[0]

    def count(self, type_: str) -> int:
        return len(self.resources(type_))

    def ref(self, type_: str, resource: dict, attribute: str = "id") -> str:
        """The interpolation another resource uses to point at ``resource``: ``${type.logical_id.attr}``."""
        logical_id = resource["//"]["metadata"]["uniqueId"]
        return f"${{{type_}.{logical_id}.{attribute}}}"

    def by_path(self, type_: str, path_suffix: str) -> dict:
        """The resource whose construct path ends with ``path_suffix`` (e.g. ``"network/db-rt"``)."""
        found = [r for r in self.resources(type_).values() if r["//"]["metadata"]["path"].endswith(path_suffix)]
        assert len(found) == 1, f"expected one {type_} at */{path_suffix}, found {len(found)}"
        return found[0]

    @property
    def outputs(self) -> dict[str, dict]:
        return self.doc.get("output", {})

    def has(self, type_: str, properties: dict) -> bool:
        return Testing.to_have_resource_with_properties(self.text, type_, properties)


def synth_settings(settings: EnvironmentSettings) -> Synth:
    """Synthesize one environment stack from ``settings`` (validated like ``main.py`` does)."""
    from environments.stack import EnvironmentStack

    app = Testing.app()
    stack = EnvironmentStack(app, settings)
    text = Testing.synth(stack)
    # Testing.synth strips the "//" metadata that ref() and by_path() read; the prepared stack's
    # own document is the same JSON with it.
    return Synth(text, json.loads(json.dumps(stack.to_terraform())))


def with_changes(settings: EnvironmentSettings, **changes: Any) -> EnvironmentSettings:
    """``settings`` with top-level fields replaced; nested: ``network=replace(s.network, ...)``."""
    return replace(settings, **changes)
