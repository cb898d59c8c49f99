"""Conduit: the RealWorld API (document 000) — see README.md beside this file."""

from systems import System

SYSTEM = System(
    name="conduit",
    title="RealWorld API (document 000): one public Fargate service behind an ALB, cost-minimal",
    environments=("dev", "prod"),
    stack="systems.conduit.stack:ConduitStack",
    settings_type="systems.conduit.settings:ConduitSettings",
    validator="systems.conduit.settings:validate",
    order=1,
)
