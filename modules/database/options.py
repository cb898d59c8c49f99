"""Options of the database constructs (RDS / Aurora, ElastiCache Redis, DynamoDB tables), beside
them, with their per-field rules; no framework import (settings files load before jsii starts).

Each ``*_problems`` function yields ``(field, value, problem, fix)`` with ``field`` relative to the
options object; a system's validation adds the path (``database.``) and the environment. Rules
that need more than the object (the environment's name for production protection, the project's
name for the default database name) take it as an argument or stay with the system.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Iterator

from modules.aws_limits import backup_retention_problem, engine_version_problem, storage_ceiling_problem
from modules.database.engines import (
    ENGINES,
    PERFORMANCE_INSIGHTS_RETENTION_DAYS,
    DatabaseEngine,
    instance_class_problem,
    log_export_problem,
    performance_insights_problem,
    version_problem,
)
from modules.database.instance_classes import ELASTICACHE_NODE_TYPE_MEMORY_GIB, RDS_INSTANCE_CLASS_MEMORY_GIB

Problem = tuple[str, object, str, str]


@dataclass(frozen=True, kw_only=True)
class DatabaseOptions:
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
    """Defaults to PostgreSQL; MySQL and Aurora MySQL are the others."""
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
    """Initial database. Defaults to the project name with ``-`` as ``_`` (``my-app`` -> ``my_app``)."""
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
    """Daily backup window, UTC. Defaults to 18:00-19:00 UTC = 03:00-04:00 KST."""
    maintenance_window: str = "sun:20:00-sun:21:00"
    """Weekly maintenance window, UTC, after the backup window. Defaults to Monday 05:00 KST."""
    aurora_reader_count: int | None = None
    """Aurora only: reader instances beside the writer, each in the next AZ. Defaults to 1 when
    ``multi_az`` (writer + 1 reader) else 0. Setting it for another engine is an error."""
    backup_replica: BackupReplicaOptions | None = None
    """A copy of the backups in another region (disaster recovery: a regional outage loses neither the
    database nor its backups). Defaults to none."""

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
class BackupReplicaOptions:
    """Backups of the database kept in a second region. An RDS instance replicates its automated
    backups (snapshots and transaction logs: restorable to any second of the retention there); an
    Aurora cluster is copied daily by AWS Backup to a vault in that region."""

    region: str = "ap-northeast-1"
    """Where the copies are kept. Defaults to Tokyo (ap-northeast-1), the nearest region to Seoul that
    RDS replicates automated backups to."""
    retention_days: int = 7
    """Days the copies are kept (1-35). Defaults to 7: any point of the last week, well within an
    RPO of 24 hours."""
    kms_key_arn: str | None = None
    """A key in ``region`` that encrypts the copies. Defaults to a key the stack creates there."""


def backup_replica_problems(r: BackupReplicaOptions, source_region: str | None = None) -> Iterator[Problem]:
    from modules.aws_limits import region_problem

    if problem := region_problem(r.region):
        yield ("region", r.region, *problem)
    elif source_region is not None and r.region == source_region:
        yield ("region", r.region, "the copy is in the database's own region",
               "choose another region, e.g. 'ap-northeast-1'")
    if not 1 <= r.retention_days <= 35:
        yield ("retention_days", r.retention_days, "RDS keeps replicated backups 1 to 35 days", "use e.g. 7")
    if r.kms_key_arn is not None and not re.match(rf"^arn:aws[a-z-]*:kms:{re.escape(r.region)}:\d{{12}}:key/", r.kms_key_arn):
        yield ("kms_key_arn", r.kms_key_arn, f"not a KMS key ARN in {r.region}",
               "give a key of the backup region, or leave it out")


@dataclass(frozen=True, kw_only=True)
class CacheOptions:
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


# -- per-field rules ----------------------------------------------------------------------------

ENHANCED_MONITORING_INTERVALS = (0, 1, 5, 10, 15, 30, 60)
REDIS_VERSIONS = ("6.2", "7.0", "7.1")
_RDS_CLASS = re.compile(r"^db\.[a-z][a-z0-9-]*\.[a-z0-9]+$")
_CACHE_NODE = re.compile(r"^cache\.[a-z][a-z0-9]*\.[a-z0-9]+$")
_DB_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
_DB_USER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,15}$")
_RESERVED_DB_USERS = frozenset({"rdsadmin", "rdsrepladmin", "rds_superuser", "postgres", "root"})
_SECRET_ID = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")
_DAILY_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKLY_WINDOW = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)$"
)
_DAY = 24 * 60
_WEEK = 7 * _DAY


def database_problems(d: DatabaseOptions) -> Iterator[Problem]:
    """Class, storage, backups and port."""
    if not _RDS_CLASS.match(d.instance_class):
        yield ("instance_class", d.instance_class, "malformed RDS instance class",
               "write it as db.<family>.<size>, e.g. 'db.t4g.micro'")
    if d.instance_class not in RDS_INSTANCE_CLASS_MEMORY_GIB:
        yield ("instance_class", d.instance_class, "unknown RDS instance class",
               "use a known class such as 'db.t4g.micro' or add it to modules/database/instance_classes.py")
    if not 20 <= d.allocated_storage_gb <= 65536:
        yield ("allocated_storage_gb", d.allocated_storage_gb, "gp3 storage is 20 to 65536 GB",
               "choose a size from 20 to 65536")
    if d.max_allocated_storage_gb < 0:
        yield ("max_allocated_storage_gb", d.max_allocated_storage_gb, "a negative size",
               "set 0 (no storage autoscaling) or a ceiling above allocated_storage_gb")
    if not ENGINES[d.engine].cluster and (
            problem := storage_ceiling_problem(d.allocated_storage_gb, d.max_allocated_storage_gb)):
        yield ("max_allocated_storage_gb", d.max_allocated_storage_gb, *problem)
    if problem := backup_retention_problem(d.backup_retention_days, aurora=ENGINES[d.engine].cluster):
        yield ("backup_retention_days", d.backup_retention_days, *problem)
    if not 1150 <= d.effective_port <= 65535:
        yield ("port", d.port, "RDS accepts ports 1150 to 65535",
               f"use e.g. {ENGINES[d.engine].port}, or leave it out for the engine's port")


def database_engine_problems(d: DatabaseOptions, *, project_name: str) -> Iterator[Problem]:
    """Engine version, class for the engine, readers, log exports, Performance Insights, names.
    ``project_name`` gives the default database name."""
    spec = ENGINES[d.engine]
    if problem := version_problem(d.engine, d.effective_engine_version):
        yield ("engine_version", d.effective_engine_version, *problem)
    if not d.allow_unlisted_engine_version and (
            problem := engine_version_problem(d.engine.value, d.effective_engine_version)):
        yield ("engine_version", d.effective_engine_version, *problem)
    if problem := instance_class_problem(d.engine, d.instance_class):
        yield ("instance_class", d.instance_class, *problem)
    if d.engine is not DatabaseEngine.AURORA_MYSQL and d.aurora_reader_count is not None:
        yield ("aurora_reader_count", d.aurora_reader_count, f"{spec.label} is a single instance; readers are an "
               "Aurora setting", "leave it out (multi_az gives this engine its standby)")
    if not 0 <= d.effective_reader_count <= 15:
        yield "aurora_reader_count", d.effective_reader_count, "an Aurora cluster has 0 to 15 readers", "choose 0 to 15"
    if spec.cluster and d.max_allocated_storage_gb:
        yield ("max_allocated_storage_gb", d.max_allocated_storage_gb,
               "Aurora storage grows by itself; it has no autoscaling ceiling", "set 0 or leave it out")
    seen: set[str] = set()
    for i, log in enumerate(d.effective_log_exports):
        if problem := log_export_problem(d.engine, log):
            yield (f"log_exports[{i}]", log, *problem)
        if log in seen:
            yield f"log_exports[{i}]", log, "listed twice", "list each log once"
        seen.add(log)
    if d.performance_insights:
        if problem := performance_insights_problem(d.engine, d.instance_class):
            yield ("performance_insights", True, *problem)
        if d.performance_insights_retention_days not in PERFORMANCE_INSIGHTS_RETENTION_DAYS:
            yield ("performance_insights_retention_days", d.performance_insights_retention_days,
                   "Performance Insights keeps 7 days, a multiple of 31 up to 713, or 731",
                   "use 7 (free), 31, 62, ... or 731")
    name = d.database_name if d.database_name is not None else project_name.replace("-", "_")
    if not _DB_NAME.match(name):
        yield ("database_name", name, "RDS database names are a letter then up to 62 letters, digits or '_'",
               "set database_name, e.g. 'app'")
    if not _DB_USER.match(d.master_username) or d.master_username.lower() in _RESERVED_DB_USERS:
        yield ("master_username", d.master_username, "RDS master users are a letter then up to 15 letters, digits "
               "or '_', and not a name RDS reserves", "use e.g. 'dbadmin'")


def database_monitoring_problems(d: DatabaseOptions) -> Iterator[Problem]:
    if d.enhanced_monitoring_interval not in ENHANCED_MONITORING_INTERVALS:
        yield ("enhanced_monitoring_interval", d.enhanced_monitoring_interval,
               "RDS samples Enhanced Monitoring every 1, 5, 10, 15, 30 or 60 seconds",
               "use 0 (off) or one of 1, 5, 10, 15, 30, 60")


def database_window_problems(d: DatabaseOptions) -> Iterator[Problem]:
    """The daily backup window and the weekly maintenance window outside it (30 minutes each)."""
    yield from _windows(d.backup_window, "backup_window", d.maintenance_window, "maintenance_window", 30)


def cache_problems(c: CacheOptions) -> Iterator[Problem]:
    """Node type, node count, snapshot retention and port."""
    if not _CACHE_NODE.match(c.node_type):
        yield ("node_type", c.node_type, "malformed ElastiCache node type",
               "write it as cache.<family>.<size>, e.g. 'cache.t4g.micro'")
    if c.node_type not in ELASTICACHE_NODE_TYPE_MEMORY_GIB:
        yield ("node_type", c.node_type, "unknown ElastiCache node type",
               "use a known type such as 'cache.t4g.micro' or add it to modules/database/instance_classes.py")
    if not 1 <= c.num_cache_clusters <= 6:
        yield ("num_cache_clusters", c.num_cache_clusters, "a replication group has 1 to 6 nodes",
               "use 1 (single node) or 2-6 (primary + replicas)")
    if not 0 <= c.snapshot_retention_days <= 35:
        yield ("snapshot_retention_days", c.snapshot_retention_days, "ElastiCache keeps snapshots 0 to 35 days",
               "choose 0 to 35")
    if not 1 <= c.port <= 65535:
        yield "port", c.port, "not a TCP port", "use e.g. 6379"


def cache_auth_problems(c: CacheOptions) -> Iterator[Problem]:
    """Engine version and the AUTH token's secret, version and recovery window."""
    if c.engine_version not in REDIS_VERSIONS:
        yield ("engine_version", c.engine_version, "not a Redis OSS version this module supports (log delivery "
               "needs 6.2+)", f"use one of {', '.join(REDIS_VERSIONS)}")
    if c.auth_token_secret_name is not None and not _SECRET_ID.match(c.auth_token_secret_name):
        yield ("auth_token_secret_name", c.auth_token_secret_name, "not a Secrets Manager secret name",
               "use 1-512 characters from letters, digits and /_+=.@-, e.g. 'app/dev/redis-auth'")
    if c.auth_token_version < 1:
        yield ("auth_token_version", c.auth_token_version, "token versions start at 1",
               "use 1, and add 1 to rotate the token")
    if c.auth_token_secret_name is not None and c.auth_token_version != 1:
        yield ("auth_token_version", c.auth_token_version,
               "only a token the stack generates has versions; this one is set out of band",
               "leave auth_token_version out, and rotate by writing a new value to the secret")
    if c.auth_token_recovery_window_days != 0 and not 7 <= c.auth_token_recovery_window_days <= 30:
        yield ("auth_token_recovery_window_days", c.auth_token_recovery_window_days,
               "Secrets Manager keeps a deleted secret 7 to 30 days, or deletes it at once (0)", "choose 0 or 7 to 30")


