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
from modules.project import ProjectSettings  # noqa: F401  (re-exported: settings files import it from here)








@dataclass(frozen=True, kw_only=True)
class DatabaseSettings:
    """The relational database (PostgreSQL by default)."""

    instance_class: str
    allocated_storage_gb: int
    max_allocated_storage_gb: int = 0
    """Storage autoscaling ceiling. Defaults to 0: no autoscaling."""
    multi_az: bool
    """Instances: a synchronous standby in the second AZ. Aurora: see ``aurora_reader_count``."""
    backup_retention_days: int
    """Automated backups, 0 to 35 days (RDS's range); Aurora 1 to 35 (it always keeps backups)."""
    port: int | None = None
    """Listener port. Defaults to the engine's: 5432 for PostgreSQL, 3306 for MySQL and Aurora MySQL."""
    engine: DatabaseEngine = DatabaseEngine.POSTGRES
    """Defaults to PostgreSQL (SPEC §3); MySQL and Aurora MySQL for the systems of SPEC §5."""
    engine_version: str | None = None
    """Defaults to the engine's current default: PostgreSQL ``16``, MySQL ``8.4`` (newest minors,
    upgraded automatically), Aurora MySQL ``8.0.mysql_aurora.3.08.2`` (Aurora needs a full version).
    A major on RDS Extended Support (PostgreSQL 13, MySQL 8.0) is built, with a note at synth. A minor
    newer than the dated table in ``modules/aws_limits.py`` is refused (see the next field)."""
    allow_unlisted_engine_version: bool = False
    """The explicit override for a minor version RDS released after the table in
    ``modules/aws_limits.py`` was written (check it with ``aws rds describe-db-engine-versions``).
    Defaults to off: a version the table does not list is refused."""
    database_name: str | None = None
    """Initial database. Defaults to the project name with ``-`` as ``_`` (``codemate``)."""
    master_username: str = "dbadmin"
    """Master user; its password is generated and kept by RDS in Secrets Manager, never set here."""
    deletion_protection: bool = True
    """Refuse to delete the database. Defaults to on; an environment that must be torn down in
    one ``destroy`` (dev) turns it off. prod may not, unless ``allow_unprotected_prod``."""
    final_snapshot: bool = True
    """Snapshot ``<project>-db-final-<env>`` when the database is destroyed. Defaults to on;
    off means ``skip_final_snapshot`` (dev). prod may not, unless ``allow_unprotected_prod``."""
    allow_unprotected_prod: bool = False
    """The explicit override that lets a production environment run without deletion protection
    or final snapshot. Defaults to off: validation refuses such a prod."""
    performance_insights: bool = False
    """Performance Insights (Database Insights standard mode). Defaults to off; validation refuses
    it on classes the engine does not offer it for (MySQL micro/small, Aurora MySQL t3/t4g small)."""
    performance_insights_retention_days: int = 7
    """7 (free), a multiple of 31 up to 713, or 731. Defaults to 7."""
    enhanced_monitoring_interval: int = 0
    """Seconds between Enhanced Monitoring (OS metrics) samples: 0 (off), 1, 5, 10, 15, 30 or 60.
    Defaults to 0: off (CloudWatch's standard RDS metrics only)."""
    log_exports: tuple[str, ...] | None = None
    """Logs exported to CloudWatch Logs. Defaults to the engine's useful set: PostgreSQL
    ``postgresql`` + ``upgrade``; MySQL and Aurora MySQL ``error`` + ``slowquery``.
    ``()`` exports none."""
    backup_window: str = "18:00-19:00"
    """Daily backup window, UTC. Defaults to 18:00-19:00 UTC = 03:00-04:00 KST (SPEC §3)."""
    maintenance_window: str = "sun:20:00-sun:21:00"
    """Weekly maintenance window, UTC, after the backup window. Defaults to Monday 05:00 KST."""
    aurora_reader_count: int | None = None
    """Aurora only: reader instances beside the writer, each in the next AZ. Defaults to 1 when
    ``multi_az`` (writer + 1 reader, SPEC §5) else 0. Setting it for another engine is an error."""

    @property
    def effective_port(self) -> int:
        return self.port if self.port is not None else ENGINES[self.engine].port

    @property
    def effective_engine_version(self) -> str:
        return self.engine_version if self.engine_version is not None else ENGINES[self.engine].default_version

    @property
    def effective_log_exports(self) -> tuple[str, ...]:
        return self.log_exports if self.log_exports is not None else ENGINES[self.engine].default_log_exports

    @property
    def effective_reader_count(self) -> int:
        if self.aurora_reader_count is not None:
            return self.aurora_reader_count
        return 1 if self.multi_az else 0


@dataclass(frozen=True, kw_only=True)
class CacheSettings:
    """The Redis replication group."""

    node_type: str
    num_cache_clusters: int
    """1 = a single primary; 2 or more = primary + replicas with automatic failover."""
    snapshot_retention_days: int
    """Daily snapshots kept, 0 to 35 days (0 = no snapshots)."""
    port: int = 6379
    """Listener port. Defaults to Redis's 6379."""
    engine_version: str = "7.1"
    """Redis OSS version. Defaults to 7.1 (slow and engine log delivery need 6.2 or later)."""
    auth_token_secret_name: str | None = None
    """Secrets Manager secret holding the AUTH token. Defaults to ``<project>/<env>/redis-auth``,
    created by the stack and filled with a token Secrets Manager generates. Name an existing
    secret (its value set out of band, 16-128 characters) to manage the token yourself."""
    auth_token_version: int = 1
    """Generated token only: bump to write a new token (ElastiCache rotates to it, keeping the
    old one valid until the next change). Defaults to 1."""
    auth_token_recovery_window_days: int = 30
    """Days a deleted token secret can be restored (0 = delete at once, so a torn-down
    environment can be recreated under the same name; else 7-30). Defaults to 30."""
    snapshot_window: str = "18:00-19:00"
    """Daily snapshot window, UTC. Defaults to 03:00-04:00 KST, like the database backups."""
    maintenance_window: str = "sun:20:00-sun:21:00"
    """Weekly maintenance window, UTC. Defaults to Monday 05:00-06:00 KST."""


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
