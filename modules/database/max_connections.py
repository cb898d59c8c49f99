"""The default ``max_connections`` of an RDS engine on an instance class, derived from its memory.

RDS sets ``max_connections`` in its default parameter groups with a formula over
``DBInstanceClassMemory`` (Amazon RDS user guide, "Quotas and constraints for
Amazon RDS" > "Maximum number of database connections",
https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.MaxConnections):

* PostgreSQL: ``LEAST({DBInstanceClassMemory/9531392}, 5000)``
* MySQL: ``{DBInstanceClassMemory/12582880}``

Aurora MySQL documents its defaults as a table per instance class (Aurora user
guide, "Managing performance and scaling for Amazon Aurora MySQL" > "Maximum
connections to an Aurora MySQL DB instance",
https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Managing.Performance.html):
:data:`AURORA_MYSQL_MAX_CONNECTIONS` copies it for the classes the project knows.

``DBInstanceClassMemory`` is *not* the nominal memory of the class: RDS subtracts
what the operating system and its own processes reserve, and AWS does not
publish that amount. Using the nominal memory would overestimate the limit —
on db.t4g.micro (1 GiB) the formula gives 112 for PostgreSQL, while such an
instance reports about 87 — so an alarm at 80 % of it (90) could never fire
before connections are refused. :func:`instance_class_memory_bytes` therefore
estimates it as the nominal memory minus 256 MiB minus 2.5 % of the memory.
Checked against the values instances report (``SHOW max_connections``) as
users have published them (GitHub gists, Server Fault; older t2/m4/r4 classes,
none for Graviton) for PostgreSQL (db.t2.small 198, db.t2.medium 413,
db.t2.large 856, db.r4.large 1660) and MySQL (db.t2.micro 66, db.t2.small 150,
db.t2.medium 312, db.t2.large 648, db.m4.xlarge 1320): the derived value is
0.3-7.6 % *below* each, never above, so an alarm at 80 % of it fires at or somewhat before 80 % of the
real limit. When a parameter group sets its own ``max_connections``, pass that
number instead (``MonitoringOptions.database_max_connections``).
"""

from __future__ import annotations

from enum import Enum

from modules.database.instance_classes import RDS_INSTANCE_CLASS_MEMORY_GIB

MIB = 1024 * 1024
GIB = 1024 * MIB
RESERVED_MIB = 256
"""Fixed part of the memory RDS reserves (estimate, see the module docstring)."""
RESERVED_FRACTION = 0.025
"""Part of the memory RDS reserves that grows with the class (estimate)."""

POSTGRES_BYTES_PER_CONNECTION = 9531392
POSTGRES_MAX_CONNECTIONS_CAP = 5000
MYSQL_BYTES_PER_CONNECTION = 12582880

# Aurora MySQL: the documented default per class size (the table of the Aurora user guide page
# above, as of 2026-11: db.t3/db.t4g medium 90, large 135; db.r5/r6g/... large 1000 up to 24xlarge
# 7000). Burstable classes (db.t3, db.t4g) by size; memory-optimised classes (db.r5, db.r6g, ...)
# by size. Aurora offers nothing else we know of.
AURORA_MYSQL_MAX_CONNECTIONS: dict[str, dict[str, int]] = {
    "burstable": {"small": 45, "medium": 90, "large": 135},
    "memory": {"large": 1000, "xlarge": 2000, "2xlarge": 3000, "4xlarge": 4000, "8xlarge": 5000,
               "12xlarge": 6000, "16xlarge": 6000, "24xlarge": 7000},
}

ENGINES = ("postgres", "mysql", "aurora-mysql")


def engine_name(engine: str | Enum) -> str:
    """``"postgres"`` for ``"postgres"`` or a ``DatabaseEngine.POSTGRES``-style enum member."""
    return engine.value if isinstance(engine, Enum) else engine


def estimated_memory_bytes(nominal_gib: float) -> int:
    """Estimated ``DBInstanceClassMemory`` (bytes) of a class with ``nominal_gib`` GiB of memory."""
    nominal = nominal_gib * GIB
    return int(nominal - RESERVED_MIB * MIB - RESERVED_FRACTION * nominal)


def instance_class_memory_bytes(instance_class: str) -> int:
    """Estimated ``DBInstanceClassMemory`` of ``instance_class`` in bytes (see the module docstring).

    Raises ``KeyError`` for a class missing from ``RDS_INSTANCE_CLASS_MEMORY_GIB``.
    """
    return estimated_memory_bytes(RDS_INSTANCE_CLASS_MEMORY_GIB[instance_class])


def default_max_connections(engine: str | Enum, instance_class: str) -> int:
    """The ``max_connections`` RDS's default parameter group gives ``engine`` on ``instance_class``.

    Raises ``ValueError`` with the fix for an unknown engine, an unknown class, or an Aurora class
    whose default is not documented.
    """
    name = engine_name(engine)
    if name not in ENGINES:
        raise ValueError(f"unknown database engine {name!r}; known: {', '.join(ENGINES)}")
    if instance_class not in RDS_INSTANCE_CLASS_MEMORY_GIB:
        raise ValueError(f"unknown RDS instance class {instance_class!r}: add it with its memory to "
                         "modules/database/instance_classes.py")
    if name == "aurora-mysql":
        _db, family, size = instance_class.split(".")
        kind = "burstable" if family.startswith("t") else "memory" if family.startswith("r") else family
        try:
            return AURORA_MYSQL_MAX_CONNECTIONS[kind][size]
        except KeyError:
            raise ValueError(f"no documented Aurora MySQL max_connections for {instance_class}: add it to "
                             "AURORA_MYSQL_MAX_CONNECTIONS in modules/database/max_connections.py, or set "
                             "monitoring.database_max_connections") from None
    memory = instance_class_memory_bytes(instance_class)
    if name == "postgres":
        return min(memory // POSTGRES_BYTES_PER_CONNECTION, POSTGRES_MAX_CONNECTIONS_CAP)
    return memory // MYSQL_BYTES_PER_CONNECTION
