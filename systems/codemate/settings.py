"""Codemate's settings schema and the rules that span its objects (no jsii).

The per-environment files (``environments/codemate/dev.py``, ``staging.py``, ``prod.py``) build one
:class:`CodemateSettings` each from these classes and the options beside the constructs, and hold
values only. :func:`validate` checks them before any construct is built (``modules/validation.py``'s
shared checks plus the storage and pipeline rules below). Every optional field documents what leaving
it out does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from modules.compute.options import EcsClusterOptions, EcsServiceOptions
from modules.database.options import CacheOptions, DatabaseOptions
from modules.monitoring.options import MonitoringOptions
from modules.naming import Naming
from modules.networking.options import LoadBalancerOptions, VpcOptions
from modules.project import ProjectSettings, SystemSettings  # noqa: F401
from modules.secrets.options import SecretsOptions
from modules.validation import (
    ACCOUNT_ID_PLACEHOLDER,
    DATA_TIER_CHECKS,
    ORIGIN,
    SettingsCheck,
    branch_problem,
    github_repository_problem,
    validate_parts,
)


@dataclass(frozen=True, kw_only=True)
class CodemateSettings(SystemSettings):
    """Everything that differs between Codemate's dev, staging and prod (``name``, ``project``,
    ``log_retention_days``, ``force_destroy``, ``native_state_lock``, ``extra_tags``: see
    :class:`modules.project.SystemSettings`)."""

    network: VpcOptions
    services: tuple[EcsServiceOptions, ...]
    database: DatabaseOptions
    cache: CacheOptions
    load_balancer: LoadBalancerOptions = field(default_factory=lambda: LoadBalancerOptions())
    """The application load balancer, TLS and DNS. Defaults to an HTTP-only load balancer with
    AWS's timeouts (no domain)."""
    secrets: SecretsOptions = field(default_factory=lambda: SecretsOptions())
    """Secrets Manager containers of the environment. Defaults to none."""
    storage: StorageSettings | None = field(default_factory=lambda: StorageSettings())
    """The S3 buckets (files, static, logs). Defaults to all three with SPEC's lifecycle;
    ``None`` creates no bucket (then no load-balancer access logs and no files access)."""
    cluster: EcsClusterOptions = field(default_factory=lambda: EcsClusterOptions())
    """The ECS cluster. Defaults to Container Insights on."""
    monitoring: MonitoringOptions = field(default_factory=lambda: MonitoringOptions())
    """Alarms, their SNS topic and the dashboard. Defaults to SPEC's thresholds and no email
    subscription."""
    cicd: CicdSettings | None = None
    """The delivery pipeline (GitHub -> CodeBuild -> ECS). Defaults to none: no pipeline, no build
    projects, no connection."""


@dataclass(frozen=True, kw_only=True)
class StorageSettings:
    """The three buckets of SPEC §3: files (uploads), static (assets), logs."""

    cors_origins: tuple[str, ...] = ()
    """Browser origins allowed on the files bucket besides the app's own (``https://<host>``, or
    the load balancer's ``http://`` DNS name without a domain), e.g. ``http://localhost:3000``.
    Defaults to the app's own only."""
    files_noncurrent_version_days: int = 90
    """Days an overwritten or deleted upload stays recoverable. Defaults to 90."""
    bucket_prefix: str | None = None
    """First part of every bucket name (``<prefix>-files-<env>-<account>``), e.g. an organisation
    prefix. Defaults to the project name."""
    cdn: bool = False
    """Put a CloudFront distribution (``*.cloudfront.net``, HTTPS, PriceClass_200) in front of the
    static bucket, which stays private: CloudFront reads it through an origin access control and
    the bucket policy allows only that distribution. Defaults to off: no CloudFront resource."""


@dataclass(frozen=True, kw_only=True)
class CicdSettings:
    """CodePipeline of the environment: source from GitHub through a CodeStar connection, one CodeBuild
    Docker build per service, an optional manual approval, an ECS rolling deploy per service."""

    repository: str
    """GitHub repository ``owner/name`` holding every service's Dockerfile."""
    branch: str
    """Branch whose pushes start the pipeline, e.g. ``develop`` (dev) or ``main`` (prod)."""
    manual_approval: bool = False
    """A manual approval stage between build and deploy. Defaults to off (prod turns it on)."""
    connection_arn: str | None = None
    """An existing CodeStar/CodeConnections connection to GitHub (e.g. one shared by every environment
    of the account). Defaults to none: the environment creates its own connection, ``PENDING`` until
    someone completes it once in the console."""
    source_directories: dict[str, str] = field(default_factory=dict)
    """Docker build context (the directory of the Dockerfile) of each service in the repository, by
    service name, e.g. ``{"backend": "apps/api"}``. Defaults to the service's name (``frontend/``,
    ``backend/``); use ``"."`` for a repository with one service at its root."""
    docker_hub_secret: str | None = None
    """Short name of a secret of ``secrets.names`` holding JSON ``{"username": ..., "token": ...}``:
    builds log in to Docker Hub before pulling base images. Defaults to none: anonymous pulls
    (rate-limited by Docker Hub)."""
    build_compute_type: str = "BUILD_GENERAL1_SMALL"
    """CodeBuild compute of the Docker builds. Defaults to ``BUILD_GENERAL1_SMALL`` (2 vCPU, 3 GB);
    ``BUILD_GENERAL1_MEDIUM`` (4 vCPU, 7 GB) for builds that run out of memory."""
    build_timeout_minutes: int = 30
    """A build running longer fails (CodeBuild allows 5-2160). Defaults to 30."""
    artifact_retention_days: int = 30
    """Days pipeline artifacts (source zips, image definitions) are kept. Defaults to 30."""


