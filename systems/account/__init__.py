"""The account baseline: what exists once per AWS account (one stack per account, ``account-<name>``)."""

from systems import System

SYSTEM = System(
    name="account",
    title="Account baseline: GitHub OIDC provider, CloudTrail, GuardDuty, IAM Access Analyzer (one stack per AWS account)",
    environments=("shared",),
    stack="systems.account.stack:AccountStack",
    settings_type="systems.account.settings:AccountSettings",
    validator="systems.account.settings:validate",
    order=-1,
)