def cache_window_problems(c: CacheOptions) -> Iterator[Problem]:
    """The daily snapshot window and the weekly maintenance window outside it (60 minutes each)."""
    yield from _windows(c.snapshot_window, "snapshot_window", c.maintenance_window, "maintenance_window", 60)


def _windows(daily_value: str, daily_field: str, weekly_value: str, weekly_field: str,
             minimum: int) -> Iterator[Problem]:
    match = _DAILY_WINDOW.match(daily_value)
    if not match:
        yield daily_field, daily_value, "not a daily window", "write it as hh:mm-hh:mm in UTC, e.g. '18:00-19:00'"
        return
    daily_start, daily_end = (int(match[1]) * 60 + int(match[2]), int(match[3]) * 60 + int(match[4]))
    if (daily_end - daily_start) % _DAY < minimum:
        yield (daily_field, daily_value, f"AWS needs a window of at least {minimum} minutes",
               f"widen it to {minimum} minutes or more")
        return
    match = _WEEKLY_WINDOW.match(weekly_value)
    if not match:
        yield (weekly_field, weekly_value, "not a weekly window",
               "write it as ddd:hh:mm-ddd:hh:mm in UTC, e.g. 'sun:20:00-sun:21:00'")
        return
    start = _DAYS.index(match[1]) * _DAY + int(match[2]) * 60 + int(match[3])
    end = _DAYS.index(match[4]) * _DAY + int(match[5]) * 60 + int(match[6])
    length = (end - start) % _WEEK
    if length < minimum:
        yield (weekly_field, weekly_value, f"AWS needs a window of at least {minimum} minutes",
               f"widen it to {minimum} minutes or more")
        return
    daily_length = (daily_end - daily_start) % _DAY
    for day in range(7):
        other = day * _DAY + daily_start
        if (other - start) % _WEEK < length or (start - other) % _WEEK < daily_length:
            yield (weekly_field, weekly_value, f"overlaps the daily {daily_field}",
                   f"move it outside {daily_field} (AWS refuses overlapping windows)")
            return


