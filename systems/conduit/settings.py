"""Conduit's settings: what one environment may say (values live in ``environments/conduit/``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from modules.validation import WEB_SERVICE_CHECKS, check_physical_names, force_destroy_problem, validate_parts
from modules.compute.options import EcsServiceOptions
from modules.errors import ConfigError
from modules.networking.options import LoadBalancerOptions, NatMode, VpcOptions
from modules.patterns.options import SingleServiceSettings, single_service_problems
from modules.iam.options import GithubDeployOptions, github_deploy_problems
from modules.secrets.options import SecretsOptions


@dataclass(frozen=True, kw_only=True)
class ConduitSettings(SingleServiceSettings):
    """One environment of Conduit: public subnets only (no NAT, no private or database tier), one
    Fargate service with a public IP behind an internet-facing load balancer, no database, no Redis.
    The fields every one-service system has (and their defaults) are :class:`SingleServiceSettings`'."""

    network: VpcOptions
    """Public subnets only: ``private_app_subnet_cidrs`` and ``database_subnet_cidrs`` empty,
    ``nat_mode=NatMode.NONE``."""
    service: EcsServiceOptions
    """The one service (``assign_public_ip=True``: without NAT its tasks pull images over the
    internet gateway)."""
    secrets: SecretsOptions = field(default_factory=lambda: SecretsOptions(names=("jwt",)))
    """Secrets Manager containers ``conduit/<env>/<name>``. Defaults to ``jwt`` (the JWT signing
    secret the document put in a plain environment variable)."""
    load_balancer: LoadBalancerOptions = field(default_factory=lambda: LoadBalancerOptions(waf=False))
    """Defaults to HTTP only and no WAF (cost-minimal); access logs on, to the stack's logs bucket."""
    github: GithubDeployOptions
    """The document's ``backend-deploy.yml`` (build, push to ECR, update the service, verify the
    deployment): the repository and branch whose workflow may assume the deploy role."""


def validate(settings: ConduitSettings) -> None:
    """Per-field rules of the shared options, then what only Conduit's shape requires."""
    validate_parts(settings, WEB_SERVICE_CHECKS)
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
    for problem in single_service_problems(settings):
        raise ConfigError(env, *problem, system="conduit")
    for field_, value, problem, fix in github_deploy_problems(settings.github):
        raise ConfigError(env, f"github.{field_}", value, problem, fix, system="conduit")
    check_physical_names(settings)
