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

    @property
    def package(self) -> str:
        return self.name.replace("-", "_")

    def stack_name(self, environment: str) -> str:
        return environment if self.primary else f"{self.name}-{environment}"

    def environment_file(self, environment: str) -> str:
        return f"environments/{self.package}/{environment}.py"

    def settings_class(self) -> type:
        return _resolve(self.settings_type)

    def validate(self, settings: Any) -> None:
        _resolve(self.validator)(settings)

    def build(self, scope: Any, settings: Any) -> Any:
        """The stack of one environment (starts jsii on first use)."""
        return _resolve(self.stack)(scope, settings, stack_name=self.stack_name(settings.name))


def _resolve(path: str) -> Callable:
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


SYSTEMS: tuple[System, ...] = (
    System(
        name="codemate",
        title="Web IDE: Next.js frontend + NestJS backend, PostgreSQL, Redis, CodePipeline (the primary system)",
        environments=("dev", "staging", "prod"),
        stack="systems.codemate.stack:CodemateStack",
        settings_type="systems.codemate.settings:CodemateSettings",
        validator="systems.codemate.settings:validate",
        primary=True,
    ),
    System(
        name="conduit",
        title="RealWorld API (document 000): one public Fargate service behind an ALB, cost-minimal",
        environments=("dev", "prod"),
        stack="systems.conduit.stack:ConduitStack",
        settings_type="systems.conduit.settings:ConduitSettings",
        validator="systems.conduit.settings:validate",
    ),
    System(
        name="nest-api",
        title="NestJS API (document 004): private Fargate service behind HTTPS, delivered by GitHub Actions",
        environments=("dev", "prod"),
        stack="systems.nest_api.stack:NestApiStack",
        settings_type="systems.nest_api.settings:NestApiSettings",
        validator="systems.nest_api.settings:validate",
    ),
    System(
        name="unisync",
        title="UniSync (document 002): four Spring services with service discovery, MySQL, a Python Lambda, SQS",
        environments=("dev", "prod"),
        stack="systems.unisync.stack:UniSyncStack",
        settings_type="systems.unisync.settings:UniSyncSettings",
        validator="systems.unisync.settings:validate",
    ),
    System(
        name="openmarket",
        title="OpenMarket (document 003): EKS, Aurora MySQL writer + reader, Redis, S3 uploads, four Node.js functions",
        environments=("dev", "staging", "prod"),
        stack="systems.openmarket.stack:OpenMarketStack",
        settings_type="systems.openmarket.settings:OpenMarketSettings",
        validator="systems.openmarket.settings:validate",
    ),
)

PRIMARY: System = next(s for s in SYSTEMS if s.primary)
BY_NAME: dict[str, System] = {s.name: s for s in SYSTEMS}
