"""modules/serverless/event_sources: queue mapping, S3 notifications, EventBridge rule and schedule (bare stack)."""

from __future__ import annotations

import json

import pytest

from modules.errors import ConfigError
from modules.messaging.event_bus import EventBus
from modules.messaging.options import QueueOptions
from modules.messaging.queue import Queue
from modules.serverless.event_sources import (
    BucketNotifications,
    EventRuleSource,
    ObjectCreatedTrigger,
    QueueEventSource,
    ScheduleSource,
)
from modules.serverless.function import Function
from modules.serverless.options import FunctionOptions, ScheduleOptions, schedule_expression_problem
from modules.storage.secure_bucket import SecureBucket
from tests.support import project_stack, synth_stack

OPTIONS = FunctionOptions(name="worker", source="tests/modules/serverless/fixtures/hello", runtime="nodejs22.x",
                          handler="index.handler", timeout_seconds=60)


def function(stack, name="worker"):
    return Function(stack, name, options=FunctionOptions(**{**OPTIONS.__dict__, "name": name}))


@pytest.fixture(scope="module")
def wired():
    stack = project_stack()
    fn, other = function(stack), function(stack, "thumbs")
    queue = Queue(stack, "jobs", options=QueueOptions(name="jobs", visibility_timeout_seconds=360))
    QueueEventSource(stack, "jobs-source", function=fn, queue=queue, batch_size=5)
    bucket = SecureBucket(stack, "uploads", name="shop-uploads-dev", tags={})
    BucketNotifications(stack, "uploads-events", bucket=bucket, triggers=[
        ObjectCreatedTrigger(other, prefix="images/", suffix=".jpg")])
    bus = EventBus(stack, "bus")
    EventRuleSource(stack, "order-created", function=fn, event_bus=bus, name="order-created",
                    event_pattern={"source": ["shop.orders"], "detail-type": ["order.created"]})
    ScheduleSource(stack, "daily", function=fn, options=ScheduleOptions(
        name="daily-report", expression="cron(0 0 * * ? *)", timezone="Asia/Seoul"))
    return synth_stack(stack)


def arn(synth, path, type_="aws_lambda_function"):
    return synth.ref(type_, synth.by_path(type_, path), "arn")


def test_queue_mapping_reports_batch_item_failures_and_the_function_may_consume(wired):
    mapping = wired.one("aws_lambda_event_source_mapping")
    assert mapping["event_source_arn"] == arn(wired, "jobs/queue", "aws_sqs_queue")
    assert mapping["function_name"] == arn(wired, "worker/function")
    assert (mapping["batch_size"], mapping["function_response_types"]) == (5, ["ReportBatchItemFailures"])
    statements = json.loads(wired.by_path("aws_iam_role_policy", "worker/policy")["policy"])["Statement"]
    assert "sqs:ReceiveMessage" in next(s for s in statements if s["Sid"] == "JobsConsume")["Action"]
    assert "aws_iam_role_policy." + wired.logical_id(wired.by_path("aws_iam_role_policy", "worker/policy")) \
        in mapping["depends_on"]


def test_a_queue_whose_visibility_is_below_the_function_timeout_is_refused():
    stack = project_stack()
    queue = Queue(stack, "jobs", options=QueueOptions(name="jobs", visibility_timeout_seconds=30))
    with pytest.raises(ConfigError) as caught:
        QueueEventSource(stack, "source", function=function(stack), queue=queue)
    assert caught.value.field == "queues.jobs.visibility_timeout_seconds" and "at least 60" in caught.value.fix


def test_a_batch_above_ten_needs_a_batching_window():
    stack = project_stack()
    queue = Queue(stack, "jobs", options=QueueOptions(name="jobs", visibility_timeout_seconds=60))
    with pytest.raises(ConfigError, match="1 to 10 messages without a batching window"):
        QueueEventSource(stack, "source", function=function(stack), queue=queue, batch_size=100)


def test_s3_may_invoke_only_from_that_bucket_of_this_account_with_the_filters(wired):
    permission = wired.one("aws_lambda_permission", principal="s3.amazonaws.com")
    assert permission["source_arn"] == arn(wired, "uploads", "aws_s3_bucket")
    assert permission["source_account"] == "${data.aws_caller_identity.account.account_id}"
    assert permission["function_name"] == wired.ref("aws_lambda_function", wired.by_path("aws_lambda_function",
                                                                                          "thumbs/function"),
                                                    "function_name")
    notification = wired.one("aws_s3_bucket_notification")
    assert notification["lambda_function"] == [{
        "lambda_function_arn": arn(wired, "thumbs/function"), "events": ["s3:ObjectCreated:*"],
        "filter_prefix": "images/", "filter_suffix": ".jpg"}]
    assert notification["depends_on"] == [f"aws_lambda_permission.{wired.logical_id(permission)}"]


