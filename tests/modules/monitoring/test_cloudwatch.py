"""modules/monitoring/cloudwatch: alarms on an encrypted SNS topic and the dashboard, construct by construct.

The construct is synthesized on its own (bare stack) with fake identifiers, including the database
and the cache the data tier will hand it; tests/environments/test_monitoring.py checks the wiring
of the environment stacks.
"""

from __future__ import annotations

import json

import pytest

from modules.errors import ConfigError
from modules.framework import aws
from modules.monitoring.cloudwatch import MonitoredCache, MonitoredDatabase, MonitoredLoadBalancer, Monitoring
from modules.security.kms import CLOUDWATCH_ALARMS_ACTIONS
from modules.monitoring.options import MonitoringOptions
from tests.support import Synth, project_stack, synth_stack

ALARM = aws.cloudwatch_metric_alarm.CloudwatchMetricAlarm.TF_RESOURCE_TYPE
TOPIC = aws.sns_topic.SnsTopic.TF_RESOURCE_TYPE
TOPIC_POLICY = aws.sns_topic_policy.SnsTopicPolicy.TF_RESOURCE_TYPE
SUBSCRIPTION = aws.sns_topic_subscription.SnsTopicSubscription.TF_RESOURCE_TYPE
DASHBOARD = aws.cloudwatch_dashboard.CloudwatchDashboard.TF_RESOURCE_TYPE
KEY = aws.kms_key.KmsKey.TF_RESOURCE_TYPE

ACCOUNT = "${data.aws_caller_identity.account.account_id}"  # the stack's account
CLUSTER = "codemate-cluster-test"
SERVICES = {"frontend": "codemate-frontend-service", "backend": "codemate-backend-service"}
LB_SUFFIX = "app/codemate-alb-test/0123456789abcdef"
TARGET_GROUPS = {"frontend": "targetgroup/codemate-frontend-tg-test/aaaa",
                 "backend": "targetgroup/codemate-backend-tg-test/bbbb"}
DB_ID = "codemate-db-test"
REDIS = "codemate-redis-test"


def synth_monitoring(**overrides) -> Synth:
    """One Monitoring construct with every input (fake identifiers), ``overrides`` replacing any."""
    stack = project_stack(project="codemate", environment="test")
    option_fields = set(MonitoringOptions.__dataclass_fields__)
    options = MonitoringOptions(**{k: v for k, v in overrides.items() if k in option_fields})
    overrides = {k: v for k, v in overrides.items() if k not in option_fields}
    props = dict(
        options=options, cluster=CLUSTER, services=SERVICES, load_balancer=MonitoredLoadBalancer(LB_SUFFIX, TARGET_GROUPS),
        database=MonitoredDatabase(engine="postgres", instance_class="db.t4g.micro", instance_identifiers=(DB_ID,)),
        cache=MonitoredCache.of_replication_group(REDIS, 2),
    )
    Monitoring(stack, "monitoring", **{**props, **overrides})
    return synth_stack(stack)


@pytest.fixture(scope="module")
def full() -> Synth:
    return synth_monitoring()


def alarm(s: Synth, id: str) -> dict:
    return s.by_path(ALARM, f"monitoring/{id}")


def topic_ref(s: Synth) -> str:
    return s.ref(TOPIC, s.one(TOPIC), "arn")


def evaluation(a: dict) -> tuple:
    """What an alarm watches and when it fires, as one comparable tuple."""
    return (a["namespace"], a["metric_name"], a["statistic"], a["period"], a["evaluation_periods"],
            a["datapoints_to_alarm"], a["comparison_operator"], a["threshold"])


def dashboard(s: Synth) -> dict:
    return json.loads(s.one(DASHBOARD)["dashboard_body"])


def titles(body: dict) -> list[str]:
    return [w["properties"]["title"] for w in body["widgets"]]


def metric_rows(body: dict, title_start: str) -> list[list]:
    (widget,) = [w for w in body["widgets"] if w["properties"]["title"].startswith(title_start)]
    return widget["properties"]["metrics"]


