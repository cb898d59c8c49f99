"""The NestJS API (document 004) — see README.md beside this file."""

from systems import System

SYSTEM = System(
    name="nest-api",
    title="NestJS API (document 004): private Fargate service behind HTTPS, delivered by GitHub Actions",
    environments=("dev", "prod"),
    stack="systems.nest_api.stack:NestApiStack",
    settings_type="systems.nest_api.settings:NestApiSettings",
    validator="systems.nest_api.settings:validate",
    order=2,
)
