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
    image_repository: str | None = None
    """ECR repository name without the environment. Defaults to ``<project>-<name>``; the
    environment is always appended (``codemate-frontend-dev``) because environments may share
    an account."""
    image_tag: str = "bootstrap"
    """Image tag of the task definition Terraform registers. Push an image with this tag before
    the first apply; afterwards CI/CD registers revisions with its own tags and Terraform ignores
    them. Defaults to ``bootstrap`` (tags are immutable, so never ``latest``)."""
    path_patterns: tuple[str, ...] = ()
    """Listener path patterns routed to this service (at most 5, e.g. ``/api/*``). Defaults to
    none: the service is the listener's default action (exactly one load-balanced service has none)."""
    listener_priority: int | None = None
    """Priority of the listener rule of ``path_patterns`` (1-50000, lower is evaluated first;
    unique per environment). Required with ``path_patterns``; defaults to none (no rule)."""
    load_balanced: bool = True
    """Behind the load balancer (target group, listener rule or default action). Defaults to on;
    off for an internal service reached through ``discovery_name``."""
    cpu_scaling_target: int | None = 70
    """Target-tracking goal for average CPU (%). Defaults to 70; ``None`` adds no CPU policy."""
    memory_scaling_target: int | None = None
    """Target-tracking goal for average memory (%). Defaults to none: no memory policy."""
    environment: dict[str, str] = field(default_factory=dict)
    """Plain environment variables of the container. Never secrets (use ``secrets``). Defaults to none."""
    secrets: tuple[SecretReference, ...] = ()
    """Environment variables filled from Secrets Manager when a task starts. Defaults to none."""
    discovery_name: str | None = None
    """Cloud Map name (``<name>.<cluster.discovery_namespace>``) for service-to-service calls; other
    tasks may then reach this service's port. Defaults to none: no registration."""
    assign_public_ip: bool = False
    """Run tasks in the public subnets with a public IP (the no-NAT design). Defaults to off:
    private app subnets, no public IP."""
    fargate_spot: bool = False
    """Run on FARGATE_SPOT (about 70% cheaper, tasks can be interrupted): for non-critical work.
    Defaults to off: on-demand FARGATE."""
    data_tier_access: bool = False
    """Connect the service to the environment's database and Redis: ``DATABASE_HOST``,
    ``DATABASE_PORT``, ``DATABASE_NAME``, ``REDIS_HOST``, ``REDIS_PORT``, ``REDIS_TLS`` as plain
    values and ``REDIS_AUTH_TOKEN`` from its Secrets Manager secret (the database credentials come
    from the ``database`` secret, an app user — never the RDS master). Defaults to off."""
    files_bucket_access: bool = False
    """Task role may get/put/delete objects in the files bucket and list it. Defaults to off: no S3 access."""
    container_health_check: str | None = None
    """Shell command of the container's Docker health check (``CMD-SHELL``); its image must have
    the tool it calls. Defaults to none: the target group's health check alone decides."""
    health_check_grace_seconds: int = 60
    """Seconds a new task may fail load-balancer health checks while it starts. Defaults to 60."""


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
    """Retention of every CloudWatch log group of the environment (AWS's allowed values)."""
    native_state_lock: bool = False
    """Also lock state with Terraform's S3 lock file (``use_lockfile``, Terraform >= 1.10)
    beside the DynamoDB table, for teams migrating off DynamoDB. Defaults to off."""
    extra_tags: dict[str, str] = field(default_factory=dict)
    """Tags added to the provider's default tags. Defaults to none."""
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
class SecretReference:
    """One environment variable of a container, filled from Secrets Manager when the task starts."""

    variable: str
    """Name of the environment variable in the container, e.g. ``DATABASE_PASSWORD``."""
    secret: str
    """Short name of a secret of ``secrets.names`` (``database`` is ``<project>/<env>/database``)."""
    json_key: str | None = None
    """Key of a JSON secret (``arn:...:secret:name:key::``). Defaults to none: the whole secret string."""


