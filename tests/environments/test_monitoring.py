"""Monitoring in every environment: alarms per service and target group, on the right resources,
all notifying one encrypted topic; the dashboard; the settings that change them.

The database and the cache are tested here as wired; their engine variants (MySQL, Aurora) at
construct level (tests/modules/monitoring/test_cloudwatch.py).
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from environments import load
from modules.monitoring.options import MonitoringOptions
from modules.framework import aws
from tests.support import synth_settings

ALARM = aws.cloudwatch_metric_alarm.CloudwatchMetricAlarm.TF_RESOURCE_TYPE
TOPIC = aws.sns_topic.SnsTopic.TF_RESOURCE_TYPE
SUBSCRIPTION = aws.sns_topic_subscription.SnsTopicSubscription.TF_RESOURCE_TYPE
DASHBOARD = aws.cloudwatch_dashboard.CloudwatchDashboard.TF_RESOURCE_TYPE
KEY = aws.kms_key.KmsKey.TF_RESOURCE_TYPE
CLUSTER = aws.ecs_cluster.EcsCluster.TF_RESOURCE_TYPE
SERVICE = aws.ecs_service.EcsService.TF_RESOURCE_TYPE
LB = aws.lb.Lb.TF_RESOURCE_TYPE
TARGET_GROUP = aws.lb_target_group.LbTargetGroup.TF_RESOURCE_TYPE
DB_INSTANCE = aws.db_instance.DbInstance.TF_RESOURCE_TYPE
REDIS = aws.elasticache_replication_group.ElasticacheReplicationGroup.TF_RESOURCE_TYPE

SERVICES = ("frontend", "backend")


def alarm(stack, id: str) -> dict:
    return stack.by_path(ALARM, f"monitoring/{id}")


def topic_arn(stack) -> str:
    return stack.ref(TOPIC, stack.one(TOPIC), "arn")


@pytest.fixture(scope="module")
def tuned():
    """dev with every monitoring setting changed from its default."""
    return synth_settings(replace(load("dev"), monitoring=MonitoringOptions(
        alarm_emails=("ops@example.com",), ecs_cpu_percent=90, ecs_cpu_minutes=10, unhealthy_host_minutes=3,
        target_5xx_per_minute=25,
    )))


def test_each_environment_has_a_cpu_alarm_per_service_two_per_target_group_and_one_per_db_instance(stack):
    # 2 services (CPU) + 2 target groups (unhealthy hosts, target 5XX) + 1 PostgreSQL instance
    by_namespace = sorted((a["namespace"], a["metric_name"]) for a in stack.resources(ALARM).values())
    assert by_namespace == sorted(
        [("AWS/ECS", "CPUUtilization")] * 2
        + [("AWS/ApplicationELB", "UnHealthyHostCount")] * 2
        + [("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count")] * 2
        + [("AWS/RDS", "DatabaseConnections")])


@pytest.mark.parametrize("env_name, instance_class, threshold", [
    ("dev", "db.t4g.micro", 64.8), ("staging", "db.t4g.small", 152.8), ("prod", "db.t4g.small", 152.8),
])
def test_database_alarm_is_80_percent_of_its_instance_class_max_connections(request, env_name, instance_class,
                                                                             threshold):
    stack = request.getfixturevalue(env_name)
    assert load(env_name).database.instance_class == instance_class
    a = alarm(stack, "db-connections")
    assert a["alarm_name"] == f"codemate-db-connections-high-{env_name}"
    assert (a["namespace"], a["metric_name"], a["statistic"], a["threshold"]) == (
        "AWS/RDS", "DatabaseConnections", "Maximum", threshold)
    instance = stack.one(DB_INSTANCE)
    assert a["dimensions"] == {"DBInstanceIdentifier": stack.ref(DB_INSTANCE, instance, "identifier")}


@pytest.mark.parametrize("env_name, nodes", [("dev", 1), ("prod", 2)])
def test_dashboard_shows_redis_hits_and_misses_of_every_node(request, env_name, nodes):
    stack = request.getfixturevalue(env_name)
    group = stack.ref(REDIS, stack.one(REDIS), "replication_group_id")
    body = json.loads(stack.one(DASHBOARD)["dashboard_body"])
    (widget,) = [w for w in body["widgets"] if w["properties"]["title"] == f"Redis {group}: hits / misses"]
    assert [(row[1], row[3]) for row in widget["properties"]["metrics"]] == [
        (metric, f"{group}-{n:03d}") for n in range(1, nodes + 1) for metric in ("CacheHits", "CacheMisses")]


@pytest.mark.parametrize("service", SERVICES)
def test_cpu_alarm_watches_the_service_in_the_environments_cluster(env, stack, service):
    a = alarm(stack, f"{service}-cpu")
    assert a["alarm_name"] == f"codemate-{service}-cpu-high-{env}"
    assert a["dimensions"] == {
        "ClusterName": stack.ref(CLUSTER, stack.by_path(CLUSTER, "cluster/cluster"), "name"),
        "ServiceName": stack.ref(SERVICE, stack.by_path(SERVICE, f"svc-{service}/service"), "name"),
    }
    assert (a["statistic"], a["period"], a["evaluation_periods"], a["comparison_operator"], a["threshold"]) == (
        "Average", 60, 5, "GreaterThanThreshold", 80)


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("kind", ["unhealthy", "5xx"])
def test_target_group_alarms_watch_the_services_target_group_on_the_load_balancer(stack, service, kind):
    a = alarm(stack, f"{service}-{kind}")
    assert a["dimensions"] == {
        "TargetGroup": stack.ref(TARGET_GROUP, stack.by_path(TARGET_GROUP, f"alb/tg-{service}"), "arn_suffix"),
        "LoadBalancer": stack.ref(LB, stack.one(LB), "arn_suffix"),
    }


def test_spec_thresholds_are_the_default_everywhere(stack):
    expected = {"cpu": ("CPUUtilization", "Average", 5, 80), "unhealthy": ("UnHealthyHostCount", "Maximum", 2, 0),
                "5xx": ("HTTPCode_Target_5XX_Count", "Sum", 1, 10)}
    for service in SERVICES:
        for kind, (metric, statistic, periods, threshold) in expected.items():
            a = alarm(stack, f"{service}-{kind}")
            assert (a["metric_name"], a["statistic"], a["period"], a["evaluation_periods"], a["threshold"]) == (
                metric, statistic, 60, periods, threshold)


def test_every_alarm_notifies_the_environments_topic_on_alarm_and_on_recovery(stack):
    for a in stack.resources(ALARM).values():
        assert (a["alarm_actions"], a["ok_actions"], a["actions_enabled"]) == (
            [topic_arn(stack)], [topic_arn(stack)], True), a["alarm_name"]


def test_no_alarm_in_any_environment_lacks_an_action(stack):
    assert [a["alarm_name"] for a in stack.resources(ALARM).values()
            if not (a.get("alarm_actions") and a.get("ok_actions"))] == []


def test_topic_is_encrypted_with_a_key_cloudwatch_alarms_may_use(env, stack):
    topic = stack.one(TOPIC)
    key = stack.by_path(KEY, "monitoring/key/key")
    assert topic["name"] == f"codemate-alarms-{env}"
    assert topic["kms_master_key_id"] == stack.ref(KEY, key, "arn")
    cloudwatch = [s for s in json.loads(key["policy"])["Statement"]
                  if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}]
    assert [sorted(s["Action"]) for s in cloudwatch] == [["kms:Decrypt", "kms:GenerateDataKey"]]


def test_committed_environments_subscribe_no_email(stack):
    assert stack.count(SUBSCRIPTION) == 0


def test_dashboard_of_each_environment_shows_ecs_and_alb_and_every_alarm(env, stack):
    board = stack.one(DASHBOARD)
    assert board["dashboard_name"] == f"codemate-{env}"
    body = json.loads(board["dashboard_body"])
    titles = [w["properties"]["title"] for w in body["widgets"]]
    assert titles[:2] == ["ECS CPU utilization (%)", "ECS memory utilization (%)"]
    assert {"ALB requests", "ALB errors: target 5XX per minute", "ALB unhealthy hosts"} <= set(titles)
    (alarms,) = [w for w in body["widgets"] if w["type"] == "alarm"]
    assert sorted(alarms["properties"]["alarms"]) == sorted(stack.ref(ALARM, a, "arn")
                                                           for a in stack.resources(ALARM).values())


def test_outputs_the_alarm_topic_and_the_dashboard_url(env, stack):
    assert stack.outputs["alarm_topic_arn"]["value"] == topic_arn(stack)
    assert stack.outputs["dashboard_url"]["value"] == (
        "https://ap-northeast-2.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-2"
        f"#dashboards/dashboard/codemate-{env}")


# -- settings ---------------------------------------------------------------------
def test_thresholds_and_durations_come_from_the_monitoring_settings(tuned):
    cpu, unhealthy, errors = (alarm(tuned, f"backend-{k}") for k in ("cpu", "unhealthy", "5xx"))
    assert (cpu["threshold"], cpu["evaluation_periods"], cpu["datapoints_to_alarm"]) == (90, 10, 10)
    assert (unhealthy["threshold"], unhealthy["evaluation_periods"]) == (0, 3)
    assert (errors["threshold"], errors["evaluation_periods"]) == (25, 1)


def test_an_alarm_email_subscribes_to_the_topic(tuned):
    assert tuned.one(SUBSCRIPTION) == {"endpoint": "ops@example.com", "protocol": "email",
                                       "topic_arn": topic_arn(tuned)}