# -- alarms ---------------------------------------------------------------------
@pytest.mark.parametrize("service", ["frontend", "backend"])
def test_each_service_has_a_cpu_alarm_above_80_percent_for_5_minutes(full, service):
    a = alarm(full, f"{service}-cpu")
    assert a["alarm_name"] == f"codemate-{service}-cpu-high-test"
    assert evaluation(a) == ("AWS/ECS", "CPUUtilization", "Average", 60, 5, 5, "GreaterThanThreshold", 80)
    assert a["dimensions"] == {"ClusterName": CLUSTER, "ServiceName": SERVICES[service]}


@pytest.mark.parametrize("service", ["frontend", "backend"])
def test_each_target_group_alarms_on_an_unhealthy_host_for_2_minutes(full, service):
    a = alarm(full, f"{service}-unhealthy")
    assert a["alarm_name"] == f"codemate-{service}-unhealthy-hosts-test"
    assert evaluation(a) == ("AWS/ApplicationELB", "UnHealthyHostCount", "Maximum", 60, 2, 2,
                             "GreaterThanThreshold", 0)
    assert a["dimensions"] == {"TargetGroup": TARGET_GROUPS[service], "LoadBalancer": LB_SUFFIX}


@pytest.mark.parametrize("service", ["frontend", "backend"])
def test_each_target_group_alarms_on_more_than_10_target_5xx_in_one_minute(full, service):
    a = alarm(full, f"{service}-5xx")
    assert a["alarm_name"] == f"codemate-{service}-target-5xx-test"
    assert evaluation(a) == ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum", 60, 1, 1,
                             "GreaterThanThreshold", 10)
    assert a["dimensions"] == {"TargetGroup": TARGET_GROUPS[service], "LoadBalancer": LB_SUFFIX}


def test_database_alarms_above_80_percent_of_the_derived_max_connections(full):
    # db.t4g.micro PostgreSQL: max_connections 81 (modules/database/max_connections.py), 80 % = 64.8
    a = alarm(full, "db-connections")
    assert a["alarm_name"] == "codemate-db-connections-high-test"
    assert evaluation(a) == ("AWS/RDS", "DatabaseConnections", "Maximum", 60, 5, 5, "GreaterThanThreshold", 64.8)
    assert a["dimensions"] == {"DBInstanceIdentifier": DB_ID}
    assert "of its 81 connections (postgres on db.t4g.micro)" in a["alarm_description"]


def test_a_larger_instance_class_gets_a_higher_connections_threshold():
    # GIVEN the same engine on db.t4g.micro and db.t4g.small
    synths = {cls: synth_monitoring(database=MonitoredDatabase("postgres", cls, (DB_ID,)))
              for cls in ("db.t4g.micro", "db.t4g.small")}
    thresholds = {cls: alarm(s, "db-connections")["threshold"] for cls, s in synths.items()}
    # THEN each threshold is 80 % of its own class's max_connections (81 and 191)
    assert thresholds == {"db.t4g.micro": 64.8, "db.t4g.small": 152.8}


def test_mysql_derives_its_own_max_connections():
    a = alarm(synth_monitoring(database=MonitoredDatabase("mysql", "db.t4g.micro", (DB_ID,))), "db-connections")
    assert a["threshold"] == 48.8  # 80 % of 61


def test_every_aurora_instance_gets_its_own_connections_alarm():
    s = synth_monitoring(database=MonitoredDatabase("aurora-mysql", "db.r6g.large", ("codemate-db-1-test",
                                                                                      "codemate-db-2-test")))
    alarms = [alarm(s, "db-connections-1"), alarm(s, "db-connections-2")]
    assert [a["dimensions"] for a in alarms] == [{"DBInstanceIdentifier": "codemate-db-1-test"},
                                                 {"DBInstanceIdentifier": "codemate-db-2-test"}]
    assert [a["alarm_name"] for a in alarms] == ["codemate-db-1-connections-high-test",
                                                 "codemate-db-2-connections-high-test"]
    assert {a["threshold"] for a in alarms} == {800}  # documented 1000 on db.r6g.large
    assert not [a for a in s.resources(ALARM).values() if a["alarm_name"] == "codemate-db-connections-high-test"]


