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


@dataclass(frozen=True, kw_only=True)
class ProjectSettings:
    """Project-wide settings shared by every environment (see ``environments/project.py``)."""

    name: str
    region: str
    availability_zones: tuple[str, ...]
    state_bucket: str
    lock_table: str
    managed_by: str = "cdktf"
    """Value of the ``ManagedBy`` default tag. Defaults to ``cdktf``."""


@dataclass(frozen=True, kw_only=True)
class NetworkSettings:
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
    """VPC flow logs (all traffic) to a CloudWatch log group. Defaults to on."""


@dataclass(frozen=True, kw_only=True)
class ServiceSettings:
    """One Fargate service behind the load balancer."""

    name: str
    port: int
    cpu: int
    memory: int
    health_check_path: str
    desired_count: int
    min_count: int
    max_count: int


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
    """Automated backups, 0 to 35 days (RDS's range)."""
    port: int | None = None
    """Listener port. Defaults to the engine's: 5432 for PostgreSQL, 3306 for MySQL and Aurora MySQL."""
    engine: DatabaseEngine = DatabaseEngine.POSTGRES
    """Defaults to PostgreSQL (SPEC §3); MySQL and Aurora MySQL for the systems of SPEC §5."""
    engine_version: str | None = None
    """Defaults to the engine's current default: PostgreSQL ``16``, MySQL ``8.4`` (newest minors,
    upgraded automatically), Aurora MySQL ``8.0.mysql_aurora.3.08.2`` (Aurora needs a full version).
    A major on RDS Extended Support (PostgreSQL 13, MySQL 8.0) is built, with a note at synth."""
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
    """Retention of every CloudWatch log group of the environment (AWS's allowed values)."""
    native_state_lock: bool = False
    """Also lock state with Terraform's S3 lock file (``use_lockfile``, Terraform >= 1.10)
    beside the DynamoDB table, for teams migrating off DynamoDB. Defaults to off."""
    extra_tags: dict[str, str] = field(default_factory=dict)
    """Tags added to the provider's default tags. Defaults to none."""

    @property
    def state_key(self) -> str:
        return f"{self.name}/terraform.tfstate"
