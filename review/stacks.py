"""The synthesized stacks of an output directory, and references between their resources."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from modules.errors import ConfigError

_REF = re.compile(r"\$\{(?:data\.)?(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.")


@dataclass(frozen=True)
class Stack:
    """One ``cdk.tf.json``: its resources by type and name."""

    name: str
    document: dict

    @property
    def resources(self) -> dict[str, dict[str, dict]]:
        return self.document.get("resource", {})

    def of_type(self, resource_type: str) -> dict[str, dict]:
        return self.resources.get(resource_type, {})

    def get(self, address: tuple[str, str]) -> dict | None:
        return self.resources.get(address[0], {}).get(address[1])

    @property
    def environment(self) -> str:
        """The provider's default ``Environment`` tag (every stack sets it), else the stack name."""
        for provider in self.document.get("provider", {}).get("aws", []):
            for block in provider.get("default_tags", []):
                if "Environment" in block.get("tags", {}):
                    return block["tags"]["Environment"]
        return self.name

    @property
    def region(self) -> str:
        for provider in self.document.get("provider", {}).get("aws", []):
            if "region" in provider and "alias" not in provider:
                return provider["region"]
        return "ap-northeast-2"

    def counts(self) -> dict[str, int]:
        return {t: len(v) for t, v in sorted(self.resources.items())}


def references(value: object) -> list[tuple[str, str]]:
    """Every ``(type, name)`` a value refers to through ``${type.name.attr}``, in order."""
    found: list[tuple[str, str]] = []
    if isinstance(value, str):
        found.extend((m[1], m[2]) for m in _REF.finditer(value))
    elif isinstance(value, dict):
        for item in value.values():
            found.extend(references(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(references(item))
    return found


def first_reference(value: object, resource_type: str) -> tuple[str, str] | None:
    return next((ref for ref in references(value) if ref[0] == resource_type), None)


def stacks_root(outdir: Path) -> Path:
    """``<outdir>/stacks`` of a synth output, or ``outdir`` itself if it holds ``*/cdk.tf.json`` directly."""
    nested = outdir / "stacks"
    return nested if nested.is_dir() or not any(outdir.glob("*/cdk.tf.json")) else outdir


def stack_names(outdir: Path) -> list[str]:
    root = stacks_root(outdir)
    return sorted(p.parent.name for p in root.glob("*/cdk.tf.json")) if root.is_dir() else []


def load_stacks(outdir: Path, names: list[str] | None = None) -> list[Stack]:
    """The stacks in ``outdir`` (all, or those named); a missing one is a :class:`ConfigError`."""
    available = stack_names(outdir)
    if not available:
        raise ConfigError("review", "--outdir", str(outdir), "no synthesized stacks (no stacks/*/cdk.tf.json)",
                          f"run `make synth` (or python main.py --outdir {outdir}) first")
    for name in names or []:
        if name not in available:
            raise ConfigError("review", "stack", name, f"not in {stacks_root(outdir)}; there: {', '.join(available)}",
                              "name one of those, or synthesize it first")
    root = stacks_root(outdir)
    return [Stack(name, json.loads((root / name / "cdk.tf.json").read_text()))
            for name in (names or available)]


def iter_resources(stack: Stack) -> Iterator[tuple[str, str, dict]]:
    for resource_type, items in sorted(stack.resources.items()):
        for name, body in sorted(items.items()):
            yield resource_type, name, body