def test_a_max_connections_set_by_the_parameter_group_replaces_the_default():
    s = synth_monitoring(database=MonitoredDatabase("postgres", "db.t4g.micro", (DB_ID,), max_connections=200))
    assert alarm(s, "db-connections")["threshold"] == 160


def test_thresholds_and_durations_follow_the_given_settings():
    s = synth_monitoring(ecs_cpu_percent=90, ecs_cpu_minutes=10, unhealthy_host_minutes=3, target_5xx_per_minute=0,
                         database_connections_percent=50)
    assert evaluation(alarm(s, "backend-cpu"))[4:] == (10, 10, "GreaterThanThreshold", 90)
    assert evaluation(alarm(s, "backend-unhealthy"))[4:] == (3, 3, "GreaterThanThreshold", 0)
    assert evaluation(alarm(s, "backend-5xx"))[4:] == (1, 1, "GreaterThanThreshold", 0)
    assert alarm(s, "db-connections")["threshold"] == 40.5  # 50 % of 81


def test_every_alarm_notifies_the_topic_when_it_fires_and_when_it_recovers(full):
    alarms = full.resources(ALARM).values()
    assert len(alarms) == 2 + 2 * 2 + 1  # cpu per service, unhealthy + 5xx per target group, database
    for a in alarms:
        assert a["actions_enabled"] is True
        assert a["alarm_actions"] == [topic_ref(full)], a["alarm_name"]
        assert a["ok_actions"] == [topic_ref(full)], a["alarm_name"]
        assert a["treat_missing_data"] == "notBreaching"


def test_no_alarm_is_without_an_action(full):
    silent = [a["alarm_name"] for a in full.resources(ALARM).values()
              if not a.get("alarm_actions") or not a.get("ok_actions")]
    assert silent == []


def test_alarm_names_are_unique(full):
    names = [a["alarm_name"] for a in full.resources(ALARM).values()]
    assert len(names) == len(set(names))


# -- optional inputs -------------------------------------------------------------
def test_without_load_balancer_database_and_cache_only_the_service_alarms_exist():
    s = synth_monitoring(load_balancer=None, database=None, cache=None)
    assert sorted(a["namespace"] for a in s.resources(ALARM).values()) == ["AWS/ECS", "AWS/ECS"]
    assert titles(dashboard(s)) == ["ECS CPU utilization (%)", "ECS memory utilization (%)", "Alarms"]
    assert "AWS/RDS" not in s.one(DASHBOARD)["dashboard_body"]
    assert "AWS/ElastiCache" not in s.one(DASHBOARD)["dashboard_body"]


def test_an_aurora_class_without_a_documented_default_is_a_config_error():
    with pytest.raises(ConfigError) as caught:
        synth_monitoring(database=MonitoredDatabase("aurora-mysql", "db.t4g.micro", (DB_ID,)))
    assert (caught.value.environment, caught.value.field, caught.value.value) == (
        "test", "database.instance_class", "db.t4g.micro")
    assert "database_max_connections" in caught.value.fix


# -- topic --------------------------------------------------------------------------
def test_topic_is_encrypted_with_its_own_key_that_cloudwatch_alarms_may_use(full):
    key = full.by_path(KEY, "monitoring/key/key")
    topic = full.one(TOPIC)
    assert topic["name"] == "codemate-alarms-test"
    assert topic["kms_master_key_id"] == full.ref(KEY, key, "arn")
    assert "alias/aws/sns" not in json.dumps(topic)
    assert key["enable_key_rotation"] is True
    statements = {s["Sid"]: s for s in json.loads(key["policy"])["Statement"]}
    assert statements["CloudWatchAlarmsPublishToTopics"] == {
        "Sid": "CloudWatchAlarmsPublishToTopics", "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
        "Resource": "*",
    }
    assert list(CLOUDWATCH_ALARMS_ACTIONS) == ["kms:GenerateDataKey", "kms:Decrypt"]


