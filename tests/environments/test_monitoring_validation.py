"""Bad monitoring settings: each a ConfigError naming environment, field, value and fix, before any synth."""

from __future__ import annotations

from dataclasses import replace

import pytest

import main
from environments import load
from modules.monitoring.options import MonitoringOptions
from systems.codemate.settings import CodemateSettings
from systems.codemate.settings import validate
from modules.errors import ConfigError


def with_monitoring(env: str = "prod", **changes) -> CodemateSettings:
    return replace(load(env), monitoring=MonitoringOptions(**changes))


def fails(settings: CodemateSettings, field: str, value: object, *phrases: str) -> None:
    with pytest.raises(ConfigError) as caught:
        validate(settings)
    error = caught.value
    assert (error.environment, error.field, error.value) == (settings.name, field, value), str(error)
    for phrase in phrases:
        assert phrase in str(error), str(error)
    assert error.fix


def test_defaults_are_spec_thresholds_without_email():
    assert MonitoringOptions() == MonitoringOptions(
        alarm_emails=(), ecs_cpu_percent=80, ecs_cpu_minutes=5, unhealthy_host_minutes=2,
        target_5xx_per_minute=10, database_connections_percent=80, database_max_connections=None)


def test_committed_environments_use_the_defaults(env):
    assert load(env).monitoring == MonitoringOptions()


def test_valid_custom_settings_pass():
    validate(with_monitoring(alarm_emails=("oncall+codemate@example.co.kr", "ops@example.com"), ecs_cpu_percent=99, ecs_cpu_minutes=1440,
                             unhealthy_host_minutes=1, target_5xx_per_minute=0, database_connections_percent=1,
                             database_max_connections=1))


@pytest.mark.parametrize("email", ["ops", "ops@", "@example.com", "ops@example", "ops@@example.com",
                                   "ops @example.com", "ops@example.com,dev@example.com", ""])
def test_fails_on_a_malformed_alarm_email(email):
    fails(with_monitoring(alarm_emails=("ops@example.com", email)), "monitoring.alarm_emails[1]", email,
          "not an email address")


def test_fails_on_an_address_listed_twice_and_on_a_bare_string():
    fails(with_monitoring(alarm_emails=("ops@example.com", "OPS@example.com")), "monitoring.alarm_emails[1]",
          "OPS@example.com", "listed twice")
    fails(with_monitoring(alarm_emails="ops@example.com"), "monitoring.alarm_emails", "ops@example.com",
          "expected a tuple of str")


@pytest.mark.parametrize("value", [0, 100, 150, -5])
def test_fails_on_a_cpu_threshold_out_of_range(value):
    fails(with_monitoring(ecs_cpu_percent=value), "monitoring.ecs_cpu_percent", value, "outside 1-99")


@pytest.mark.parametrize("value", [0, 100])
def test_fails_on_a_database_connections_threshold_out_of_range(value):
    fails(with_monitoring(database_connections_percent=value), "monitoring.database_connections_percent", value,
          "outside 1-99")


@pytest.mark.parametrize("field", ["ecs_cpu_minutes", "unhealthy_host_minutes"])
@pytest.mark.parametrize("value", [0, 1441])
def test_fails_on_an_evaluation_time_cloudwatch_does_not_allow(field, value):
    fails(with_monitoring(**{field: value}), f"monitoring.{field}", value, "1 minute to 1 day")


def test_fails_on_a_negative_5xx_count():
    fails(with_monitoring(target_5xx_per_minute=-1), "monitoring.target_5xx_per_minute", -1, "negative")


def test_fails_on_a_max_connections_below_one():
    fails(with_monitoring(database_max_connections=0), "monitoring.database_max_connections", 0, "at least 1")


def test_fails_on_a_threshold_of_the_wrong_type():
    fails(with_monitoring(ecs_cpu_percent="80"), "monitoring.ecs_cpu_percent", "80", "expected int")


def test_main_reports_a_bad_email_in_one_line_and_writes_nothing(tmp_path, capsys):
    # GIVEN prod with a malformed alarm email
    bad = with_monitoring(alarm_emails=("ops@example",))
    # WHEN main synthesizes it
    status = main.main(["prod", "--outdir", str(tmp_path / "out")], loader=lambda name: bad)
    # THEN exit 2, one error line naming environment, field and value, and no output
    err = capsys.readouterr().err.splitlines()
    assert status == 2
    assert err[0] == ("error: [codemate:prod] monitoring.alarm_emails[0] = 'ops@example': not an email address — fix: "
                      "write one address such as 'ops@example.com', or leave it out")
    assert not (tmp_path / "out").exists()
