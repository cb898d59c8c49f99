"""Database engines the RDS module builds, and what each of them offers.

Pure data (no framework import): the settings schema uses :class:`DatabaseEngine`,
validation uses the problem functions, the construct uses the rest. Each
table is small on purpose and says where its facts come from; add a row when
an environment needs something missing, not a guess.

| engine        | resource                          | port | TLS parameter                   | family           |
|---------------|-----------------------------------|------|---------------------------------|------------------|
| postgres      | ``aws_db_instance``               | 5432 | ``rds.force_ssl = 1``           | ``postgres<N>``  |
| mysql         | ``aws_db_instance``               | 3306 | ``require_secure_transport = 1``| ``mysql8.0/8.4`` |
| aurora-mysql  | ``aws_rds_cluster`` + instances   | 3306 | ``require_secure_transport = ON`` (cluster group) | ``aurora-mysql8.0`` |

RDS reports ``require_secure_transport`` as ``1`` on MySQL instances and as
``ON`` on Aurora MySQL clusters; writing the form AWS stores avoids a
perpetual diff in ``terraform plan``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class DatabaseEngine(Enum):
    """The relational engines the database module can build."""

    POSTGRES = "postgres"
    """RDS for PostgreSQL, one ``aws_db_instance`` (Multi-AZ standby when ``multi_az``)."""
    MYSQL = "mysql"
    """RDS for MySQL, one ``aws_db_instance`` (Multi-AZ standby when ``multi_az``)."""
    AURORA_MYSQL = "aurora-mysql"
    """Aurora MySQL: an ``aws_rds_cluster`` with a writer and reader ``aws_rds_cluster_instance``s."""


@dataclass(frozen=True)
class EngineSpec:
    label: str
    port: int
    default_version: str
    version_pattern: re.Pattern[str]
    """What ``engine_version`` must look like; group 1 is the major version."""
    supported_majors: tuple[str, ...]
    """Majors this module builds; anything older is refused."""
    extended_support: dict[str, str]
    """Supported majors past RDS standard support, with the date RDS Extended Support (billed
    per vCPU-hour) began. Accepted (a system may ask for MySQL 8.0) with a note at synth."""
    tls_parameter: tuple[str, str]
    log_exports: tuple[str, ...]
    """Log types AWS accepts in ``enabled_cloudwatch_logs_exports`` for this engine."""
    default_log_exports: tuple[str, ...]
    cluster: bool
    """Aurora: a cluster with instances instead of one DB instance."""

    def family(self, major: str) -> str:
        """The parameter group family, e.g. ``postgres16``, ``mysql8.0``, ``aurora-mysql8.0``."""
        prefix = {"PostgreSQL": "postgres", "MySQL": "mysql", "Aurora MySQL": "aurora-mysql"}[self.label]
        return f"{prefix}{major}"


ENGINES: dict[DatabaseEngine, EngineSpec] = {
    DatabaseEngine.POSTGRES: EngineSpec(
        label="PostgreSQL", port=5432, default_version="16",
        version_pattern=re.compile(r"^(\d{2})(?:\.\d+)?$"),
        supported_majors=("13", "14", "15", "16", "17"),
        extended_support={"13": "2026-03-01"},
        tls_parameter=("rds.force_ssl", "1"),
        log_exports=("postgresql", "upgrade", "iam-db-auth-error"),
        default_log_exports=("postgresql", "upgrade"),
        cluster=False,
    ),
    DatabaseEngine.MYSQL: EngineSpec(
        label="MySQL", port=3306, default_version="8.4",
        version_pattern=re.compile(r"^(8\.[04]|5\.7)(?:\.\d+)?$"),
        supported_majors=("8.0", "8.4"),
        extended_support={"8.0": "2026-08-01"},
        tls_parameter=("require_secure_transport", "1"),
        # "audit" also exists for RDS MySQL but needs the MARIADB_AUDIT_PLUGIN option group,
        # which this module does not create: it is refused rather than exported empty.
        log_exports=("error", "general", "slowquery", "iam-db-auth-error"),
        default_log_exports=("error", "slowquery"),
        cluster=False,
    ),
    DatabaseEngine.AURORA_MYSQL: EngineSpec(
        label="Aurora MySQL", port=3306, default_version="8.0.mysql_aurora.3.08.2",
        version_pattern=re.compile(r"^(8\.0|5\.7)\.mysql_aurora\.\d+\.\d{2}\.\d+$"),
        supported_majors=("8.0",),
        extended_support={},
        tls_parameter=("require_secure_transport", "ON"),
        log_exports=("audit", "error", "general", "instance", "slowquery", "iam-db-auth-error"),
        default_log_exports=("error", "slowquery"),
        cluster=True,
    ),
}

# MySQL-family parameters that make an exported log type actually produce lines
# (RDS MySQL writes logs to a table unless log_output=FILE; slow and general logs are off by default).
MYSQL_LOG_PARAMETERS: dict[str, tuple[tuple[str, str], ...]] = {
    "slowquery": (("slow_query_log", "1"), ("long_query_time", "2")),
    "general": (("general_log", "1"),),
    "audit": (("server_audit_logging", "1"),),
}

# -- instance classes the engines offer ------------------------------------
# Source: "Supported DB engines for DB instance classes" in the RDS and Aurora user guides.
# Aurora MySQL runs on burstable classes from medium up (t3/t4g medium and large) and on
# memory-optimised r-classes; it offers no m-classes and nothing below medium.
_AURORA_BURSTABLE_SIZES = ("medium", "large")
_AURORA_FAMILIES = ("t3", "t4g", "r5", "r6g", "r6i", "r7g", "r7i", "r8g")
# Graviton classes (t4g, m6g, r6g, ...) need PostgreSQL 12.7+/13.3+ or MySQL 8.0.23+: every major
# in ``supported_majors`` qualifies, and older majors are refused by version_problem first.

# Performance Insights / Database Insights is not offered on these classes
# (RDS user guide "DB engine, Region, and instance class support for Database Insights").
_NO_PERFORMANCE_INSIGHTS: dict[DatabaseEngine, re.Pattern[str] | None] = {
    DatabaseEngine.POSTGRES: None,  # offered on every class
    DatabaseEngine.MYSQL: re.compile(r"^db\.(t2|t3|t4g)\.(micro|small)$"),
    DatabaseEngine.AURORA_MYSQL: re.compile(r"^db\.(t2\.|t3\.|t4g\.(micro|small)$)"),
}

PERFORMANCE_INSIGHTS_RETENTION_DAYS = (7, *(31 * m for m in range(1, 24)), 731)


def major_version(engine: DatabaseEngine, version: str) -> str | None:
    """The major version of ``version`` (``"16"``, ``"8.0"``), or ``None`` if it is malformed."""
    match = ENGINES[engine].version_pattern.match(version)
    return match.group(1) if match else None


def version_problem(engine: DatabaseEngine, version: str) -> tuple[str, str] | None:
    """``(problem, fix)`` if ``version`` is not a supported version of ``engine``."""
    spec = ENGINES[engine]
    major = major_version(engine, version)
    if major is None:
        return (f"not a {spec.label} engine version",
                f"write it like '{spec.default_version}' (the default), or leave it out")
    if major not in spec.supported_majors:
        return (f"{spec.label} {major} is not a major this module builds (past support, or unknown here)",
                f"use one of {', '.join(spec.supported_majors)}; add a major to modules/database/engines.py "
                "only once RDS supports it")
    return None


def support_note(engine: DatabaseEngine, version: str) -> str | None:
    """A note for the synth summary if ``version`` runs on (billed) RDS Extended Support."""
    spec = ENGINES[engine]
    major = major_version(engine, version)
    if major in spec.extended_support:
        return (f"database: {spec.label} {major} is on RDS Extended Support since "
                f"{spec.extended_support[major]} (billed per vCPU-hour); plan the upgrade to "
                f"{spec.supported_majors[-1]}")
    return None


def instance_class_problem(engine: DatabaseEngine, instance_class: str) -> tuple[str, str] | None:
    """``(problem, fix)`` if ``engine`` does not offer ``instance_class`` (a known, well-formed class)."""
    _db, family, size = instance_class.split(".")
    if engine is DatabaseEngine.AURORA_MYSQL:
        if family not in _AURORA_FAMILIES:
            return (f"Aurora MySQL does not offer the db.{family} family",
                    "use db.t3.medium / db.t4g.medium (smallest) or an r-class such as db.r6g.large")
        if family in ("t3", "t4g") and size not in _AURORA_BURSTABLE_SIZES:
            return (f"Aurora MySQL offers burstable classes from medium up, not {size}",
                    f"use db.{family}.medium or db.{family}.large")
    return None


def performance_insights_problem(engine: DatabaseEngine, instance_class: str) -> tuple[str, str] | None:
    """``(problem, fix)`` if Performance Insights is not offered for ``engine`` on ``instance_class``."""
    unsupported = _NO_PERFORMANCE_INSIGHTS[engine]
    if unsupported is not None and unsupported.match(instance_class):
        return (f"{ENGINES[engine].label} offers no Performance Insights on {instance_class}",
                "turn performance_insights off or choose a larger class")
    return None


def log_export_problem(engine: DatabaseEngine, log: str) -> tuple[str, str] | None:
    """``(problem, fix)`` if ``engine`` cannot export ``log`` to CloudWatch Logs."""
    spec = ENGINES[engine]
    if log in spec.log_exports:
        return None
    if engine is DatabaseEngine.MYSQL and log == "audit":
        return ("RDS MySQL exports 'audit' only with the MARIADB_AUDIT_PLUGIN option group, "
                "which this module does not create", f"use {', '.join(spec.log_exports)}")
    return (f"{spec.label} does not export a '{log}' log", f"use {', '.join(spec.log_exports)}")
