"""Monitoring of one environment: an encrypted SNS topic, CloudWatch alarms on it, one dashboard.

Alarms; each notifies the topic when it fires
(``alarm_actions``) and when it recovers (``ok_actions``):

=========================  ===================================  =========  ==============  =========================
alarm                      namespace / metric                   statistic  period x count  fires when (defaults)
=========================  ===================================  =========  ==============  =========================
ECS CPU, per service       AWS/ECS CPUUtilization               Average    60 s x 5        > 80 %
unhealthy hosts, per TG    AWS/ApplicationELB UnHealthyHostCount Maximum   60 s x 2        > 0
target 5XX, per TG         AWS/ApplicationELB                   Sum        60 s x 1        > 10
                           HTTPCode_Target_5XX_Count
DB connections, per        AWS/RDS DatabaseConnections          Maximum    60 s x 5        > 80 % of max_connections
DB instance
oldest message, per queue  AWS/SQS ApproximateAgeOfOldestMessage Maximum   60 s x 1        > max_message_age_seconds
DLQ not empty, per DLQ     AWS/SQS                              Maximum    60 s x 1        > 0
                           ApproximateNumberOfMessagesVisible
errors / throttles, per    AWS/Lambda Errors, Throttles         Sum        60 s x 1        > 0
function
=========================  ===================================  =========  ==============  =========================

Queues and functions are optional inputs (:class:`MonitoredQueue`, function names).
Dimensions: ``ClusterName`` + ``ServiceName`` (ECS), ``TargetGroup`` +
``LoadBalancer`` ARN suffixes (ALB), ``DBInstanceIdentifier`` (RDS; every
instance of an Aurora cluster has its own alarm, as ``max_connections`` is per
instance). Missing data is *not breaching*: no requests means no 5XX, a
service without tasks has no CPU to report.

The topic is encrypted with its own customer-managed key whose policy lets
CloudWatch alarms use it (the AWS-managed ``alias/aws/sns`` key does not, and
alarms on it fail), and lets principals of the account use it through SNS only
(e.g. a test ``aws sns publish``). The topic policy admits only this account's alarms and
refuses publishing without TLS. An optional email address is subscribed.

The dashboard (``<project>-<env>``) shows ECS CPU and memory, ALB requests,
5XX errors, healthy/unhealthy hosts and response time, RDS connections (with
the alarm threshold) and CPU, Redis cache hits, misses and hit rate, and the
state of every alarm. The database and the cache are optional inputs
(:class:`MonitoredDatabase`, :class:`MonitoredCache`): without them their
alarm and widgets are left out.
"""

from __future__ import annotations

import json
import re as _re
from dataclasses import dataclass
from enum import Enum
from typing import Mapping, Sequence

from modules.database.max_connections import default_max_connections, engine_name
from modules.errors import ConfigError
from modules.monitoring.options import MonitoringOptions
from modules.stack import ProjectStack
from modules.framework import Construct, aws
from modules.iam.policy import allow
from modules.naming import NameKind
from modules.security.kms import KmsKey, partition_of
from modules.terraform_strings import terraform_literal

PERIOD_SECONDS = 60
DATABASE_CONNECTION_MINUTES = 5
NOT_BREACHING = "notBreaching"
GREATER_THAN = "GreaterThanThreshold"


@dataclass(frozen=True)
class MonitoredLoadBalancer:
    """The load balancer and its target groups, as CloudWatch names them (ARN suffixes)."""

    arn_suffix: str
    """``aws_lb.arn_suffix``: ``app/<name>/<id>``, the ``LoadBalancer`` dimension."""
    target_groups: Mapping[str, str]
    """Short service name -> ``aws_lb_target_group.arn_suffix`` (the ``TargetGroup`` dimension)."""

    @classmethod
    def of(cls, load_balancer) -> MonitoredLoadBalancer:
        """Of a ``LoadBalancer`` construct (``modules/networking/alb.py``)."""
        if isinstance(load_balancer, cls):
            return load_balancer
        return cls(arn_suffix=load_balancer.load_balancer.arn_suffix,
                   target_groups={name: tg.arn_suffix for name, tg in load_balancer.target_groups.items()})


