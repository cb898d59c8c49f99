"""The typed settings schema: what one environment may say, and nothing else.

The per-environment files (``dev.py``, ``staging.py``, ``prod.py``) build
one :class:`EnvironmentSettings` each from these classes and hold values
only. :func:`environments.validation.validate` checks them before any
construct is built. Every optional field documents what leaving it out does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from modules.networking.options import NatMode
from modules.database.engines import ENGINES, DatabaseEngine
from modules.networking.options import VpcOptions as NetworkSettings  # noqa: F401  (re-exported)
from modules.networking.options import LoadBalancerOptions as LoadBalancerSettings  # noqa: F401  (re-exported)
from modules.compute.options import SecretReference  # noqa: F401  (re-exported)
from modules.compute.options import EcsServiceOptions as ServiceSettings  # noqa: F401  (re-exported)
from modules.compute.options import EcsClusterOptions as ClusterSettings  # noqa: F401  (re-exported)
from modules.secrets.options import SecretsOptions as SecretsSettings  # noqa: F401  (re-exported)
from modules.monitoring.options import MonitoringOptions as MonitoringSettings  # noqa: F401  (re-exported)
from modules.database.options import CacheOptions as CacheSettings  # noqa: F401  (re-exported)
from modules.database.options import DatabaseOptions as DatabaseSettings  # noqa: F401  (re-exported)
from modules.project import ProjectSettings  # noqa: F401  (re-exported: settings files import it from here)














@dataclass(frozen=True, kw_only=True)
class EnvironmentSettings:
    """Everything that differs between dev, staging and prod."""

    name: str
    project: ProjectSettings
    network: NetworkSettings
    services: tuple[ServiceSettings, ...]
    database: DatabaseSettings
    cache: CacheSettings
    log_retention_days: int
    """Retention of every CloudWatch log group of the environment (AWS's allowed values, or 0 for
    never expire)."""
    native_state_lock: bool = False
    """Also lock state with Terraform's S3 lock file (``use_lockfile``, Terraform >= 1.10)
    beside the DynamoDB table, for teams migrating off DynamoDB. Defaults to off."""
    extra_tags: dict[str, str] = field(default_factory=dict)
    """Tags added to the provider's default tags (on every resource: keys 1-128 and values 0-256 of
    letters, digits, spaces and ``_ . : / = + - @``; no ``aws:`` prefix). Defaults to none."""
    load_balancer: LoadBalancerSettings = field(default_factory=lambda: LoadBalancerSettings())
    """The application load balancer, TLS and DNS. Defaults to an HTTP-only load balancer with
    AWS's timeouts (no domain)."""
    secrets: SecretsSettings = field(default_factory=lambda: SecretsSettings())
    """Secrets Manager containers of the environment. Defaults to none."""
    storage: StorageSettings | None = field(default_factory=lambda: StorageSettings())
    """The S3 buckets (files, static, logs). Defaults to all three with SPEC's lifecycle;
    ``None`` creates no bucket (then no load-balancer access logs and no files access)."""
    cluster: ClusterSettings = field(default_factory=lambda: ClusterSettings())
    """The ECS cluster. Defaults to Container Insights on."""
    monitoring: MonitoringSettings = field(default_factory=lambda: MonitoringSettings())
    """Alarms, their SNS topic and the dashboard. Defaults to SPEC's thresholds and no email
    subscription."""
    cicd: CicdSettings | None = None
    """The delivery pipeline (GitHub -> CodeBuild -> ECS). Defaults to none: no pipeline, no build
    projects, no connection."""
    force_destroy: bool = False
    """Let one ``terraform destroy`` remove the environment although its S3 buckets still hold
    objects (uploads, every version, logs, build artifacts) and its ECR repositories still hold
    images: sets S3 ``force_destroy`` and ECR ``force_delete``, so destroy deletes them with their
    contents. Defaults to off: destroy stops at the first non-empty bucket or repository
    (``BucketNotEmpty``). For environments torn down at will; refused for production."""

    @property
    def state_key(self) -> str:
        return f"{self.name}/terraform.tfstate"








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