# -- the rules only Codemate's shape needs ---------------------------------------------------------
_CONNECTION_ARN = re.compile(
    r"^arn:aws(?:-[a-z]+)*:(?:codestar-connections|codeconnections):[a-z]{2}(?:-[a-z]+)+-\d+:\d{12}:"
    r"connection/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
_SOURCE_DIRECTORY = re.compile(r"^[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*/?$")
CODEBUILD_COMPUTE_TYPES = ("BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE",
                           "BUILD_GENERAL1_XLARGE", "BUILD_GENERAL1_2XLARGE")


class CodemateCheck(SettingsCheck):
    """The shared checks plus Codemate's buckets and pipeline."""

    def storage(self) -> None:
        st = self.s.storage
        if st is None:
            return
        if st.bucket_prefix is not None and not st.bucket_prefix.strip():
            self.fail("storage.bucket_prefix", st.bucket_prefix, "an empty prefix (it would silently become the "
                      "project name)", "leave bucket_prefix out for the project name, or give one, e.g. 'acme'")
        for i, origin in enumerate(st.cors_origins):
            if not ORIGIN.match(origin):
                self.fail(f"storage.cors_origins[{i}]", origin, "not a browser origin",
                          "write scheme://host[:port] without a path or trailing '/', e.g. 'http://localhost:3000'")
        if st.files_noncurrent_version_days < 1:
            self.fail("storage.files_noncurrent_version_days", st.files_noncurrent_version_days,
                      "S3 needs at least 1 day", "use e.g. 90")
        naming = Naming(self.s.project.name, self.env)
        for purpose in ("files", "static", "logs"):
            naming.bucket_name(purpose, ACCOUNT_ID_PLACEHOLDER, prefix=st.bucket_prefix)

    # -- CI/CD (SPEC §3 "CI/CD") -------------------------------------------
    def cicd(self) -> None:
        c = self.s.cicd
        if c is None:
            return
        if problem := github_repository_problem(c.repository):
            self.fail("cicd.repository", c.repository, problem,
                      "write the owner (user or organisation) and the repository, e.g. 'acme/codemate'")
        if problem := branch_problem(c.branch):
            self.fail("cicd.branch", c.branch, problem, "name one branch, e.g. 'develop' or 'main'")
        if c.connection_arn is not None and not _CONNECTION_ARN.match(c.connection_arn):
            self.fail("cicd.connection_arn", c.connection_arn, "not the ARN of a CodeStar connection",
                      "copy it from Developer Tools > Settings > Connections "
                      "(arn:aws:codestar-connections:<region>:<account>:connection/<id>), or leave it out")
        services = [svc.name for svc in self.s.services]
        if not services:
            self.fail("cicd", c.repository, "a pipeline without services has nothing to build or deploy",
                      "add services, or set cicd=None")
        for service, directory in c.source_directories.items():
            if service not in services:
                self.fail("cicd.source_directories", service, "not a service of this environment",
                          f"use one of {services}")
            if directory != "." and (not _SOURCE_DIRECTORY.match(directory) or ".." in directory.split("/")):
                self.fail(f"cicd.source_directories[{service}]", directory,
                          "not a directory inside the repository",
                          "give a relative path without '..', e.g. 'apps/web', or '.' for the root")
        if c.docker_hub_secret is not None and c.docker_hub_secret not in self.s.secrets.names:
            self.fail("cicd.docker_hub_secret", c.docker_hub_secret, "not a secret of this environment",
                      f"use one of {sorted(self.s.secrets.names)} or add it to secrets.names")
        if c.build_compute_type not in CODEBUILD_COMPUTE_TYPES:
            self.fail("cicd.build_compute_type", c.build_compute_type, "not a CodeBuild Linux compute type",
                      f"use one of {', '.join(CODEBUILD_COMPUTE_TYPES)}")
        if not 5 <= c.build_timeout_minutes <= 2160:
            self.fail("cicd.build_timeout_minutes", c.build_timeout_minutes,
                      "CodeBuild allows 5 to 2160 minutes", "use e.g. 30")
        if c.artifact_retention_days < 1:
            self.fail("cicd.artifact_retention_days", c.artifact_retention_days, "S3 expires objects after 1 day "
                      "at the earliest", "use e.g. 30")
        naming = Naming(self.s.project.name, self.env)
        naming.pipeline_name()
        naming.role_name("pipeline")
        if c.connection_arn is None:
            naming.connection_name()
        prefix = self.s.storage.bucket_prefix if self.s.storage else None
        naming.bucket_name("artifacts", ACCOUNT_ID_PLACEHOLDER, prefix=prefix)
        for service in services:
            naming.build_project_name(service)
            naming.build_log_group_name(service)
            naming.role_name(service, "build")


CHECKS = (
    SettingsCheck.project, SettingsCheck.network, SettingsCheck.services, SettingsCheck.database,
    SettingsCheck.cache, SettingsCheck.retention, SettingsCheck.names, SettingsCheck.secrets,
    SettingsCheck.routing, SettingsCheck.service_details, SettingsCheck.load_balancer, CodemateCheck.storage,
    SettingsCheck.cluster, SettingsCheck.application_names, SettingsCheck.database_engine,
    SettingsCheck.database_monitoring, SettingsCheck.database_protection, SettingsCheck.teardown,
    SettingsCheck.data_windows, SettingsCheck.cache_auth, SettingsCheck.monitoring, CodemateCheck.cicd,
)
"""Codemate's checks, in the order a wrong setting is reported."""
assert set(DATA_TIER_CHECKS) <= set(CHECKS)


def validate(settings: CodemateSettings) -> None:
    """Raise :class:`ConfigError` for the first wrong setting; return if all are right."""
    validate_parts(settings, CHECKS, CodemateCheck)