@dataclass(frozen=True)
class MonitoredDatabase:
    """The RDS database: one connections alarm per instance."""

    engine: str | Enum
    """``postgres``, ``mysql`` or ``aurora-mysql`` (or the data tier's ``DatabaseEngine`` member)."""
    instance_class: str
    """e.g. ``db.t4g.micro``: with the engine it gives the default ``max_connections``."""
    instance_identifiers: Sequence[str]
    """``DBInstanceIdentifier`` of each instance (one for an instance; writer and readers of an
    Aurora cluster). Usually tokens of the instances' ``identifier``."""
    max_connections: int | None = None
    """Defaults to the engine's default for ``instance_class``
    (:func:`modules.database.max_connections.default_max_connections`); give the parameter
    group's value when it sets one."""

    @classmethod
    def of(cls, database, max_connections: int | None = None) -> MonitoredDatabase:
        """Of an ``RdsDatabase`` construct: its instance, or every instance of its Aurora cluster."""
        if isinstance(database, cls):
            return database
        instances = [database.instance] if database.instance else database.cluster_instances
        return cls(engine=database.engine, instance_class=database.instance_class,
                   instance_identifiers=[i.identifier for i in instances], max_connections=max_connections)


@dataclass(frozen=True)
class MonitoredCache:
    """The Redis replication group: hit/miss widgets per member cluster (one node each)."""

    replication_group_id: str
    member_cluster_ids: Sequence[str]
    """``CacheClusterId`` of each node, the dimension of ``CacheHits`` / ``CacheMisses``."""

    @classmethod
    def of(cls, cache) -> MonitoredCache:
        """Of a ``RedisCache`` construct."""
        if isinstance(cache, cls):
            return cache
        return cls.of_replication_group(cache.replication_group.replication_group_id, cache.options.num_cache_clusters)

    @classmethod
    def of_replication_group(cls, replication_group_id: str, num_cache_clusters: int) -> MonitoredCache:
        """ElastiCache names the members of a replication group (cluster mode disabled)
        ``<group>-001``, ``<group>-002``, ...: the ids are known before the group exists."""
        return cls(replication_group_id, tuple(f"{replication_group_id}-{n:03d}"
                                               for n in range(1, num_cache_clusters + 1)))


@dataclass(frozen=True)
class MonitoredQueue:
    """An SQS queue (``QueueName`` dimension): its oldest message's age, and its dead-letter queue."""

    queue_name: str
    max_message_age_seconds: int = 900
    """Age of the oldest message above which the alarm fires (consumers stalled). Defaults to 15 minutes."""
    dead_letter_queue_name: str | None = None
    """Defaults to none: no dead-letter alarm."""

    @classmethod
    def of(cls, queue) -> MonitoredQueue:
        """Of a ``Queue`` construct (``modules/messaging/queue.py``)."""
        if isinstance(queue, cls):
            return queue
        return cls(queue.queue_name, queue.options.max_message_age_seconds, queue.dlq_name)


