"""The typed settings schema: what one environment may say, and nothing else.

The per-environment files (``dev.py``, ``staging.py``, ``prod.py``) build
one :class:`EnvironmentSettings` each from these classes and hold values
only. :func:`environments.validation.validate` checks them before any
construct is built. Every optional field documents what leaving it out does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from modules.networking.options import NatMode


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
    """VPC flow logs (all traffic) to a KMS-encrypted CloudWatch log group. Defaults to on."""
    flow_log_retention_days: int | None = None
    """Retention of the flow-log group (a CloudWatch value). Defaults to the environment's
    ``log_retention_days``. Flow logs are the network's audit trail: prod keeps them a year."""


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
    backup_retention_days: int
    port: int = 5432
    """Listener port. Defaults to PostgreSQL's 5432."""


@dataclass(frozen=True, kw_only=True)
class CacheSettings:
    """The Redis replication group."""

    node_type: str
    num_cache_clusters: int
    """1 = a single primary; 2 or more = primary + replicas with automatic failover."""
    snapshot_retention_days: int
    port: int = 6379
    """Listener port. Defaults to Redis's 6379."""


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
