"""Bad data-tier settings: each is a ConfigError naming environment, field, value and fix,
raised by validation before any construct is built (one test per rule)."""

from __future__ import annotations

from dataclasses import replace

import pytest

import main
from environments import load
from modules.database.engines import DatabaseEngine
from systems.codemate.settings import CodemateSettings
from systems.codemate.settings import validate
from modules.errors import ConfigError


def with_db(env: str, **changes) -> CodemateSettings:
    settings = load(env)
    if "engine" in changes:  # Codemate names PostgreSQL 17; another engine starts from its own default
        changes.setdefault("engine_version", None)
    return replace(settings, database=replace(settings.database, **changes))


def with_cache(env: str, **changes) -> CodemateSettings:
    settings = load(env)
    return replace(settings, cache=replace(settings.cache, **changes))


def rejected(settings: CodemateSettings) -> ConfigError:
    with pytest.raises(ConfigError) as error:
        validate(settings)
    return error.value


def assert_names(error: ConfigError, env: str, field: str, value: object, fix_mentions: str) -> None:
    assert (error.environment, error.field, error.value) == (env, field, value)
    assert fix_mentions in error.fix


# -- instance class the engine does not offer ------------------------------------------
def test_aurora_mysql_refuses_a_class_below_medium():
    error = rejected(with_db("prod", engine=DatabaseEngine.AURORA_MYSQL, instance_class="db.t3.micro",
                             max_allocated_storage_gb=0, performance_insights=False))
    assert_names(error, "prod", "database.instance_class", "db.t3.micro", "db.t3.medium")


def test_aurora_mysql_refuses_a_family_it_does_not_offer():
    error = rejected(with_db("prod", engine=DatabaseEngine.AURORA_MYSQL, instance_class="db.m5.large",
                             max_allocated_storage_gb=0, performance_insights=False))
    assert_names(error, "prod", "database.instance_class", "db.m5.large", "r-class")


# -- engine version --------------------------------------------------------------------
def test_postgresql_major_past_standard_support_is_refused():
    error = rejected(with_db("dev", engine_version="12"))
    assert_names(error, "dev", "database.engine_version", "12", "16")


def test_malformed_engine_version_is_refused():
    error = rejected(with_db("dev", engine_version="sixteen"))
    assert_names(error, "dev", "database.engine_version", "sixteen", "'16'")


def test_aurora_needs_a_full_aurora_version():
    error = rejected(with_db("prod", engine=DatabaseEngine.AURORA_MYSQL, engine_version="8.0",
                             instance_class="db.t3.medium", max_allocated_storage_gb=0, performance_insights=False))
    assert_names(error, "prod", "database.engine_version", "8.0", "8.0.mysql_aurora.3.")


def test_engine_given_as_a_string_is_refused():
    error = rejected(with_db("dev", engine="mysql"))
    assert_names(error, "dev", "database.engine", "mysql", "DatabaseEngine.POSTGRES")


# -- retention --------------------------------------------------------------------------
@pytest.mark.parametrize("days", [36, -1])
def test_backup_retention_outside_0_to_35_days_is_refused(days):
    error = rejected(with_db("staging", backup_retention_days=days))
    assert_names(error, "staging", "database.backup_retention_days", days, "0 to 35")


def test_performance_insights_retention_outside_aws_values_is_refused():
    error = rejected(with_db("prod", performance_insights_retention_days=10))
    assert_names(error, "prod", "database.performance_insights_retention_days", 10, "731")


# -- production protection ---------------------------------------------------------------
def test_prod_without_deletion_protection_is_refused_with_the_override_named():
    error = rejected(with_db("prod", deletion_protection=False))
    assert_names(error, "prod", "database.deletion_protection", False, "allow_unprotected_prod=True")


def test_prod_without_final_snapshot_is_refused_with_the_override_named():
    error = rejected(with_db("prod", final_snapshot=False))
    assert_names(error, "prod", "database.final_snapshot", False, "allow_unprotected_prod=True")


def test_explicit_override_lets_prod_run_unprotected():
    validate(with_db("prod", deletion_protection=False, final_snapshot=False, allow_unprotected_prod=True))


# -- log exports and Performance Insights -------------------------------------------------
def test_log_export_the_engine_does_not_have_is_refused():
    error = rejected(with_db("dev", log_exports=("postgresql", "slowquery")))
    assert_names(error, "dev", "database.log_exports[1]", "slowquery", "postgresql, upgrade")


def test_mysql_audit_export_is_refused_for_want_of_the_option_group():
    error = rejected(with_db("dev", engine=DatabaseEngine.MYSQL, log_exports=("audit",)))
    assert_names(error, "dev", "database.log_exports[0]", "audit", "error, general, slowquery")
    assert "MARIADB_AUDIT_PLUGIN" in error.problem


def test_log_export_listed_twice_is_refused():
    error = rejected(with_db("dev", log_exports=("postgresql", "postgresql")))
    assert_names(error, "dev", "database.log_exports[1]", "postgresql", "once")


def test_performance_insights_on_a_class_that_lacks_it_is_refused():
    error = rejected(with_db("staging", engine=DatabaseEngine.MYSQL, instance_class="db.t4g.micro",
                             performance_insights=True))
    assert_names(error, "staging", "database.performance_insights", True, "larger class")


# -- Aurora-only settings -------------------------------------------------------------------
def test_aurora_readers_on_a_single_instance_engine_are_refused():
    error = rejected(with_db("dev", aurora_reader_count=1))
    assert_names(error, "dev", "database.aurora_reader_count", 1, "multi_az")


