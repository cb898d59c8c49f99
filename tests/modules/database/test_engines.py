"""The engine table agrees with itself: every default passes the engine's own rules."""

from __future__ import annotations

import pytest

from modules.database.engines import (
    ENGINES,
    DatabaseEngine,
    instance_class_problem,
    log_export_problem,
    major_version,
    performance_insights_problem,
    support_note,
    version_problem,
)


@pytest.mark.parametrize("engine", list(DatabaseEngine))
def test_default_version_and_log_exports_of_every_engine_are_accepted(engine):
    spec = ENGINES[engine]
    assert version_problem(engine, spec.default_version) is None
    assert [log_export_problem(engine, log) for log in spec.default_log_exports] == [None] * len(
        spec.default_log_exports)


@pytest.mark.parametrize(("engine", "family"), [
    (DatabaseEngine.POSTGRES, "postgres16"),
    (DatabaseEngine.MYSQL, "mysql8.4"),
    (DatabaseEngine.AURORA_MYSQL, "aurora-mysql8.0"),
])
def test_parameter_group_family_comes_from_the_default_major(engine, family):
    spec = ENGINES[engine]
    assert spec.family(major_version(engine, spec.default_version)) == family


@pytest.mark.parametrize(("engine", "instance_class", "offered"), [
    (DatabaseEngine.POSTGRES, "db.t4g.micro", True),
    (DatabaseEngine.MYSQL, "db.t3.micro", True),
    (DatabaseEngine.AURORA_MYSQL, "db.t3.medium", True),
    (DatabaseEngine.AURORA_MYSQL, "db.t4g.large", True),
    (DatabaseEngine.AURORA_MYSQL, "db.r6g.large", True),
    (DatabaseEngine.AURORA_MYSQL, "db.t4g.small", False),
    (DatabaseEngine.AURORA_MYSQL, "db.t3.xlarge", False),
    (DatabaseEngine.AURORA_MYSQL, "db.m6g.large", False),
])
def test_instance_classes_each_engine_offers(engine, instance_class, offered):
    assert (instance_class_problem(engine, instance_class) is None) is offered


@pytest.mark.parametrize(("engine", "instance_class", "offered"), [
    (DatabaseEngine.POSTGRES, "db.t4g.micro", True),
    (DatabaseEngine.MYSQL, "db.t4g.small", False),
    (DatabaseEngine.MYSQL, "db.t4g.medium", True),
    (DatabaseEngine.AURORA_MYSQL, "db.t3.medium", False),
    (DatabaseEngine.AURORA_MYSQL, "db.t4g.medium", True),
])
def test_performance_insights_availability_by_engine_and_class(engine, instance_class, offered):
    assert (performance_insights_problem(engine, instance_class) is None) is offered


@pytest.mark.parametrize(("engine", "version", "extended"), [
    (DatabaseEngine.MYSQL, "8.0", True),
    (DatabaseEngine.MYSQL, "8.0.42", True),
    (DatabaseEngine.MYSQL, "8.4", False),
    (DatabaseEngine.POSTGRES, "13", True),
    (DatabaseEngine.POSTGRES, "16", False),
    (DatabaseEngine.AURORA_MYSQL, "8.0.mysql_aurora.3.08.2", False),
])
def test_majors_past_standard_support_are_noted_as_extended_support(engine, version, extended):
    note = support_note(engine, version)
    assert (note is not None) is extended
    if extended:
        assert "RDS Extended Support" in note and "upgrade" in note