# -- DynamoDB tables ----------------------------------------------------------------------------

from modules.project import PRODUCTION_ENVIRONMENTS  # noqa: E402  (tables refuse deletion there unless told otherwise)


class AttributeType(str, Enum):
    """The type of a key attribute (DynamoDB's scalar types)."""

    STRING = "S"
    NUMBER = "N"
    BINARY = "B"


class BillingMode(str, Enum):
    ON_DEMAND = "PAY_PER_REQUEST"
    PROVISIONED = "PROVISIONED"


class StreamView(str, Enum):
    """What each stream record holds."""

    KEYS_ONLY = "KEYS_ONLY"
    NEW_IMAGE = "NEW_IMAGE"
    OLD_IMAGE = "OLD_IMAGE"
    NEW_AND_OLD_IMAGES = "NEW_AND_OLD_IMAGES"


@dataclass(frozen=True, kw_only=True)
class TableKey:
    """A key attribute: its name and type."""

    name: str
    type: AttributeType = AttributeType.STRING
    """Defaults to a string (``S``)."""


@dataclass(frozen=True, kw_only=True)
class TableOptions:
    """A DynamoDB table ``<project>-<name>-<env>``, encrypted with a customer-managed KMS key and with
    point-in-time recovery (both always on, no option)."""

    name: str
    """Short name, e.g. ``orders``; the table is ``<project>-<name>-<env>``."""
    partition_key: TableKey
    sort_key: TableKey | None = None
    """Defaults to none: the partition key alone identifies an item."""
    billing: BillingMode = BillingMode.ON_DEMAND
    """Defaults to on-demand (pay per request, no capacity to plan)."""
    read_capacity: int | None = None
    """Provisioned billing only (and then required): read capacity units, 1 or more."""
    write_capacity: int | None = None
    """Provisioned billing only (and then required): write capacity units, 1 or more."""
    deletion_protection: bool | None = None
    """Refuse to delete the table. Defaults to on in production (``prod``, ``production``) and off
    elsewhere; ``True`` turns it on in any environment. ``False`` in production is refused unless
    ``allow_unprotected_prod``."""
    allow_unprotected_prod: bool = False
    """The explicit override that lets a production table run without deletion protection.
    Defaults to off."""
    ttl_attribute: str | None = None
    """Time to live: the attribute holding each item's expiry (epoch seconds). Defaults to none."""
    stream: StreamView | None = None
    """A DynamoDB stream with this view of each change. Defaults to none."""

    def effective_deletion_protection(self, environment: str) -> bool:
        if self.deletion_protection is not None:
            return self.deletion_protection
        return environment in PRODUCTION_ENVIRONMENTS