def test_topic_key_policy_gives_no_other_service_access(full):
    statements = json.loads(full.by_path(KEY, "monitoring/key/key")["policy"])["Statement"]
    services = [s["Principal"]["Service"] for s in statements if "Service" in s["Principal"]]
    assert services == ["cloudwatch.amazonaws.com"]
    others = [s for s in statements if "Service" not in s["Principal"]]
    assert all(s["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"} for s in others)


def test_only_this_accounts_alarms_may_publish_and_only_over_tls(full):
    policy = full.one(TOPIC_POLICY)
    assert policy["arn"] == topic_ref(full)
    allow, deny = json.loads(policy["policy"])["Statement"]
    assert allow == {
        "Sid": "CloudWatchAlarmsOfThisAccount", "Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": ["sns:Publish"], "Resource": topic_ref(full),
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT},
                      "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:ap-northeast-2:{ACCOUNT}:alarm:*"}},
    }
    assert deny == {"Sid": "DenyPublishWithoutTls", "Effect": "Deny", "Principal": "*", "Action": "sns:Publish",
                    "Resource": topic_ref(full), "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def test_each_alarm_email_is_subscribed_to_the_topic_under_an_address_derived_id():
    s = synth_monitoring(alarm_emails=("ops@example.com", "Oncall+shop@example.co.kr"))
    assert s.count(SUBSCRIPTION) == 2
    assert s.by_path(SUBSCRIPTION, "monitoring/email-ops-example-com") == {
        "endpoint": "ops@example.com", "protocol": "email", "topic_arn": topic_ref(s)}
    assert s.by_path(SUBSCRIPTION, "monitoring/email-oncall-shop-example-co-kr")["endpoint"] == "Oncall+shop@example.co.kr"


def test_without_an_alarm_email_the_topic_has_no_subscription(full):
    assert full.count(SUBSCRIPTION) == 0


# -- dashboard ------------------------------------------------------------------------
def test_one_dashboard_named_after_project_and_environment(full):
    assert full.count(DASHBOARD) == 1
    assert full.one(DASHBOARD)["dashboard_name"] == "codemate-test"


def test_dashboard_has_ecs_alb_rds_redis_and_alarm_widgets(full):
    assert titles(dashboard(full)) == [
        "ECS CPU utilization (%)", "ECS memory utilization (%)", "ALB requests",
        "ALB errors: target 5XX per minute", "ALB unhealthy hosts", "ALB healthy hosts",
        "ALB target response time p95 (s)", "RDS connections (max_connections 81)", "RDS CPU utilization (%)",
        f"Redis {REDIS}: hits / misses", f"Redis {REDIS}: hit rate (%)", "Alarms",
    ]


def test_ecs_widgets_show_every_service_of_the_cluster(full):
    rows = metric_rows(dashboard(full), "ECS CPU")
    assert rows == [["AWS/ECS", "CPUUtilization", "ClusterName", CLUSTER, "ServiceName", SERVICES[n], {"label": n}]
                    for n in ("frontend", "backend")]


def test_alb_error_widget_shows_target_and_load_balancer_5xx(full):
    rows = metric_rows(dashboard(full), "ALB errors")
    assert rows == [
        ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "TargetGroup", TARGET_GROUPS["frontend"], "LoadBalancer",
         LB_SUFFIX, {"label": "frontend"}],
        ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "TargetGroup", TARGET_GROUPS["backend"], "LoadBalancer",
         LB_SUFFIX, {"label": "backend"}],
        ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", LB_SUFFIX, {"label": "load balancer 5XX"}],
    ]


def test_rds_widget_marks_the_alarm_threshold(full):
    (widget,) = [w for w in dashboard(full)["widgets"] if w["properties"]["title"].startswith("RDS connections")]
    assert widget["properties"]["metrics"] == [["AWS/RDS", "DatabaseConnections", "DBInstanceIdentifier", DB_ID,
                                                {"label": "instance 1"}]]
    assert widget["properties"]["annotations"] == {"horizontal": [{"label": "alarm threshold", "value": 64.8}]}


