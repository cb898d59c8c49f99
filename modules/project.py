"""What every stack of a system shares: name, region, zones and the state backend (no jsii here).

Kept apart from :mod:`modules.stack` so settings files and validation can use it
without starting the framework.
"""

from __future__ import annotations

from dataclasses import dataclass


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


def state_key(environment: str) -> str:
    """The state object of one environment in its system's bucket: ``<env>/terraform.tfstate``."""
    return f"{environment}/terraform.tfstate"