def test_an_upload_prefix_with_a_leading_slash_is_refused():
    stack = project_stack()
    bucket = SecureBucket(stack, "uploads", name="shop-uploads-dev", tags={})
    with pytest.raises(ConfigError) as caught:
        BucketNotifications(stack, "n", bucket=bucket, triggers=[ObjectCreatedTrigger(function(stack), prefix="/images/")])
    assert caught.value.field == "functions.worker.s3_prefix" and "leading '/'" in caught.value.fix


def test_event_rule_matches_the_pattern_on_the_custom_bus_and_only_it_may_invoke(wired):
    rule = wired.one("aws_cloudwatch_event_rule")
    bus = wired.one("aws_cloudwatch_event_bus")
    assert bus["name"] == "shop-dev"
    # the bus's own attribute, so the rule waits for the bus (a literal name let the rehearsal create
    # the rule first: "Event bus shop-dev does not exist")
    assert rule["event_bus_name"] == wired.ref("aws_cloudwatch_event_bus", bus, "name")
    assert rule["name"] == "shop-order-created-dev"
    assert json.loads(rule["event_pattern"]) == {"detail-type": ["order.created"], "source": ["shop.orders"]}
    permission = wired.one("aws_lambda_permission", principal="events.amazonaws.com")
    assert permission["source_arn"] == wired.ref("aws_cloudwatch_event_rule", rule, "arn")
    target = wired.one("aws_cloudwatch_event_target")
    assert target["arn"] == arn(wired, "worker/function") and target["event_bus_name"] == rule["event_bus_name"]


def test_schedule_runs_in_its_time_zone_without_flexible_window_and_its_role_invokes_only_the_function(wired):
    schedule = wired.one("aws_scheduler_schedule")
    assert (schedule["schedule_expression"], schedule["schedule_expression_timezone"]) == (
        "cron(0 0 * * ? *)", "Asia/Seoul")
    assert schedule["flexible_time_window"] == {"mode": "OFF"}
    role = wired.by_path("aws_iam_role", "daily/role")
    assert schedule["target"]["role_arn"] == wired.ref("aws_iam_role", role, "arn")
    [trust] = json.loads(role["assume_role_policy"])["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"} and "aws:SourceAccount" in str(trust)
    [statement] = json.loads(wired.by_path("aws_iam_role_policy", "daily/policy")["policy"])["Statement"]
    fn = arn(wired, "worker/function")
    assert statement["Action"] == ["lambda:InvokeFunction"] and statement["Resource"] == [fn, f"{fn}:*"]


@pytest.mark.parametrize("expression", ["cron(0 0 * * ? *)", "cron(0 9 ? * MON-FRI *)", "cron(0/15 * * * ? *)",
                                        "rate(1 hour)", "rate(5 minutes)", "at(2027-01-01T00:00:00)",
                                        "cron(0 18 ? * 6#3 *)"])
def test_valid_schedule_expressions(expression):
    assert schedule_expression_problem(expression) is None


@pytest.mark.parametrize("expression, phrase", [
    ("cron(0 0 * * *)", "6 fields"), ("cron(0 0 * * MON *)", "exactly one of"), ("cron(60 0 * * ? *)", "minutes"),
    ("cron(0 24 * * ? *)", "hours"), ("rate(1 hours)", "singular"), ("rate(0 minutes)", "positive"),
    ("every hour", "not 'rate"), ("rate(2 weeks)", "not 'rate"),
])
def test_invalid_schedule_expressions_are_refused(expression, phrase):
    assert phrase in schedule_expression_problem(expression)


def test_a_schedule_with_an_invalid_cron_or_time_zone_is_refused_naming_the_field():
    stack = project_stack()
    fn = function(stack)
    with pytest.raises(ConfigError) as caught:
        ScheduleSource(stack, "s", function=fn, options=ScheduleOptions(name="hourly", expression="cron(0 * * * *)"))
    assert caught.value.field == "functions.worker.schedules.hourly.expression"
    with pytest.raises(ConfigError, match="IANA"):
        ScheduleSource(stack, "t", function=fn, options=ScheduleOptions(name="daily", expression="rate(1 day)",
                                                                         timezone="Seoul"))


def test_an_event_pattern_that_is_not_a_mapping_of_lists_is_refused():
    stack = project_stack()
    with pytest.raises(ConfigError, match="maps fields to lists"):
        EventRuleSource(stack, "r", function=function(stack), event_bus=EventBus(stack, "bus"), name="orders",
                        event_pattern={"source": "shop.orders"})


def test_two_triggers_of_one_function_on_a_bucket_share_one_permission():
    stack = project_stack()
    fn = function(stack)
    bucket = SecureBucket(stack, "uploads", name="shop-uploads-dev", tags={})
    BucketNotifications(stack, "n", bucket=bucket, triggers=[ObjectCreatedTrigger(fn, prefix="images/", suffix=".jpg"),
                                                             ObjectCreatedTrigger(fn, prefix="images/", suffix=".png")])
    synth = synth_stack(stack)
    assert synth.count("aws_lambda_permission") == 1
    assert [t["filter_suffix"] for t in synth.one("aws_s3_bucket_notification")["lambda_function"]] == [".jpg", ".png"]
