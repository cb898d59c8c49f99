"""Codemate, the web IDE (the primary system) — see README.md beside this file."""

from systems import System

SYSTEM = System(
    name="codemate",
    title="Web IDE: Next.js frontend + NestJS backend, PostgreSQL, Redis, CodePipeline (the primary system)",
    environments=("dev", "staging", "prod"),
    stack="systems.codemate.stack:CodemateStack",
    settings_type="systems.codemate.settings:CodemateSettings",
    validator="systems.codemate.settings:validate",
    primary=True,
    order=0,
)
