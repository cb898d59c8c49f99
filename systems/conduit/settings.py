"""Conduit's settings: what one environment may say (values live in ``environments/conduit/``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from environments.validation import force_destroy_problem, validate_parts
from modules.compute.options import EcsClusterOptions, EcsServiceOptions
from modules.errors import ConfigError
from modules.monitoring.options import MonitoringOptions
from modules.networking.options import LoadBalancerOptions, NatMode, VpcOptions
from modules.project import ProjectSettings
from modules.secrets.options import SecretsOptions


@dataclass(frozen=True, kw_only=True)
class ConduitSettings:
    """One environment of Conduit: public subnets only (no NAT, no private or database tier), one
    Fargate service with a public IP behind an internet-facing load balancer, no database, no Redis."""

    name: str
    project: ProjectSettings
    network: VpcOptions
    """Public subnets only: ``private_app_subnet_cidrs`` and ``database_subnet_cidrs`` empty,
    ``nat_mode=NatMode.NONE``."""
    service: EcsServiceOptions
    """The one service (``assign_public_ip=True``: without NAT its tasks pull images over the
    internet gateway)."""
    log_retention_days: int
    secrets: SecretsOptions = field(default_factory=lambda: SecretsOptions(names=("jwt",)))
    """Secrets Manager containers ``conduit/<env>/<name>``. Defaults to ``jwt`` (the JWT signing
    secret the document put in a plain environment variable)."""
    load_balancer: LoadBalancerOptions = field(default_factory=lambda: LoadBalancerOptions(waf=False))
    """Defaults to HTTP only and no WAF (cost-minimal); access logs on, to the stack's logs bucket."""
    cluster: EcsClusterOptions = field(default_factory=lambda: EcsClusterOptions())
    """Defaults to Container Insights on."""
    monitoring: MonitoringOptions = field(default_factory=lambda: MonitoringOptions())
    """CPU, unhealthy-host and 5XX alarms to an encrypted SNS topic. Defaults to no e-mail subscriber."""
    images_to_keep: int = 10
    """Images kept in the ECR repository. Defaults to the last 10."""
    force_destroy: bool = False
    """Let one ``terraform destroy`` remove the environment although its S3 buckets still hold objects
    and its ECR repositories still hold images (S3 ``force_destroy``, ECR ``force_delete``). Defaults
    to off: destroy stops at the first non-empty bucket or repository. Refused for production."""
    native_state_lock: bool = False
    """Also lock with Terraform's S3 lock file. Defaults to off."""
    extra_tags: dict[str, str] = field(default_factory=dict)
    """Tags added to the default tags. Defaults to none."""

    @property
    def services(self) -> tuple[EcsServiceOptions, ...]:
        return (self.service,)


def validate(settings: ConduitSettings) -> None:
    """Per-field rules of the shared options, then what only Conduit's shape requires."""
    validate_parts(settings)
    env, n = settings.name, settings.network
    if problem := force_destroy_problem(env, settings.force_destroy):
        raise ConfigError(env, "force_destroy", True, *problem, system="conduit")
    if n.private_app_subnet_cidrs or n.database_subnet_cidrs:
        raise ConfigError(env, "network.private_app_subnet_cidrs", n.private_app_subnet_cidrs or n.database_subnet_cidrs,
                          "Conduit runs in public subnets only (no private or database tier)",
                          "set private_app_subnet_cidrs=() and database_subnet_cidrs=()", system="conduit")
    if n.nat_mode is not NatMode.NONE:
        raise ConfigError(env, "network.nat_mode", n.nat_mode.value, "Conduit has no private subnets to serve",
                          "set nat_mode=NatMode.NONE", system="conduit")
    if not settings.service.assign_public_ip:
        raise ConfigError(env, "service.assign_public_ip", False,
                          "without NAT, tasks need a public IP to pull their image and reach AWS APIs",
                          "set assign_public_ip=True", system="conduit")
    if not settings.service.load_balanced:
        raise ConfigError(env, "service.load_balanced", False, "Conduit's one service is its API behind the ALB",
                          "set load_balanced=True", system="conduit")
    if not 1 <= settings.images_to_keep <= 1000:
        raise ConfigError(env, "images_to_keep", settings.images_to_keep, "ECR lifecycle rules count 1 to 1000 images",
                          "use e.g. 10", system="conduit")