_TABLE_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def table_problems(t: TableOptions) -> Iterator[Problem]:
    """Name, keys, billing and capacities, time to live."""
    if not _TABLE_NAME.match(t.name) or len(t.name) > 200:
        yield ("name", t.name, "use lowercase letters, digits and inner hyphens (at most 200)", "e.g. 'orders'")
    keys = [("partition_key", t.partition_key)] + ([("sort_key", t.sort_key)] if t.sort_key else [])
    for field, key in keys:
        if not 1 <= len(key.name.encode()) <= 255:
            yield (f"{field}.name", key.name, "DynamoDB key attribute names are 1 to 255 bytes",
                   "name the attribute, e.g. 'pk'")
        if not isinstance(key.type, AttributeType):
            yield (f"{field}.type", key.type, "key attributes are strings, numbers or binary",
                   "use AttributeType.STRING, NUMBER or BINARY")
    if t.sort_key is not None and t.sort_key.name == t.partition_key.name:
        yield ("sort_key.name", t.sort_key.name, "the sort key is the partition key's attribute",
               "name a different attribute, or leave sort_key out")
    if t.billing is BillingMode.PROVISIONED:
        for field, value in (("read_capacity", t.read_capacity), ("write_capacity", t.write_capacity)):
            if value is None or value < 1:
                yield (field, value, "provisioned billing needs read and write capacity, 1 unit or more",
                       f"set {field}, e.g. 5, or use billing=BillingMode.ON_DEMAND")
    else:
        for field, value in (("read_capacity", t.read_capacity), ("write_capacity", t.write_capacity)):
            if value is not None:
                yield (field, value, "an on-demand table has no provisioned capacity",
                       f"leave {field} out, or use billing=BillingMode.PROVISIONED")
    if t.ttl_attribute is not None and not 1 <= len(t.ttl_attribute.encode()) <= 255:
        yield ("ttl_attribute", t.ttl_attribute, "attribute names are 1 to 255 bytes",
               "name the expiry attribute, e.g. 'expires_at', or leave it out")


def table_protection_problem(t: TableOptions, environment: str) -> Problem | None:
    """``(field, value, problem, fix)`` when a production table would go without deletion protection."""
    if environment in PRODUCTION_ENVIRONMENTS and t.deletion_protection is False and not t.allow_unprotected_prod:
        return ("deletion_protection", False, "a production table must refuse deletion",
                "leave deletion_protection out (on in prod), or set allow_unprotected_prod=True if you really mean it")
    return None
