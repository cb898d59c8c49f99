"""network.flow_log_retention_days: prod keeps the network's audit trail a year; others follow log_retention_days."""

from __future__ import annotations

from dataclasses import replace

import pytest

from environments import load
from systems.codemate.settings import validate
from modules.errors import ConfigError
from modules.framework import aws

LOG_GROUP = aws.cloudwatch_log_group.CloudwatchLogGroup.TF_RESOURCE_TYPE


@pytest.mark.parametrize("env, days", [("dev", 7), ("staging", 14), ("prod", 365)])
def test_flow_log_group_retention_per_environment(env, days, request):
    stack = request.getfixturevalue(env)
    assert stack.one(LOG_GROUP, name=f"/aws/vpc/codemate-flow-logs-{env}")["retention_in_days"] == days


def test_left_out_flow_log_retention_follows_log_retention_days():
    assert load("dev").network.flow_log_retention_days is None
    assert load("staging").network.flow_log_retention_days is None


def with_flow_retention(value):
    prod = load("prod")
    return replace(prod, network=replace(prod.network, flow_log_retention_days=value))


def test_fails_when_flow_log_retention_is_not_a_cloudwatch_value():
    with pytest.raises(ConfigError) as error:
        validate(with_flow_retention(100))
    assert (error.value.environment, error.value.field, error.value.value) == (
        "prod", "network.flow_log_retention_days", 100)
    assert "0 (never expire) or one of 1, 3, 5, 7" in error.value.fix


def test_fails_when_flow_log_retention_is_not_an_int():
    with pytest.raises(ConfigError) as error:
        validate(with_flow_retention("365"))
    assert error.value.field == "network.flow_log_retention_days"
    assert "expected" in error.value.problem
