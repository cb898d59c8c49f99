"""What invokes a function, each with the permission or role it needs and nothing more.

* :class:`QueueEventSource`: the function consumes an SQS queue (event source mapping, batch size,
  partial batch failures reported); the queue grants the function ``grant_consume``. The queue's
  visibility timeout must be at least the function's timeout.
* :class:`BucketNotifications`: functions invoked when objects are created in a bucket (prefix /
  suffix filters); each function admits S3 for *that bucket* of this account only. One
  notification configuration per bucket (S3 has one), so every trigger of a bucket goes here.
* :class:`EventRuleSource`: an EventBridge rule with an event pattern on a custom bus; the
  function admits that rule only.
* :class:`ScheduleSource`: an EventBridge Scheduler schedule (cron or rate, time zone, flexible
  window off) with its own role that may invoke that function only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from modules.errors import ConfigError
from modules.framework import Construct, aws
from modules.iam.policy import allow, document
from modules.messaging.event_bus import EventBus
from modules.messaging.options import consumer_problem
from modules.messaging.queue import Queue
from modules.naming import NameKind
from modules.serverless.function import Function
from modules.serverless.options import (
    ScheduleOptions,
    s3_key_filter_problem,
    schedule_expression_problem,
    timezone_problem,
)
from modules.stack import ProjectStack

REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"


class QueueEventSource(Construct):
    """Attributes: ``mapping`` (the ``aws_lambda_event_source_mapping``). Construct ID: ``mapping``."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        function: Function,
        queue: Queue,
        batch_size: int = 10,
        max_batching_window_seconds: int = 0,
        report_batch_item_failures: bool = True,
        maximum_concurrency: int | None = None,
    ) -> None:
        """
        :param batch_size: messages per invocation: 1-10, or up to 10000 with a batching window.
            Defaults to 10.
        :param max_batching_window_seconds: how long to gather a batch (0-300 s). Defaults to 0.
        :param report_batch_item_failures: defaults to on: the function returns the ids of the
            messages that failed (``batchItemFailures``) and only those are retried.
        :param maximum_concurrency: concurrent invocations for this queue (2-1000). Defaults to
            none: Lambda's scaling.
        """
        super().__init__(scope, id)
        env = ProjectStack.of(self).environment
        name = queue.options.name

        def fail(field: str, value: object, problem: str, fix: str):
            raise ConfigError(env, field, value, problem, fix)

        if problem := consumer_problem(queue.options, function.timeout_seconds):
            fail(f"queues.{name}.visibility_timeout_seconds", queue.options.visibility_timeout_seconds, problem,
                 f"raise it to at least {function.timeout_seconds} (AWS advises 6x the function timeout)")
        if not 0 <= max_batching_window_seconds <= 300:
            fail(f"queues.{name}.max_batching_window_seconds", max_batching_window_seconds,
                 "Lambda gathers a batch 0 to 300 seconds", "choose 0 to 300")
        limit = 10 if max_batching_window_seconds == 0 else 10000
        if not 1 <= batch_size <= limit:
            fail(f"queues.{name}.batch_size", batch_size, f"an SQS batch is 1 to {limit} messages"
                 + ("" if limit == 10000 else " without a batching window"),
                 "choose 1 to 10, or set a batching window for up to 10000")
        if maximum_concurrency is not None and not 2 <= maximum_concurrency <= 1000:
            fail(f"queues.{name}.maximum_concurrency", maximum_concurrency, "Lambda accepts 2 to 1000",
                 "choose 2 to 1000, or leave it out")

        queue.grant_consume(function)
        self.mapping = aws.lambda_event_source_mapping.LambdaEventSourceMapping(
            self, "mapping", event_source_arn=queue.queue_arn, function_name=function.function_arn,
            batch_size=batch_size, maximum_batching_window_in_seconds=max_batching_window_seconds,
            function_response_types=[REPORT_BATCH_ITEM_FAILURES] if report_batch_item_failures else None,
            scaling_config={"maximum_concurrency": maximum_concurrency} if maximum_concurrency else None,
            # Lambda checks the role can read the queue when the mapping is created.
            depends_on=[function.policy.resource],
        )


@dataclass(frozen=True)
class ObjectCreatedTrigger:
    """A function invoked when an object whose key matches ``prefix`` and ``suffix`` is created."""

    function: Function
    prefix: str = ""
    """e.g. ``images/``. Defaults to none: every key."""
    suffix: str = ""
    """e.g. ``.jpg``. Defaults to none: every key."""


