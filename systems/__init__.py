"""The systems this repository builds, and how their stacks are named and selected.

A system is one composition of the reusable modules (``systems/<system>/``:
its stack, its settings schema and a README) with its per-environment values
in ``environments/<system>/`` (``project.py`` plus one ``<env>.py`` per
environment, each defining ``SETTINGS``). The same rule holds for every system;
a ``-`` in a system's name is ``_`` in its package names (``nest-api`` ->
``environments/nest_api/``).

Stack names: the primary system (Codemate) keeps ``dev``, ``staging``,
``prod``; every other stack is ``<system>-<env>``. Each system has its own
state bucket and lock table (``environments/<system>/project.py``), one key
per environment (``<env>/terraform.tfstate``).

Nothing here starts jsii: the stack classes are imported only when a stack is
built, after every selected environment validated.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class System:
    """One deliverable system and where its pieces live."""

    name: str
    """The system's name: ``conduit``, ``nest-api``; also its stacks' prefix."""
    title: str
    """One line for humans: what it is and which document it comes from."""
    environments: tuple[str, ...]
    """Its environments, in synth order."""
    stack: str
    """``module:Class`` of its stack (a :class:`modules.stack.ProjectStack`)."""
    settings_type: str
    """``module:Class`` of its per-environment settings."""
    validator: str
    """``module:function`` that validates one environment's settings (raises ``ConfigError``)."""
    primary: bool = False
    """The primary system's stacks are named after the environment alone."""
    order: int = 100
    """Where it stands among the systems (manifest, synth and CI order); ties by name."""

    @property
    def package(self) -> str:
        return self.name.replace("-", "_")

    def stack_name(self, environment: str) -> str:
        return environment if self.primary else f"{self.name}-{environment}"

    @property
    def registry_file(self) -> str:
        """Where the system is declared: ``systems/<package>/__init__.py``."""
        return f"systems/{self.package}/__init__.py"

    def environment_file(self, environment: str) -> str:
        return f"environments/{self.package}/{environment}.py"

    def settings_class(self) -> type:
        return _resolve(self.settings_type)

    def validate(self, settings: Any) -> None:
        """The system's own validator, then what every system composed by hand must meet
        (``modules.validation.physical_name_problems``: each function's, queue's, schedule's and node
        group's rules, physical names, one name per AWS namespace), so a new system gets them without
        asking; a system's validator also checks its buckets' names (``check_physical_names(settings,
        buckets=...)``)."""
        from modules.validation import check_physical_names

        _resolve(self.validator)(settings)
        check_physical_names(settings, buckets=())

    def build(self, scope: Any, settings: Any) -> Any:
        """The stack of one environment (starts jsii on first use)."""
        return _resolve(self.stack)(scope, settings, stack_name=self.stack_name(settings.name))


def _resolve(path: str) -> Callable:
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


def _discover() -> tuple[System, ...]:
    """Every package ``systems/<package>/`` that declares ``SYSTEM`` in its ``__init__.py``, by ``order``
    (the account stacks first, then the primary system), then by name. A new system needs no edit here."""
    found = []
    for path in sorted(Path(__file__).resolve().parent.iterdir()):
        if path.is_dir() and (path / "__init__.py").is_file():
            system = getattr(importlib.import_module(f"{__name__}.{path.name}"), "SYSTEM", None)
            if isinstance(system, System):
                if system.package != path.name:
                    raise ValueError(f"systems/{path.name}/__init__.py declares the system {system.name!r}, "
                                     f"whose package is {system.package!r}: rename one of them")
                found.append(system)
    return tuple(sorted(found, key=lambda s: (s.order, s.name)))


SYSTEMS: tuple[System, ...] = _discover()
PRIMARY: System = next(s for s in SYSTEMS if s.primary)
BY_NAME: dict[str, System] = {s.name: s for s in SYSTEMS}
