"""UniSync (document 002): four Spring services with service discovery, MySQL, a Python Lambda and SQS."""

from systems import System

SYSTEM = System(
    name="unisync",
    title="UniSync (document 002): four Spring services with service discovery, MySQL, a Python Lambda, SQS",
    environments=("dev", "prod"),
    stack="systems.unisync.stack:UniSyncStack",
    settings_type="systems.unisync.settings:UniSyncSettings",
    validator="systems.unisync.settings:validate",
    order=3,
)