class Monitoring(Construct):
    """Attributes: ``key`` (:class:`KmsKey` of the topic), ``topic``, ``topic_arn``, ``topic_name``,
    ``subscription`` (``None`` without an email), ``alarms`` (``{construct id: alarm}``),
    ``max_connections`` and ``database_connections_threshold`` (``None`` without a database),
    ``dashboard``, ``dashboard_name``."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        options: MonitoringOptions = MonitoringOptions(),
        cluster=None,
        services: Mapping[str, object] | None = None,
        load_balancer: object | None = None,
        database: object | None = None,
        cache: object | None = None,
        queues: Mapping[str, object] | None = None,
        functions: Mapping[str, object] | None = None,
    ) -> None:
        """
        :param options: thresholds and the alarm e-mail (see :class:`~modules.monitoring.options.MonitoringOptions`;
            the defaults are its).
        :param cluster: the ECS cluster (an ``EcsCluster``, or its name): the ``ClusterName`` dimension.
            Defaults to none: a stack without ECS (its own alarms come through :meth:`alarm`).
        :param services: short service name -> ``EcsService`` (or its ECS name), one CPU alarm each.
            Defaults to none: no ECS alarms or widgets.
        :param load_balancer: a ``LoadBalancer`` (or a :class:`MonitoredLoadBalancer`); defaults to none:
            no load-balancer alarms or widgets.
        :param database: an ``RdsDatabase`` (or a :class:`MonitoredDatabase`); defaults to none: no
            connections alarm, no RDS widgets.
        :param cache: a ``RedisCache`` (or a :class:`MonitoredCache`); defaults to none: no Redis widgets.
        :param queues: short name -> ``Queue`` (or :class:`MonitoredQueue`); defaults to none. Each gets an
            alarm on the age of its oldest message and, with a dead-letter queue, one on any message in it.
        :param functions: short name -> ``Function`` (or its name); defaults to none. Each gets an alarm on
            errors and one on throttles (any, in one minute).
        """
        alarm_emails, ecs_cpu_percent, ecs_cpu_minutes = options.alarm_emails, options.ecs_cpu_percent, \
            options.ecs_cpu_minutes
        unhealthy_host_minutes, target_5xx_per_minute = options.unhealthy_host_minutes, options.target_5xx_per_minute
        database_connections_percent = options.database_connections_percent
        cluster_name = getattr(cluster, "cluster_name", cluster)
        services = {name: getattr(s, "service_name", s) for name, s in (services or {}).items()}
        load_balancer = MonitoredLoadBalancer.of(load_balancer) if load_balancer is not None else None
        database = MonitoredDatabase.of(database, options.database_max_connections) if database is not None else None
        cache = MonitoredCache.of(cache) if cache is not None else None
        queues = {name: MonitoredQueue.of(q) for name, q in (queues or {}).items()}
        functions = {name: getattr(f, "function_name", f) for name, f in (functions or {}).items()}
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        naming, region, account_id = stack.naming, stack.region, stack.account_id
        self._naming, self._region = naming, region
        partition = partition_of(region)

        self.key = KmsKey(
            self, "key", purpose="alarms",
            service_principals=("sns",), cloudwatch_alarms=True,
            description=f"SNS alarm topic of {naming.project}-{naming.environment}",
        )
        self.topic_name = naming("alarms", kind=NameKind.SNS_TOPIC)
        self.topic = aws.sns_topic.SnsTopic(
            self, "topic", name=self.topic_name, display_name=f"{naming.project} {naming.environment} alarms",
            kms_master_key_id=self.key.key_arn, tags=naming.tag("alarms"),
        )
        self.topic_arn: str = self.topic.arn
        aws.sns_topic_policy.SnsTopicPolicy(
            self, "topic-policy", arn=self.topic_arn,
            policy=json.dumps({"Version": "2012-10-17", "Statement": [
                allow("CloudWatchAlarmsOfThisAccount", ["sns:Publish"], self.topic_arn,
                      principal={"Service": "cloudwatch.amazonaws.com"},
                      condition={
                          "StringEquals": {"aws:SourceAccount": account_id},
                          "ArnLike": {"aws:SourceArn": f"arn:{partition}:cloudwatch:{region}:{account_id}:alarm:*"},
                      }),
                {"Sid": "DenyPublishWithoutTls", "Effect": "Deny", "Principal": "*", "Action": "sns:Publish",
                 "Resource": self.topic_arn, "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            ]}),
        )
        # One subscription per address, its construct ID from the address (adding or removing one
        # address never touches another's subscription).
        self.subscriptions = [
            aws.sns_topic_subscription.SnsTopicSubscription(
                self, f"email-{_re.sub(r'[^a-z0-9]+', '-', address.lower()).strip('-')}", topic_arn=self.topic_arn,
                protocol="email", endpoint=terraform_literal(address),
            )
            for address in alarm_emails
        ]
        if not alarm_emails:
            stack.notes.append(f"alarms: topic {self.topic_name} has no subscriber: nobody is told; "
                               "set monitoring.alarm_emails")

        self.alarms: dict[str, aws.cloudwatch_metric_alarm.CloudwatchMetricAlarm] = {}
        for name, service_name in services.items():
            self._alarm(
                f"{name}-cpu", (name, "cpu-high"),
                f"ECS service {name}: average CPU above {ecs_cpu_percent} % for {ecs_cpu_minutes} minutes",
                namespace="AWS/ECS", metric_name="CPUUtilization", statistic="Average",
                dimensions={"ClusterName": cluster_name, "ServiceName": service_name},
                threshold=ecs_cpu_percent, evaluation_periods=ecs_cpu_minutes,
            )
        if load_balancer:
            for name, target_group in load_balancer.target_groups.items():
                dimensions = {"TargetGroup": target_group, "LoadBalancer": load_balancer.arn_suffix}
                self._alarm(
                    f"{name}-unhealthy", (name, "unhealthy-hosts"),
                    f"Target group of {name}: an unhealthy target for {unhealthy_host_minutes} minutes",
                    namespace="AWS/ApplicationELB", metric_name="UnHealthyHostCount", statistic="Maximum",
                    dimensions=dimensions, threshold=0, evaluation_periods=unhealthy_host_minutes,
                )
                self._alarm(
                    f"{name}-5xx", (name, "target-5xx"),
                    f"Targets of {name}: more than {target_5xx_per_minute} 5XX responses in one minute",
                    namespace="AWS/ApplicationELB", metric_name="HTTPCode_Target_5XX_Count", statistic="Sum",
                    dimensions=dimensions, threshold=target_5xx_per_minute, evaluation_periods=1,
                )

        self.max_connections: int | None = None
        self.database_connections_threshold: float | None = None
        if database:
            self.max_connections = database.max_connections or self._default_max_connections(database)
            self.database_connections_threshold = round(self.max_connections * database_connections_percent / 100, 2)
            several = len(database.instance_identifiers) > 1
            for i, identifier in enumerate(database.instance_identifiers, start=1):
                suffix = (str(i),) if several else ()
                self._alarm(
                    "-".join(("db-connections", *suffix)), ("db", *suffix, "connections-high"),
                    f"Database instance{' ' + str(i) if several else ''}: more than "
                    f"{database_connections_percent} % of its {self.max_connections} connections "
                    f"({engine_name(database.engine)} on {database.instance_class}) for "
                    f"{DATABASE_CONNECTION_MINUTES} minutes",
                    namespace="AWS/RDS", metric_name="DatabaseConnections", statistic="Maximum",
                    dimensions={"DBInstanceIdentifier": identifier},
                    threshold=self.database_connections_threshold, evaluation_periods=DATABASE_CONNECTION_MINUTES,
                )

        for name, queue in (queues or {}).items():
            self._alarm(
                f"{name}-oldest-message", (name, "oldest-message"),
                f"Queue {name}: a message older than {queue.max_message_age_seconds} s (consumers stalled)",
                namespace="AWS/SQS", metric_name="ApproximateAgeOfOldestMessage", statistic="Maximum",
                dimensions={"QueueName": queue.queue_name}, threshold=queue.max_message_age_seconds,
                evaluation_periods=1,
            )
            if queue.dead_letter_queue_name:
                self._alarm(
                    f"{name}-dlq-not-empty", (name, "dlq-not-empty"),
                    f"Dead-letter queue of {name}: a message failed {name}'s consumers (inspect and redrive it)",
                    namespace="AWS/SQS", metric_name="ApproximateNumberOfMessagesVisible", statistic="Maximum",
                    dimensions={"QueueName": queue.dead_letter_queue_name}, threshold=0, evaluation_periods=1,
                )
        for name, function_name in (functions or {}).items():
            for metric, what in (("Errors", "errors"), ("Throttles", "throttles")):
                self._alarm(
                    f"{name}-{what}", (name, what),
                    f"Function {name}: {what} in the last minute",
                    namespace="AWS/Lambda", metric_name=metric, statistic="Sum",
                    dimensions={"FunctionName": function_name}, threshold=0, evaluation_periods=1,
                )

        self.dashboard_name = naming(kind=NameKind.DASHBOARD)
        self._dashboard_inputs = (cluster_name, services, load_balancer, database, cache, ecs_cpu_percent,
                                  target_5xx_per_minute, queues or {}, functions or {})
        self._extra_panels: list[dict] = []
        self.dashboard = aws.cloudwatch_dashboard.CloudwatchDashboard(
            self, "dashboard", dashboard_name=self.dashboard_name, dashboard_body=self._dashboard_body(),
        )

    def _dashboard_body(self) -> str:
        return json.dumps({"widgets": self._widgets(*self._dashboard_inputs, extra_panels=self._extra_panels)})

    def alarm(self, id: str, name_parts: tuple[str, ...], description: str, *, namespace: str, metric_name: str,
              statistic: str, dimensions: dict[str, str], threshold: float, evaluation_periods: int = 1,
              widget_title: str | None = None):
        """Another alarm on the topic (fires above ``threshold`` for ``evaluation_periods`` minutes;
        missing data is not breaching), named ``<project>-<name_parts>-<env>``; with
        ``widget_title``, a dashboard panel of its metric beside the built-in ones."""
        self._alarm(id, name_parts, description, namespace=namespace, metric_name=metric_name, statistic=statistic,
                    dimensions=dimensions, threshold=threshold, evaluation_periods=evaluation_periods)
        if widget_title:
            dims = [part for item in dimensions.items() for part in item]
            self._extra_panels.append(self._metric(widget_title, metric_name, [(namespace, *dims, id)], statistic,
                                                   threshold=threshold))
        self.dashboard.dashboard_body = self._dashboard_body()
        return self.alarms[id]

    # -- alarms ---------------------------------------------------------------
    def _alarm(self, id: str, name_parts: tuple[str, ...], description: str, *, namespace: str, metric_name: str,
               statistic: str, dimensions: dict[str, str], threshold: float, evaluation_periods: int) -> None:
        self.alarms[id] = aws.cloudwatch_metric_alarm.CloudwatchMetricAlarm(
            self, id, alarm_name=self._naming(*name_parts, kind=NameKind.ALARM), alarm_description=description,
            namespace=namespace, metric_name=metric_name, statistic=statistic, dimensions=dimensions,
            period=PERIOD_SECONDS, evaluation_periods=evaluation_periods, datapoints_to_alarm=evaluation_periods,
            threshold=threshold, comparison_operator=GREATER_THAN, treat_missing_data=NOT_BREACHING,
            actions_enabled=True, alarm_actions=[self.topic_arn], ok_actions=[self.topic_arn],
            tags=self._naming.tag(*name_parts),
        )

    def _default_max_connections(self, database: MonitoredDatabase) -> int:
        try:
            return default_max_connections(database.engine, database.instance_class)
        except ValueError as error:
            raise ConfigError(self._naming.environment, "database.instance_class", database.instance_class,
                              "its default max_connections is not known", str(error)) from None

    # -- dashboard --------------------------------------------------------------
    def _widgets(self, cluster_name: str, services: Mapping[str, str], load_balancer: MonitoredLoadBalancer | None,
                 database: MonitoredDatabase | None, cache: MonitoredCache | None, ecs_cpu_percent: int,
                 target_5xx_per_minute: int, queues: Mapping[str, MonitoredQueue] = {},
                 functions: Mapping[str, str] = {}, extra_panels: Sequence[dict] = ()) -> list[dict]:
        ecs = [("AWS/ECS", "ClusterName", cluster_name, "ServiceName", service_name, name)
               for name, service_name in services.items()]
        panels = [
            self._metric("ECS CPU utilization (%)", "CPUUtilization", ecs, "Average", threshold=ecs_cpu_percent),
            self._metric("ECS memory utilization (%)", "MemoryUtilization", ecs, "Average"),
        ] if services else []
        if load_balancer:
            groups = [("AWS/ApplicationELB", "TargetGroup", tg, "LoadBalancer", load_balancer.arn_suffix, name)
                      for name, tg in load_balancer.target_groups.items()]
            panels += [
                self._metric("ALB requests", "RequestCount", groups, "Sum"),
                self._metric("ALB errors: target 5XX per minute", "HTTPCode_Target_5XX_Count", groups, "Sum",
                             threshold=target_5xx_per_minute, extra=[[
                                 "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer",
                                 load_balancer.arn_suffix, {"label": "load balancer 5XX"}]]),
                self._metric("ALB unhealthy hosts", "UnHealthyHostCount", groups, "Maximum", threshold=0),
                self._metric("ALB healthy hosts", "HealthyHostCount", groups, "Minimum"),
                self._metric("ALB target response time p95 (s)", "TargetResponseTime", groups, "p95"),
            ]
        if database:
            instances = [("AWS/RDS", "DBInstanceIdentifier", identifier, f"instance {i}")
                         for i, identifier in enumerate(database.instance_identifiers, start=1)]
            panels += [
                self._metric(f"RDS connections (max_connections {self.max_connections})", "DatabaseConnections",
                             instances, "Maximum", threshold=self.database_connections_threshold),
                self._metric("RDS CPU utilization (%)", "CPUUtilization", instances, "Average"),
            ]
        if cache:
            panels += self._cache_widgets(cache)
        if queues:
            sqs = [("AWS/SQS", "QueueName", q.queue_name, name) for name, q in queues.items()]
            panels += [
                self._metric("SQS oldest message age (s)", "ApproximateAgeOfOldestMessage", sqs, "Maximum"),
                self._metric("SQS messages visible", "ApproximateNumberOfMessagesVisible", [
                    *sqs, *[("AWS/SQS", "QueueName", q.dead_letter_queue_name, f"{name} DLQ")
                            for name, q in queues.items() if q.dead_letter_queue_name]], "Maximum"),
            ]
        if functions:
            fns = [("AWS/Lambda", "FunctionName", function_name, name) for name, function_name in functions.items()]
            panels += [
                self._metric("Lambda errors", "Errors", fns, "Sum", threshold=0),
                self._metric("Lambda duration p95 (ms)", "Duration", fns, "p95"),
            ]
        panels += extra_panels
        widgets = [{**panel, "x": (i % 2) * 12, "y": (i // 2) * 6, "width": 12, "height": 6}
                   for i, panel in enumerate(panels)]
        widgets.append({
            "type": "alarm", "x": 0, "y": (len(panels) + 1) // 2 * 6, "width": 24, "height": 4,
            "properties": {"title": "Alarms", "alarms": [alarm.arn for alarm in self.alarms.values()]},
        })
        return widgets

    def _metric(self, title: str, metric_name: str, series: Sequence[tuple], stat: str, *,
                threshold: float | None = None, extra: Sequence[list] = ()) -> dict:
        """A line widget of ``metric_name`` for each ``(namespace, dim, value, ..., label)`` in ``series``."""
        metrics = [[namespace, metric_name, *dims, {"label": label}] for namespace, *dims, label in series]
        properties = {
            "title": title, "view": "timeSeries", "stacked": False, "region": self._region, "stat": stat,
            "period": PERIOD_SECONDS, "metrics": [*metrics, *extra],
        }
        if threshold is not None:
            properties["annotations"] = {"horizontal": [{"label": "alarm threshold", "value": threshold}]}
        return {"type": "metric", "properties": properties}

    def _cache_widgets(self, cache: MonitoredCache) -> list[dict]:
        hits_and_misses = [
            ["AWS/ElastiCache", metric, "CacheClusterId", member, {"label": f"{member} {label}"}]
            for member in cache.member_cluster_ids for metric, label in (("CacheHits", "hits"),
                                                                       ("CacheMisses", "misses"))
        ]
        ids = {member: f"m{i}" for i, member in enumerate(cache.member_cluster_ids)}
        hit_rate = [
            *[["AWS/ElastiCache", metric, "CacheClusterId", member, {"id": f"{ids[member]}{suffix}", "visible": False}]
              for member in cache.member_cluster_ids for metric, suffix in (("CacheHits", "h"), ("CacheMisses", "m"))],
            *[[{"expression": f"100 * {ids[m]}h / ({ids[m]}h + {ids[m]}m)", "label": f"{m} hit rate",
                "id": f"{ids[m]}rate"}] for m in cache.member_cluster_ids],
        ]
        common = {"view": "timeSeries", "stacked": False, "region": self._region, "stat": "Sum",
                  "period": PERIOD_SECONDS}
        return [
            {"type": "metric", "properties": {"title": f"Redis {cache.replication_group_id}: hits / misses",
                                              **common, "metrics": hits_and_misses}},
            {"type": "metric", "properties": {"title": f"Redis {cache.replication_group_id}: hit rate (%)",
                                              **common, "metrics": hit_rate,
                                              "yAxis": {"left": {"min": 0, "max": 100}}}},
        ]
