"""Helpers for asserting on synthesized Terraform JSON."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from systems.codemate.settings import CodemateSettings
from modules.framework import TerraformStack, Testing, aws, test_app


class Synth:
    """A synthesized stack: the JSON text (for ``Testing.*`` matchers) and the parsed document."""

    def __init__(self, text: str):
        self.text = text
        self.doc: dict[str, Any] = json.loads(text)
        # The "//" metadata (construct path, logical id) is kept aside, so resource dicts
        # hold only what Terraform reads and compare cleanly with ==.
        self._meta: dict[int, tuple[str, str]] = {}
        for block in ("resource", "data"):
            for resources in self.doc.get(block, {}).values():
                for logical_id, props in resources.items():
                    meta = props.pop("//", {}).get("metadata", {})
                    path = meta.get("path", logical_id).split("/", 1)[-1]  # without the stack name
                    self._meta[id(props)] = (logical_id, path)

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
        logical_id = self._meta[id(resource)][0]
        return f"${{{type_}.{logical_id}.{attribute}}}"

    def by_path(self, type_: str, path_suffix: str) -> dict:
        """The resource whose construct path ends with ``path_suffix`` (e.g. ``"network/db-rt"``)."""
        found = [r for r in self.resources(type_).values() if ("/" + self.path(r)).endswith("/" + path_suffix)]
        assert len(found) == 1, f"expected one {type_} at */{path_suffix}, found {len(found)}"
        return found[0]

    def under(self, type_: str, path_prefix: str) -> list[dict]:
        """Resources of ``type_`` inside the construct at ``path_prefix`` (e.g. ``"svc-backend"``)."""
        return [r for r in self.resources(type_).values()
                if self.path(r).startswith(path_prefix.rstrip("/") + "/")]

    def logical_id(self, resource: dict) -> str:
        """The logical id of ``resource`` (its Terraform address is ``<type>.<logical id>``)."""
        return self._meta[id(resource)][0]

    def path(self, resource: dict) -> str:
        """The construct path of ``resource`` inside its stack, e.g. ``network/db-rt``."""
        return self._meta[id(resource)][1]

    @property
    def outputs(self) -> dict[str, dict]:
        return self.doc.get("output", {})

    def has(self, type_: str, properties: dict) -> bool:
        return Testing.to_have_resource_with_properties(self.text, type_, properties)


def bare_stack(name: str = "test") -> TerraformStack:
    """An empty stack with an AWS provider, to synthesize one construct on its own."""
    stack = TerraformStack(test_app(), name)
    aws.provider.AwsProvider(stack, "aws", region="ap-northeast-2")
    return stack


def synth_stack(stack) -> Synth:
    """The ``cdk.tf.json`` that ``cdktf synth`` writes for ``stack`` (metadata included)."""
    outdir = Path(Testing.full_synth(stack))
    return Synth((outdir / "stacks" / stack.node.id / "cdk.tf.json").read_text())


def synth_settings(settings: CodemateSettings) -> Synth:
    """Synthesize one environment stack from ``settings`` (validated like ``main.py`` does)."""
    from systems.codemate.stack import CodemateStack

    return synth_stack(CodemateStack(test_app(), settings))


def with_changes(settings: CodemateSettings, **changes: Any) -> CodemateSettings:
    """``settings`` with top-level fields replaced; nested: ``network=replace(s.network, ...)``."""
    return replace(settings, **changes)


def config_error(settings, field: str, *phrases: str):
    """Validate ``settings`` expecting a ConfigError on ``field`` of its environment, naming every phrase."""
    import pytest

    from systems.codemate.settings import validate
    from modules.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        validate(settings)
    error = caught.value
    assert (error.environment, error.field) == (settings.name, field), str(error)
    for phrase in phrases:
        assert phrase in str(error), str(error)
    assert error.fix
    return error


def project_stack(name: str = "test", *, project: str = "shop", environment: str = "dev",
                  log_retention_days: int = 30, force_destroy: bool = False, region: str = "ap-northeast-2"):
    """A bare :class:`modules.stack.ProjectStack` (provider, backend, account, logs key) for
    unit-testing one construct that takes its context from the enclosing stack."""
    from modules.project import ProjectSettings, SystemSettings
    from modules.stack import ProjectStack

    return ProjectStack(test_app(), SystemSettings(
        name=environment, log_retention_days=log_retention_days, force_destroy=force_destroy,
        project=ProjectSettings(name=project, region=region,
                                availability_zones=(f"{region}a", f"{region}c"),
                                state_bucket=f"{project}-terraform-state", lock_table=f"{project}-terraform-locks"),
    ), stack_name=name)
