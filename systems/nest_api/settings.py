"""The NestJS API's settings: what one environment may say (values in ``environments/nest_api/``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from modules.validation import WEB_SERVICE_CHECKS, check_physical_names, force_destroy_problem, validate_parts
from modules.errors import ConfigError
from modules.networking.options import LoadBalancerOptions, NatMode, VpcOptions
from modules.patterns.options import SingleServiceSettings, single_service_problems
from modules.secrets.options import SecretsOptions

_GITHUB_REPOSITORY = re.compile(r"^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}/[A-Za-z0-9._-]{1,100}$")
_BRANCH = re.compile(r"^(?!/)(?!.*//)(?!.*\.\.)[A-Za-z0-9._/-]{1,244}(?<![/.])$")


@dataclass(frozen=True, kw_only=True)
class GithubDeployOptions:
    """The GitHub Actions workflow that builds, pushes and deploys the service."""

    repository: str
    """``owner/name`` of the repository whose workflow may assume the deploy role."""
    branch: str
    """The only branch whose workflow runs may deploy, e.g. ``main``."""
    oidc_provider_arn: str | None = None
    """The account's existing GitHub OIDC provider. Defaults to none: the stack creates it (an
    account has one per URL: when dev and prod share an account, set it in one of them)."""


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
    if not _GITHUB_REPOSITORY.match(gh.repository):
        fail("github.repository", gh.repository, "not a GitHub repository 'owner/name'", "write it as 'owner/name'")
    if not _BRANCH.match(gh.branch):
        fail("github.branch", gh.branch, "not a valid branch name", "use e.g. 'main'")
    if gh.oidc_provider_arn is not None and not re.fullmatch(
            r"arn:aws(?:-[a-z]+)*:iam::\d{12}:oidc-provider/token\.actions\.githubusercontent\.com",
            gh.oidc_provider_arn):
        fail("github.oidc_provider_arn", gh.oidc_provider_arn, "not the ARN of a GitHub OIDC provider",
             "use arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com, or leave it out")
    for problem in single_service_problems(settings):
        fail(*problem)
    check_physical_names(settings)
