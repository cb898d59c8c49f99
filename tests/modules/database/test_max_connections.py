"""modules/database/max_connections: RDS's default max_connections, derived from the class's memory."""

from __future__ import annotations

from enum import Enum

import pytest

from modules.database.instance_classes import RDS_INSTANCE_CLASS_MEMORY_GIB
from modules.database.max_connections import (
    GIB,
    MIB,
    default_max_connections,
    estimated_memory_bytes,
    instance_class_memory_bytes,
)


def test_postgres_divides_the_instance_memory_by_9531392():
    # GIVEN db.t4g.micro (1 GiB) and db.t4g.small (2 GiB): DBInstanceClassMemory estimated as
    # nominal - 256 MiB - 2.5 %
    micro = int(GIB - 256 * MIB - 0.025 * GIB)
    small = int(2 * GIB - 256 * MIB - 0.05 * GIB)
    # THEN PostgreSQL's default is LEAST(memory / 9531392, 5000)
    assert default_max_connections("postgres", "db.t4g.micro") == micro // 9531392 == 81
    assert default_max_connections("postgres", "db.t4g.small") == small // 9531392 == 191


def test_postgres_is_capped_at_5000_connections():
    # db.r6g.4xlarge (128 GiB) would give about 14000 without the cap
    assert default_max_connections("postgres", "db.r6g.4xlarge") == 5000


def test_mysql_divides_the_instance_memory_by_12582880_without_a_cap():
    assert default_max_connections("mysql", "db.t4g.micro") == instance_class_memory_bytes("db.t4g.micro") // 12582880
    assert default_max_connections("mysql", "db.t4g.micro") == 61
    assert default_max_connections("mysql", "db.r6g.4xlarge") > 5000


@pytest.mark.parametrize("instance_class, expected", [
    ("db.t3.medium", 90), ("db.t4g.medium", 90), ("db.r5.large", 1000), ("db.r6g.large", 1000),
    ("db.r6g.xlarge", 2000), ("db.r7g.2xlarge", 3000), ("db.r6i.4xlarge", 4000),
])
def test_aurora_mysql_uses_the_documented_default_per_class(instance_class, expected):
    assert default_max_connections("aurora-mysql", instance_class) == expected


def test_the_estimated_instance_memory_is_below_the_nominal_memory_of_every_known_class():
    for instance_class, gib in RDS_INSTANCE_CLASS_MEMORY_GIB.items():
        assert 0 < instance_class_memory_bytes(instance_class) < gib * GIB


def test_derived_limits_stay_below_published_measurements():
    # Values RDS instances reported for SHOW max_connections (module docstring): the derived limit
    # must never exceed them, or an 80 % alarm could sit above the real limit.
    measured = [  # (engine, nominal GiB, bytes per connection, measured max_connections)
        ("postgres", 2, 9531392, 198), ("postgres", 4, 9531392, 413), ("postgres", 8, 9531392, 856),
        ("postgres", 15.25, 9531392, 1660), ("mysql", 1, 12582880, 66), ("mysql", 2, 12582880, 150),
        ("mysql", 4, 12582880, 312), ("mysql", 8, 12582880, 648), ("mysql", 16, 12582880, 1320),
    ]
    for engine, gib, per_connection, real in measured:
        estimate = estimated_memory_bytes(gib) // per_connection
        assert 0.9 * real < estimate <= real, (engine, gib, estimate, real)


def test_an_engine_enum_member_is_accepted_like_its_value():
    class Engine(Enum):
        POSTGRES = "postgres"

    assert default_max_connections(Engine.POSTGRES, "db.t4g.small") == default_max_connections(
        "postgres", "db.t4g.small")


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="unknown database engine 'oracle'"):
        default_max_connections("oracle", "db.t4g.micro")


def test_unknown_instance_class_is_refused_with_the_file_to_extend():
    with pytest.raises(ValueError, match="db.x9.huge.*instance_classes.py"):
        default_max_connections("postgres", "db.x9.huge")


@pytest.mark.parametrize("instance_class", ["db.t4g.micro", "db.m5.large", "db.t4g.2xlarge"])
def test_aurora_class_without_a_documented_default_is_refused(instance_class):
    with pytest.raises(ValueError, match="no documented Aurora MySQL max_connections"):
        default_max_connections("aurora-mysql", instance_class)


@pytest.mark.parametrize("instance_class, documented", [
    ("db.t4g.large", 135), ("db.t3.large", 135), ("db.r6g.8xlarge", 5000), ("db.r5.12xlarge", 6000),
    ("db.r6g.16xlarge", 6000), ("db.r5.24xlarge", 7000), ("db.r7g.large", 1000),
])
def test_current_aurora_classes_have_the_documented_default(instance_class, documented):
    # Aurora user guide, "Maximum connections to an Aurora MySQL DB instance" (issue 16: these were refused)
    assert default_max_connections("aurora-mysql", instance_class) == documented