class BucketNotifications(Construct):
    """Attributes: ``notification``, ``permissions``. Construct IDs: ``allow-<function>``, ``notification``."""

    def __init__(self, scope: Construct, id: str, *, bucket: Any, triggers: Sequence[ObjectCreatedTrigger]) -> None:
        """
        :param bucket: the bucket (anything with ``bucket_name`` and ``bucket_arn``, e.g. a ``SecureBucket``).
        :param triggers: at least one; filters of two triggers must not overlap (S3 refuses it).
        """
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        if not triggers:
            raise ValueError("BucketNotifications: give at least one trigger")
        for t in triggers:
            for field, value in (("prefix", t.prefix), ("suffix", t.suffix)):
                if value and (problem := s3_key_filter_problem(value)):
                    raise ConfigError(stack.environment, f"functions.{t.function.options.name}.s3_{field}", value,
                                      problem, "write the key prefix without a leading '/', e.g. 'images/'"
                                      if value.startswith("/") else "use a literal prefix or suffix")
        self.permissions = {}
        for t in triggers:
            name = t.function.options.name
            if name not in self.permissions:
                self.permissions[name] = aws.lambda_permission.LambdaPermission(
                    self, f"allow-{name}", statement_id=f"AllowS3ObjectCreated-{id}", action="lambda:InvokeFunction",
                    function_name=t.function.function_name, principal="s3.amazonaws.com",
                    source_arn=bucket.bucket_arn, source_account=stack.account_id,
                )
        self.notification = aws.s3_bucket_notification.S3BucketNotification(
            self, "notification", bucket=bucket.bucket_name,
            lambda_function=[aws.s3_bucket_notification.S3BucketNotificationLambdaFunction(
                lambda_function_arn=t.function.function_arn, events=["s3:ObjectCreated:*"],
                filter_prefix=t.prefix or None, filter_suffix=t.suffix or None,
            ) for t in triggers],
            # S3 tests the invoke permission when the configuration is saved.
            depends_on=list(self.permissions.values()),
        )


class EventRuleSource(Construct):
    """Attributes: ``rule``, ``target``, ``permission``. Construct IDs: ``rule``, ``target``, ``allow``."""

    def __init__(self, scope: Construct, id: str, *, function: Function, event_bus: EventBus, name: str,
                 event_pattern: Mapping[str, Any], description: str = "") -> None:
        """
        :param name: short name of the rule: ``<project>-<name>-<env>``.
        :param event_pattern: an EventBridge pattern, e.g. ``{"source": ["shop.orders"],
            "detail-type": ["order.created"]}`` (a non-empty mapping of lists or nested mappings).
        :param description: defaults to none.
        """
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        if not event_pattern or not all(isinstance(v, (list, dict)) for v in event_pattern.values()):
            raise ConfigError(stack.environment, f"functions.{function.options.name}.event_pattern",
                              dict(event_pattern), "an event pattern maps fields to lists of values (or nested "
                              "patterns)", "write e.g. {'source': ['shop.orders'], 'detail-type': ['order.created']}")
        self.rule = aws.cloudwatch_event_rule.CloudwatchEventRule(
            self, "rule", name=stack.naming(name, kind=NameKind.EVENT_RULE), event_bus_name=event_bus.event_bus_name,
            event_pattern=json.dumps(event_pattern, sort_keys=True), description=description or None,
            tags=stack.naming.tag(name, "rule"),
        )
        self.permission = aws.lambda_permission.LambdaPermission(
            self, "allow", statement_id=f"AllowEventRule-{name}", action="lambda:InvokeFunction",
            function_name=function.function_name, principal="events.amazonaws.com", source_arn=self.rule.arn,
        )
        self.target = aws.cloudwatch_event_target.CloudwatchEventTarget(
            self, "target", rule=self.rule.name, event_bus_name=event_bus.event_bus_name, arn=function.function_arn,
            target_id=function.options.name, depends_on=[self.permission],
        )


class ScheduleSource(Construct):
    """Attributes: ``schedule``, ``role``. Construct IDs: ``role``, ``policy``, ``schedule``."""

    def __init__(self, scope: Construct, id: str, *, function: Function, options: ScheduleOptions,
                 max_retries: int = 2) -> None:
        """
        :param options: validated here (cron/rate syntax, time zone).
        :param max_retries: retries of a failed invocation (0-185). Defaults to 2.
        """
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        naming, o = stack.naming, options
        field = f"functions.{function.options.name}.schedules.{o.name}"
        if problem := schedule_expression_problem(o.expression):
            raise ConfigError(stack.environment, f"{field}.expression", o.expression, problem,
                              "write e.g. 'cron(0 0 * * ? *)' (6 fields, one of day-of-month/day-of-week '?') "
                              "or 'rate(1 hour)'")
        if problem := timezone_problem(o.timezone):
            raise ConfigError(stack.environment, f"{field}.timezone", o.timezone, problem, "e.g. 'Asia/Seoul'")
        if not 0 <= max_retries <= 185:
            raise ValueError(f"schedule {o.name}: max_retries is 0 to 185")
        schedule_name = naming(o.name, kind=NameKind.SCHEDULE)
        self.role = aws.iam_role.IamRole(
            self, "role", name=naming.role_name(o.name, "schedule"),
            description=f"EventBridge Scheduler invokes {function.options.name} ({o.name})",
            assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"}, "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": stack.account_id}},
            }]}),
            tags=naming.tag(o.name, "schedule"),
        )
        policy = aws.iam_role_policy.IamRolePolicy(
            self, "policy", role=self.role.id, name="invoke",
            policy=document(allow("InvokeFunction", ["lambda:InvokeFunction"],
                                  [function.function_arn, f"{function.function_arn}:*"])),
        )
        self.schedule = aws.scheduler_schedule.SchedulerSchedule(
            self, "schedule", name=schedule_name, group_name="default", description=o.description or None,
            schedule_expression=o.expression, schedule_expression_timezone=o.timezone, state="ENABLED",
            flexible_time_window={"mode": "OFF"},
            target={"arn": function.function_arn, "role_arn": self.role.arn,
                    "retry_policy": {"maximum_retry_attempts": max_retries}},
            depends_on=[policy],
        )
