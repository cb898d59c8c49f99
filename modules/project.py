"""What every stack of a system shares: name, region, zones and the state backend (no jsii here).

Kept apart from :mod:`modules.stack` so settings files and validation can use it
without starting the framework.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from modules.account.options import AwsAccount, BudgetOptions


@dataclass(frozen=True, kw_only=True)
class ProjectSettings:
    """Project-wide settings shared by every environment of one system
    (``environments/<system>/project.py``)."""

    name: str
    """The system's name: first part of every physical name (``<name>-alb-<env>``) and the
    ``Project`` default tag."""
    region: str
    availability_zones: tuple[str, ...]
    state_bucket: str
    """S3 bucket of the system's Terraform state (``<name>-terraform-state``); one key per
    environment, ``<env>/terraform.tfstate``."""
    lock_table: str
    """DynamoDB table locking that state (``<name>-terraform-locks``)."""
    managed_by: str = "cdktf"
    """Value of the ``ManagedBy`` default tag. Defaults to ``cdktf``."""


@dataclass(frozen=True, kw_only=True)
class SystemSettings:
    """What one environment of any system says about its stack as a whole; a system's settings
    extend it with their own fields."""

    name: str
    """The environment: ``dev``, ``staging``, ``prod``."""
    project: ProjectSettings
    log_retention_days: int
    """Retention of every CloudWatch log group of the environment (AWS's allowed values, or 0 for
    never expire); constructs read it from their stack (``ProjectStack.log_retention_days``)."""
    force_destroy: bool = False
    """Let one ``terraform destroy`` remove the environment although its S3 buckets still hold objects
    and its ECR repositories still hold images (S3 ``force_destroy``, ECR ``force_delete``). Defaults
    to off: destroy stops at the first non-empty bucket or repository. Refused for production."""
    native_state_lock: bool = False
    """Also lock with Terraform's S3 lock file. Defaults to off."""
    extra_tags: dict[str, str] = field(default_factory=dict)
    """Tags added to the provider's default tags (on every resource: keys 1-128 and values 0-256 of
    letters, digits, spaces and ``_ . : / = + - @``; no ``aws:`` prefix). Defaults to none."""
    account: AwsAccount = field(default_factory=AwsAccount)
    """The AWS account the environment lives in, and the account stack that serves it. Defaults to the
    shared account (``account-shared``) of the credentials the plan runs with."""
    budget: BudgetOptions = field(default_factory=BudgetOptions)
    """The environment's monthly budget (limit from the stack's cost estimate plus a margin). Defaults
    to a 20 % margin and no e-mail."""

    @property
    def state_key(self) -> str:
        """The state object of this environment in its system's bucket."""
        return state_key(self.name)


PRODUCTION_ENVIRONMENTS = ("prod", "production")
"""Environments held to production's rules: deletion protection and final snapshots of data stores,
no ``force_destroy``."""


def state_key(environment: str) -> str:
    """The state object of one environment in its system's bucket: ``<env>/terraform.tfstate``."""
    return f"{environment}/terraform.tfstate"