@dataclass(frozen=True, kw_only=True)
class SecretsSettings:
    """Secret containers ``<project>/<env>/<name>``; their values are set out of band, never here."""

    names: tuple[str, ...] = ()
    """Short names of the secrets, e.g. ``("database", "nextauth")``. Defaults to none."""
    recovery_window_days: int = 30
    """Days a deleted secret can be restored: 0 (delete at once: dev only) or 7-30. Defaults to 30."""
    customer_managed_key: bool = True
    """Encrypt with a KMS key of the environment (rotated yearly; about 1 USD/month). Off uses
    the AWS-managed key ``aws/secretsmanager``. Defaults to on."""


@dataclass(frozen=True, kw_only=True)
class LoadBalancerSettings:
    """The internet-facing application load balancer, its TLS certificate and DNS name."""

    domain: str | None = None
    """Public Route 53 hosted zone, e.g. ``codemate.example.com``: HTTPS with a DNS-validated
    wildcard certificate, HTTP redirects. Defaults to none: HTTP only, no certificate, no record."""
    host_name: str | None = None
    """Host name of the app, one label below ``domain``. Defaults to ``<project>-<env>.<domain>``."""
    deletion_protection: bool = False
    """Refuse to delete the load balancer. Defaults to off."""
    idle_timeout_seconds: int = 60
    """Connection idle timeout (1-4000; long for WebSockets). Defaults to AWS's 60."""
    deregistration_delay_seconds: int = 300
    """Time a stopping task keeps serving open connections (0-3600). Defaults to AWS's 300."""
    stickiness: bool = False
    """Load-balancer cookie stickiness (one day) on every target group. Defaults to off."""
    ssl_policy: str = "ELBSecurityPolicy-TLS13-1-2-2021-06"
    """TLS policy of the HTTPS listener. Defaults to TLS 1.3 and 1.2 only."""
    access_logs: bool = True
    """Access logs to the logs bucket (needs ``storage``). Defaults to on."""
    waf: bool = True
    """AWS WAF web ACL on the load balancer: AWS managed rule groups (core rule set, known bad
    inputs, IP reputation), CloudWatch metrics, request log kept a year (about 5 USD/month for
    the web ACL and 1 USD per rule group, plus 0.60 USD per million requests). Defaults to on."""


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
class ClusterSettings:
    """The ECS cluster of the environment (FARGATE and FARGATE_SPOT capacity)."""

    container_insights: bool = True
    """CloudWatch Container Insights (per-task metrics; billed as custom metrics). Defaults to on."""
    discovery_namespace: str | None = None
    """Private DNS namespace of services with a ``discovery_name``. Defaults to
    ``<env>.<project>.internal``; created only when a service has a discovery name."""


@dataclass(frozen=True, kw_only=True)
class MonitoringSettings:
    """CloudWatch alarms to an encrypted SNS topic, and one dashboard (SPEC §3 "Monitoring")."""

    alarm_email: str | None = None
    """Address subscribed to the alarm topic (AWS mails a confirmation link first). Defaults to
    none: the topic has no subscriber until one is added out of band (e.g. a chat webhook)."""
    ecs_cpu_percent: int = 80
    """ECS service average CPU (%) above which its alarm fires (1-99). Defaults to 80."""
    ecs_cpu_minutes: int = 5
    """Consecutive minutes CPU must stay above ``ecs_cpu_percent`` (1-1440). Defaults to 5."""
    unhealthy_host_minutes: int = 2
    """Consecutive minutes with an unhealthy target before a target group's alarm fires (1-1440).
    Defaults to 2."""
    target_5xx_per_minute: int = 10
    """5XX responses of a target group's targets in one minute above which its alarm fires (0 or
    more; 0 alarms on any 5XX). Defaults to 10."""
    database_connections_percent: int = 80
    """Database connections, as % of the instance's ``max_connections``, above which the alarm
    fires (1-99). Defaults to 80."""
    database_max_connections: int | None = None
    """The database's ``max_connections`` when its parameter group sets one. Defaults to the
    engine's default for the instance class, derived from its memory
    (``modules/database/max_connections.py``)."""


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
