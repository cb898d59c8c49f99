"""Options of the account baseline and of an environment's account and budget; no framework import."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

Problem = tuple[str, object, str, str]

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ACCOUNT_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")
_ROLE_ARN = re.compile(r"^arn:aws(?:-[a-z]+)*:iam::(\d{12}):role/[\w+=,.@/-]{1,512}$")


@dataclass(frozen=True, kw_only=True)
class AwsAccount:
    """The AWS account an environment lives in, and the account stack (``account-<name>``) that holds
    that account's singletons (GitHub OIDC provider, CloudTrail, GuardDuty, IAM Access Analyzer)."""

    name: str = "shared"
    """The account stack serving the environment: ``account-<name>``. Defaults to ``shared``: one
    account for every environment (names carry the environment)."""
    account_id: str | None = None
    """The 12-digit account id. When set, the provider refuses credentials of any other account
    (``allowed_account_ids``): a plan can never land in the wrong account. Defaults to none: the
    account of the credentials the plan runs with."""
    role_arn: str | None = None
    """A role in that account the provider assumes (``assume_role``): how one pipeline reaches an
    environment in an account of its own. Defaults to none: the credentials as they are."""


def account_problems(a: AwsAccount) -> Iterator[Problem]:
    if not _ACCOUNT_NAME.match(a.name):
        yield ("name", a.name, "account names are 2-32 lowercase letters, digits and inner hyphens",
               "use e.g. 'shared' or 'prod'")
    if a.account_id is not None and not _ACCOUNT_ID.match(a.account_id):
        yield ("account_id", a.account_id, "an AWS account id is 12 digits", "copy it from the console's account menu")
    if a.role_arn is not None:
        match = _ROLE_ARN.match(a.role_arn)
        if not match:
            yield ("role_arn", a.role_arn, "not an IAM role ARN", "write arn:aws:iam::<account id>:role/<name>")
        elif a.account_id is not None and match[1] != a.account_id:
            yield ("role_arn", a.role_arn, f"names account {match[1]}, not the environment's {a.account_id}",
                   "use a role of the environment's own account")
        elif a.account_id is None:
            yield ("account_id", None, "a role to assume needs the account it is in",
                   f"set account_id={match[1]!r}")


@dataclass(frozen=True, kw_only=True)
class BudgetOptions:
    """The environment's monthly AWS Budget: its limit comes from the stack's own cost estimate."""

    emails: tuple[str, ...] = ()
    """Who is told (forecast and actual alerts). Defaults to none: the budget exists, nobody is
    mailed (the synth summary says so)."""
    margin_percent: int = 20
    """The limit is the estimate (autoscaling at its maximum) plus this margin, rounded up to a whole
    dollar (0-500). Defaults to 20."""
    forecast_percent: int = 80
    """Mail when the month's forecast reaches this share of the limit. Defaults to the document's 80."""
    actual_percent: int = 100
    """Mail when actual spend exceeds this share of the limit. Defaults to 100."""


def budget_problems(b: BudgetOptions) -> Iterator[Problem]:
    from modules.aws_limits import email_problem

    for i, email in enumerate(b.emails):
        if problem := email_problem(email):
            yield (f"emails[{i}]", email, *problem)
    if len(set(b.emails)) != len(b.emails):
        yield ("emails", b.emails, "an address is listed twice", "list each address once")
    if len(b.emails) > 10:
        yield ("emails", b.emails, "AWS Budgets mails at most 10 addresses per notification", "list 10 or fewer")
    if not 0 <= b.margin_percent <= 500:
        yield ("margin_percent", b.margin_percent, "a margin of 0 to 500 %", "use e.g. 20")
    for name in ("forecast_percent", "actual_percent"):
        value = getattr(b, name)
        if not 1 <= value <= 1000:
            yield (name, value, "a threshold of 1 to 1000 % of the limit", "use e.g. 80 or 100")


@dataclass(frozen=True, kw_only=True)
class TrailOptions:
    """The account's CloudTrail trail: every region, log-file validation, KMS-encrypted, to a
    TLS-only, versioned, access-logged bucket."""

    retention_days: int = 365
    """Days a log file is kept before it expires (Glacier Flexible Retrieval after 90). Defaults to a
    year (365-3653; an audit trail is kept at least a year)."""
    cloudwatch_log_retention_days: int = 365
    """Days the trail's CloudWatch Logs copy (for metric filters and alarms) is kept. Defaults to a year."""


def trail_problems(t: TrailOptions) -> Iterator[Problem]:
    from modules.aws_limits import log_retention_problem

    if not 365 <= t.retention_days <= 3653:
        yield ("retention_days", t.retention_days, "an audit trail is kept 1 to 10 years",
               "use 365 or more (e.g. 2555 for seven years)")
    if problem := log_retention_problem(t.cloudwatch_log_retention_days):
        yield ("cloudwatch_log_retention_days", t.cloudwatch_log_retention_days, *problem)