def test_more_than_15_aurora_readers_are_refused():
    error = rejected(with_db("prod", engine=DatabaseEngine.AURORA_MYSQL, instance_class="db.r6g.large",
                             max_allocated_storage_gb=0, aurora_reader_count=16))
    assert_names(error, "prod", "database.aurora_reader_count", 16, "0 to 15")


def test_aurora_storage_ceiling_is_refused():
    error = rejected(with_db("prod", engine=DatabaseEngine.AURORA_MYSQL, instance_class="db.r6g.large"))
    assert_names(error, "prod", "database.max_allocated_storage_gb", 100, "set 0")


# -- names, port, windows ---------------------------------------------------------------------
def test_database_name_rds_would_reject_is_refused():
    error = rejected(with_db("dev", database_name="1app"))
    assert_names(error, "dev", "database.database_name", "1app", "'app'")


def test_reserved_master_username_is_refused():
    error = rejected(with_db("dev", master_username="rdsadmin"))
    assert_names(error, "dev", "database.master_username", "rdsadmin", "'dbadmin'")


def test_port_below_1150_is_refused_with_the_engines_port_as_fix():
    error = rejected(with_db("dev", engine=DatabaseEngine.MYSQL, port=80))
    assert_names(error, "dev", "database.port", 80, "3306")


def test_database_port_follows_the_engine_when_left_out():
    assert load("dev").database.effective_port == 5432
    assert with_db("dev", engine=DatabaseEngine.MYSQL).database.effective_port == 3306
    assert with_db("dev", engine=DatabaseEngine.AURORA_MYSQL).database.effective_port == 3306


def test_malformed_backup_window_is_refused():
    error = rejected(with_db("dev", backup_window="3am"))
    assert_names(error, "dev", "database.backup_window", "3am", "hh:mm-hh:mm")


def test_backup_window_shorter_than_30_minutes_is_refused():
    error = rejected(with_db("dev", backup_window="18:00-18:15"))
    assert_names(error, "dev", "database.backup_window", "18:00-18:15", "30 minutes")


def test_maintenance_window_overlapping_the_backups_is_refused():
    error = rejected(with_db("dev", maintenance_window="tue:18:30-tue:19:30"))
    assert_names(error, "dev", "database.maintenance_window", "tue:18:30-tue:19:30", "backup_window")


def test_cache_snapshot_window_shorter_than_an_hour_is_refused():
    error = rejected(with_cache("dev", snapshot_window="18:00-18:30"))
    assert_names(error, "dev", "cache.snapshot_window", "18:00-18:30", "60 minutes")


def test_cache_maintenance_window_overlapping_the_snapshots_is_refused():
    error = rejected(with_cache("prod", maintenance_window="sat:17:00-sat:18:30"))
    assert_names(error, "prod", "cache.maintenance_window", "sat:17:00-sat:18:30", "snapshot_window")


# -- Redis ---------------------------------------------------------------------------------------
def test_redis_version_without_log_delivery_is_refused():
    error = rejected(with_cache("dev", engine_version="5.0.6"))
    assert_names(error, "dev", "cache.engine_version", "5.0.6", "7.1")


def test_malformed_token_secret_name_is_refused():
    error = rejected(with_cache("dev", auth_token_secret_name="redis token!"))
    assert_names(error, "dev", "cache.auth_token_secret_name", "redis token!", "app/dev/redis-auth")


def test_token_version_below_1_is_refused():
    error = rejected(with_cache("dev", auth_token_version=0))
    assert_names(error, "dev", "cache.auth_token_version", 0, "add 1 to rotate")


def test_token_version_with_an_out_of_band_secret_is_refused():
    error = rejected(with_cache("dev", auth_token_secret_name="platform/dev/redis", auth_token_version=2))
    assert_names(error, "dev", "cache.auth_token_version", 2, "writing a new value to the secret")


def test_secret_recovery_window_aws_does_not_offer_is_refused():
    error = rejected(with_cache("staging", auth_token_recovery_window_days=3))
    assert_names(error, "staging", "cache.auth_token_recovery_window_days", 3, "0 or 7 to 30")


# -- end to end through main.py: one line, exit 2, nothing written ------------------------------
def test_main_stops_on_an_unprotected_prod_database_before_writing_anything(tmp_path, capsys):
    outdir = tmp_path / "cdktf.out"
    code = main.main(["prod", "--outdir", str(outdir)], loader=lambda name: with_db(name, deletion_protection=False))
    assert code == main.EXIT_CONFIG_ERROR
    assert not outdir.exists()
    first_line = capsys.readouterr().err.splitlines()[0]
    assert first_line.startswith("error: [codemate:prod] database.deletion_protection = False: ")
    assert "— fix: set deletion_protection=True" in first_line


def test_fails_when_enhanced_monitoring_interval_is_not_one_rds_offers():
    from dataclasses import replace

    from environments import load
    from systems.codemate.settings import validate
    from modules.errors import ConfigError

    prod = load("prod")
    with pytest.raises(ConfigError) as caught:
        validate(replace(prod, database=replace(prod.database, enhanced_monitoring_interval=20)))
    assert (caught.value.environment, caught.value.field, caught.value.value) == (
        "prod", "database.enhanced_monitoring_interval", 20)
    assert caught.value.fix == "use 0 (off) or one of 1, 5, 10, 15, 30, 60"