def test_redis_widgets_show_hits_misses_and_hit_rate_of_each_node(full):
    body = dashboard(full)
    members = [f"{REDIS}-001", f"{REDIS}-002"]
    hits_misses = metric_rows(body, f"Redis {REDIS}: hits")
    assert [(r[1], r[3]) for r in hits_misses] == [(metric, m) for m in members
                                                   for metric in ("CacheHits", "CacheMisses")]
    assert all(r[0] == "AWS/ElastiCache" and r[2] == "CacheClusterId" for r in hits_misses)
    expressions = [r[0]["expression"] for r in metric_rows(body, f"Redis {REDIS}: hit rate") if "expression" in r[0]]
    assert expressions == ["100 * m0h / (m0h + m0m)", "100 * m1h / (m1h + m1m)"]


def test_alarm_widget_lists_every_alarm(full):
    (widget,) = [w for w in dashboard(full)["widgets"] if w["type"] == "alarm"]
    arns = {full.ref(ALARM, a, "arn") for a in full.resources(ALARM).values()}
    assert set(widget["properties"]["alarms"]) == arns and len(widget["properties"]["alarms"]) == len(arns)


def test_dashboard_widgets_are_complete_and_do_not_overlap(full):
    widgets = dashboard(full)["widgets"]
    cells = set()
    for w in widgets:
        assert {"type", "x", "y", "width", "height", "properties"} <= set(w)
        assert w["x"] + w["width"] <= 24
        if w["type"] == "metric":
            assert w["properties"]["region"] == "ap-northeast-2" and w["properties"]["metrics"]
        area = {(x, y) for x in range(w["x"], w["x"] + w["width"]) for y in range(w["y"], w["y"] + w["height"])}
        assert not cells & area, w["properties"]["title"]
        cells |= area


def test_member_clusters_of_a_replication_group_are_numbered_from_001():
    assert MonitoredCache.of_replication_group("codemate-redis-prod", 2).member_cluster_ids == (
        "codemate-redis-prod-001", "codemate-redis-prod-002")


def test_account_principals_may_use_the_topic_key_only_through_sns(full):
    statements = {s["Sid"]: s for s in json.loads(full.by_path(KEY, "monitoring/key/key")["policy"])["Statement"]}
    assert statements["UseThroughServicesOfThisAccount"]["Condition"]["StringEquals"] == {
        "kms:CallerAccount": ACCOUNT, "kms:ViaService": ["sns.ap-northeast-2.amazonaws.com"]}


# -- queues and functions (optional inputs) ----------------------------------------
from modules.monitoring.cloudwatch import MonitoredQueue  # noqa: E402


@pytest.fixture(scope="module")
def messaging() -> Synth:
    return synth_monitoring(queues={
        "jobs": MonitoredQueue("shop-jobs-test", max_message_age_seconds=600, dead_letter_queue_name="shop-jobs-dlq-test"),
        "plain": MonitoredQueue("shop-plain-test"),
    }, functions={"worker": "shop-worker-test"})


def test_a_queue_alarms_on_its_oldest_message_age_and_its_dlq_on_any_message(messaging):
    assert evaluation(alarm(messaging, "jobs-oldest-message")) == (
        "AWS/SQS", "ApproximateAgeOfOldestMessage", "Maximum", 60, 1, 1, "GreaterThanThreshold", 600)
    assert alarm(messaging, "jobs-oldest-message")["dimensions"] == {"QueueName": "shop-jobs-test"}
    dlq = alarm(messaging, "jobs-dlq-not-empty")
    assert evaluation(dlq) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", 60, 1, 1,
                               "GreaterThanThreshold", 0)
    assert dlq["dimensions"] == {"QueueName": "shop-jobs-dlq-test"}
    assert alarm(messaging, "plain-oldest-message")["threshold"] == 900
    assert not [a for a in messaging.resources(ALARM).values() if a["alarm_name"].startswith("codemate-plain-dlq")]


