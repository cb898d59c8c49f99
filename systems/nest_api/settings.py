"""The NestJS API's settings: what one environment may say (values in ``environments/nest_api/``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from modules.validation import WEB_SERVICE_CHECKS, check_physical_names, force_destroy_problem, validate_parts
from modules.errors import ConfigError
from modules.networking.options import LoadBalancerOptions, NatMode, VpcOptions
from modules.patterns.options import SingleServiceSettings, single_service_problems
from modules.iam.options import GithubDeployOptions, github_deploy_problems
from modules.secrets.options import SecretsOptions



@dataclass(frozen=True, kw_only=True)
class NestApiSettings(SingleServiceSettings):
    """One environment of the NestJS API: one Fargate service in private subnets (NAT for its
    outbound calls to the external Supabase database and APIs) behind an HTTPS load balancer.
    The fields every one-service system has (and their defaults) are :class:`SingleServiceSettings`'."""

    network: VpcOptions
    """Public subnets (ALB, NAT) and private app subnets (tasks); no database tier (the database
    is external)."""
    load_balancer: LoadBalancerOptions
    """HTTPS needs ``domain`` (a Route 53 public hosted zone)."""
    github: GithubDeployOptions
    secrets: SecretsOptions = field(default_factory=lambda: SecretsOptions(names=("database", "api-keys")))
    """Defaults to ``database`` (the Supabase connection URL) and ``api-keys``."""


def validate(settings: NestApiSettings) -> None:
    """Per-field rules of the shared options, then what only this system's shape requires."""
    validate_parts(settings, WEB_SERVICE_CHECKS)
    env, n, gh = settings.name, settings.network, settings.github

    def fail(field: str, value: object, problem: str, fix: str):
        raise ConfigError(env, field, value, problem, fix, system="nest-api")

    if problem := force_destroy_problem(env, settings.force_destroy):
        fail("force_destroy", True, *problem)

    if not n.private_app_subnet_cidrs:
        fail("network.private_app_subnet_cidrs", (), "the API runs in private subnets",
             "give one private app subnet per AZ")
    if n.database_subnet_cidrs:
        fail("network.database_subnet_cidrs", n.database_subnet_cidrs,
             "the database is external (Supabase): nothing would use these subnets", "set database_subnet_cidrs=()")
    if n.nat_mode is NatMode.NONE:
        fail("network.nat_mode", n.nat_mode.value, "private tasks need NAT to pull images and reach Supabase",
             "set nat_mode=NatMode.SINGLE (dev) or NatMode.ONE_PER_AZ (prod)")
    if settings.service.assign_public_ip:
        fail("service.assign_public_ip", True, "the API's tasks run in private subnets",
             "set assign_public_ip=False")
    if settings.load_balancer.domain is None:
        fail("load_balancer.domain", None, "the API is served over HTTPS only (document 004)",
             "set the Route 53 public hosted zone, e.g. 'api.example.com'")
    for field_, value, problem, fix in github_deploy_problems(gh):
        fail(f"github.{field_}", value, problem, fix)
    for problem in single_service_problems(settings):
        fail(*problem)
    check_physical_names(settings)
