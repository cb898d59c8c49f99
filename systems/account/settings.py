"""The account baseline's settings: one file per AWS account (``environments/account/<name>.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from modules.account.options import TrailOptions, trail_problems
from modules.errors import ConfigError
from modules.project import SystemSettings
from modules.validation import SettingsCheck, validate_parts


@dataclass(frozen=True, kw_only=True)
class AccountSettings(SystemSettings):
    """One AWS account's singletons. ``name`` is the account's name (its stack is ``account-<name>``;
    environments name it in their ``account``); ``account`` says which account id and role reach it."""

    github_oidc: bool = True
    """GitHub Actions' OIDC provider, which every deploy and plan role trusts. Defaults to on."""
    trail: TrailOptions | None = field(default_factory=TrailOptions)
    """A CloudTrail trail of every region. Defaults to on, kept a year; ``None`` for none (an
    organisation trail covers the account)."""
    guardduty: bool = True
    """A GuardDuty detector (about 4 USD per million CloudTrail events analysed). Defaults to on."""
    access_analyzer: bool = True
    """IAM Access Analyzer for the account (free). Defaults to on."""


def validate(settings: AccountSettings) -> None:
    validate_parts(settings, (SettingsCheck.project, SettingsCheck.retention))

    def fail(field: str, value: object, problem: str, fix: str):
        raise ConfigError(settings.name, field, value, problem, fix, system="account")

    if settings.account.name != settings.name:
        fail("account.name", settings.account.name, f"the account stack {settings.name!r} describes another account",
             f"set account=AwsAccount(name={settings.name!r}, ...)")
    if settings.trail is not None:
        for field_, value, problem, fix in trail_problems(settings.trail):
            fail(f"trail.{field_}", value, problem, fix)
