"""Options and fixed choices of the networking constructs, beside them (no framework import:
settings files use them before jsii starts)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class NatMode(Enum):
    """How the private app subnets reach the internet."""

    NONE = "none"
    """No NAT gateway: app subnets have no route out (or there are none)."""
    SINGLE = "single"
    """One NAT gateway in the first AZ: cheaper; an outage of that AZ cuts all egress."""
    ONE_PER_AZ = "one_per_az"
    """One NAT gateway per AZ; each AZ's app route table uses its own."""


@dataclass(frozen=True, kw_only=True)
class VpcOptions:
    """The VPC: three subnet tiers, one subnet per AZ in each tier."""

    vpc_cidr: str
    public_subnet_cidrs: tuple[str, ...]
    private_app_subnet_cidrs: tuple[str, ...]
    """Subnets of the ECS tasks. Empty for a public-subnets-only design (no NAT)."""
    database_subnet_cidrs: tuple[str, ...]
    """Isolated subnets of RDS and Redis: their route table has no route out."""
    nat_mode: NatMode
    s3_gateway_endpoint: bool = True
    """Free S3 gateway endpoint on the app route tables. Defaults to on (saves NAT traffic)."""
    flow_logs: bool = True
    """VPC flow logs (all traffic) to a KMS-encrypted CloudWatch log group. Defaults to on."""
    flow_log_retention_days: int | None = None
    """Retention of the flow-log group (a CloudWatch value). Defaults to the environment's
    ``log_retention_days``. Flow logs are the network's audit trail: prod keeps them a year."""


@dataclass(frozen=True, kw_only=True)
class LoadBalancerOptions:
    """The internet-facing application load balancer, its TLS certificate and DNS name."""

    domain: str | None = None
    """Public Route 53 hosted zone, e.g. ``app.example.com``: HTTPS with a DNS-validated
    wildcard certificate, HTTP redirects. Defaults to none: HTTP only, no certificate, no record."""
    host_name: str | None = None
    """Host name of the app, one label below ``domain``. Defaults to ``<project>-<env>.<domain>``."""
    deletion_protection: bool = False
    """Refuse to delete the load balancer. Defaults to off."""
    idle_timeout_seconds: int = 60
    """Connection idle timeout (1-4000; long for WebSockets). Defaults to AWS's 60."""
    deregistration_delay_seconds: int = 300
    """Time a stopping task keeps serving open connections (0-3600). Defaults to AWS's 300."""
    stickiness: bool = False
    """Load-balancer cookie stickiness (one day) on every target group. Defaults to off."""
    ssl_policy: str = "ELBSecurityPolicy-TLS13-1-2-2021-06"
    """TLS policy of the HTTPS listener. Defaults to TLS 1.3 and 1.2 only."""
    access_logs: bool = True
    """Access logs to the logs bucket (needs ``storage``). Defaults to on."""
    waf: bool = True
    """AWS WAF web ACL on the load balancer: AWS managed rule groups (core rule set, known bad
    inputs, IP reputation), CloudWatch metrics, request log kept a year (about 5 USD/month for
    the web ACL and 1 USD per rule group, plus 0.60 USD per million requests). Defaults to on."""


# -- per-field rules of LoadBalancerOptions (fields relative to it; see modules/compute/options.py) --
import re as _re  # noqa: E402
from typing import Iterator  # noqa: E402

from modules.aws_limits import ssl_policy_problem  # noqa: E402

_DNS_LABEL = _re.compile(r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
_DOMAIN = _re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def load_balancer_problems(lb: LoadBalancerOptions) -> Iterator[tuple[str, object, str, str]]:
    if lb.domain is not None and not _DOMAIN.match(lb.domain):
        yield ("domain", lb.domain, "not a domain name",
               "use the hosted zone's name in lowercase, e.g. 'app.example.com'")
    if lb.host_name is not None:
        if lb.domain is None:
            yield ("host_name", lb.host_name, "a host name without a domain",
                   "set load_balancer.domain, or remove host_name")
        label, _, rest = lb.host_name.partition(".")
        if rest != lb.domain or not _DNS_LABEL.match(label):
            yield ("host_name", lb.host_name,
                   f"the wildcard certificate *.{lb.domain} covers exactly one label below the domain",
                   f"use '<label>.{lb.domain}'")
    if not 1 <= lb.idle_timeout_seconds <= 4000:
        yield ("idle_timeout_seconds", lb.idle_timeout_seconds, "ALB idle timeouts are 1 to 4000 seconds",
               "use e.g. 3600 for WebSockets")
    if not 0 <= lb.deregistration_delay_seconds <= 3600:
        yield ("deregistration_delay_seconds", lb.deregistration_delay_seconds,
               "target groups accept 0 to 3600 seconds", "use e.g. 300")
    if problem := ssl_policy_problem(lb.ssl_policy):
        yield ("ssl_policy", lb.ssl_policy, *problem)
