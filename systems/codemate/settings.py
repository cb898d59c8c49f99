"""Codemate's settings schema and the rules that span its objects (no jsii).

The per-environment files (``environments/codemate/dev.py``, ``staging.py``, ``prod.py``) build one
:class:`CodemateSettings` each from these classes and the options beside the constructs, and hold
values only. :func:`validate` checks them before any construct is built (``modules/validation.py``'s
shared checks plus the storage and pipeline rules below). Every optional field documents what leaving
it out does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from modules.cicd.options import PipelineOptions, pipeline_problems
from modules.compute.options import EcsClusterOptions, EcsServiceOptions
from modules.database.options import CacheOptions, DatabaseOptions
from modules.monitoring.options import MonitoringOptions
from modules.naming import Naming
from modules.networking.options import LoadBalancerOptions, VpcOptions
from modules.project import SystemSettings
from modules.secrets.options import SecretsOptions
from modules.validation import (
    ACCOUNT_ID_PLACEHOLDER,
    DATA_TIER_CHECKS,
    ORIGIN,
    SettingsCheck,
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
    cicd: PipelineOptions | None = None
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

    # -- the pipeline: its own rules, then what spans objects ---------------------------------------
    def cicd(self) -> None:
        """The pipeline's own rules (beside its options), in the order they are reported, with what
        spans objects between them: services to build, the Docker Hub secret."""
        c = self.s.cicd
        if c is None:
            return
        services = [svc.name for svc in self.s.services]
        own = {field_: (value, problem, fix) for field_, value, problem, fix in pipeline_problems(c)}
        for field_ in ("repository", "branch", "connection_arn"):
            if field_ in own:
                self.fail(f"cicd.{field_}", *own[field_])
        if not services:
            self.fail("cicd", c.repository, "a pipeline without services has nothing to build or deploy",
                      "add services, or set cicd=None")
        for service in c.source_directories:
            if service not in services:
                self.fail("cicd.source_directories", service, "not a service of this environment",
                          f"use one of {services}")
            if f"source_directories[{service}]" in own:
                self.fail(f"cicd.source_directories[{service}]", *own[f"source_directories[{service}]"])
        if c.docker_hub_secret is not None and c.docker_hub_secret not in self.s.secrets.names:
            self.fail("cicd.docker_hub_secret", c.docker_hub_secret, "not a secret of this environment",
                      f"use one of {sorted(self.s.secrets.names)} or add it to secrets.names")
        self.first("cicd", pipeline_problems(c))
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
    SettingsCheck.physical_names,
)
"""Codemate's checks, in the order a wrong setting is reported."""
assert set(DATA_TIER_CHECKS) <= set(CHECKS)


def validate(settings: CodemateSettings) -> None:
    """Raise :class:`ConfigError` for the first wrong setting; return if all are right."""
    validate_parts(settings, CHECKS, CodemateCheck)
