"""Fixed choices of the networking constructs (no framework import: settings use them)."""

from enum import Enum


class NatMode(Enum):
    """How the private app subnets reach the internet."""

    NONE = "none"
    """No NAT gateway: app subnets have no route out (or there are none)."""
    SINGLE = "single"
    """One NAT gateway in the first AZ: cheaper; an outage of that AZ cuts all egress."""
    ONE_PER_AZ = "one_per_az"
    """One NAT gateway per AZ; each AZ's app route table uses its own."""