def test_a_function_alarms_on_errors_and_throttles_to_the_topic(messaging):
    for id, metric in (("worker-errors", "Errors"), ("worker-throttles", "Throttles")):
        a = alarm(messaging, id)
        assert evaluation(a) == ("AWS/Lambda", metric, "Sum", 60, 1, 1, "GreaterThanThreshold", 0)
        assert a["dimensions"] == {"FunctionName": "shop-worker-test"}
        assert a["alarm_actions"] == [topic_ref(messaging)] == a["ok_actions"]


def test_queue_and_function_widgets_only_when_given(full, messaging):
    assert not [t for t in titles(dashboard(full)) if t.startswith(("SQS", "Lambda"))]
    assert [t for t in titles(dashboard(messaging)) if t.startswith(("SQS", "Lambda"))] == [
        "SQS oldest message age (s)", "SQS messages visible", "Lambda errors", "Lambda duration p95 (ms)"]
    rows = metric_rows(dashboard(messaging), "SQS messages visible")
    assert [r[3] for r in rows] == ["shop-jobs-test", "shop-plain-test", "shop-jobs-dlq-test"]


# -- a stack without ECS, and a system's own alarms ------------------------------------------
def synth_without_ecs(widget_title: str | None) -> Synth:
    stack = project_stack(project="shop", environment="test")
    monitoring = Monitoring(stack, "monitoring")
    monitoring.alarm("fn-errors", ("fn", "errors"), "Function fn: a failed invocation", namespace="AWS/Lambda",
                     metric_name="Errors", statistic="Sum", dimensions={"FunctionName": "shop-fn-test"}, threshold=0,
                     widget_title=widget_title)
    return synth_stack(stack)


def test_without_ecs_inputs_there_is_no_ecs_alarm_or_widget():
    synth = synth_without_ecs(None)
    assert [a["namespace"] for a in synth.resources(ALARM).values()] == ["AWS/Lambda"]
    body = json.loads(synth.one(DASHBOARD)["dashboard_body"])
    assert "ECS" not in json.dumps(body)
    assert [w["type"] for w in body["widgets"]] == ["alarm"]


def test_own_alarm_notifies_the_topic_and_is_named_for_the_environment():
    synth = synth_without_ecs(None)
    alarm = synth.one(ALARM)
    topic = synth.ref(TOPIC, synth.one(TOPIC), "arn")
    assert alarm["alarm_name"] == "shop-fn-errors-test"
    assert alarm["alarm_actions"] == [topic] and alarm["ok_actions"] == [topic]
    assert (alarm["threshold"], alarm["comparison_operator"], alarm["treat_missing_data"]) == (
        0, "GreaterThanThreshold", "notBreaching")
    assert alarm["dimensions"] == {"FunctionName": "shop-fn-test"}


def test_own_alarm_with_a_widget_title_gets_a_panel_and_is_in_the_alarm_widget():
    synth = synth_without_ecs("Function fn: errors")
    body = json.loads(synth.one(DASHBOARD)["dashboard_body"])
    (panel,) = [w for w in body["widgets"] if w["type"] == "metric"]
    assert panel["properties"]["title"] == "Function fn: errors"
    assert panel["properties"]["metrics"][0][:4] == ["AWS/Lambda", "Errors", "FunctionName", "shop-fn-test"]
    (alarms,) = [w for w in body["widgets"] if w["type"] == "alarm"]
    assert alarms["properties"]["alarms"] == [synth.ref(ALARM, synth.one(ALARM), "arn")]


def test_a_topic_without_subscribers_is_noted_in_the_summary_and_one_with_them_is_not():
    from tests.support import project_stack

    for emails, notes in (((), ["alarms: topic codemate-alarms-test has no subscriber: nobody is told; "
                                "set monitoring.alarm_emails"]), (("ops@example.com",), [])):
        stack = project_stack(project="codemate", environment="test")
        Monitoring(stack, "monitoring", options=MonitoringOptions(alarm_emails=emails), cluster=CLUSTER,
                   services=SERVICES)
        assert [n for n in stack.notes if n.startswith("alarms:")] == notes
