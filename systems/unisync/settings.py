"""UniSync's settings: what one environment may say (values in ``environments/unisync/``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from modules.database.options import DatabaseOptions
from modules.validation import (WEB_SERVICE_CHECKS, SettingsCheck, check_physical_names, force_destroy_problem,
                                validate_parts)
from modules.compute.options import EcsClusterOptions, EcsServiceOptions
from modules.database.engines import DatabaseEngine
from modules.errors import ConfigError
from modules.messaging.options import QueueOptions, consumer_problem, queue_problems
from modules.monitoring.options import MonitoringOptions
from modules.networking.options import LoadBalancerOptions, NatMode, VpcOptions
from modules.project import SystemSettings
from modules.secrets.options import SecretsOptions
from modules.serverless.options import (
    FunctionOptions,
    ScheduleOptions,
    function_problems,
    schedule_expression_problem,
    timezone_problem,
)

GATEWAY = "api-gateway"
FUNCTION = "canvas-sync"
FLOW_QUEUES = ("assignment-events", "submission-events", "task-creation", "llm-analysis")


@dataclass(frozen=True, kw_only=True)
class QueueFlow:
    """Who sends to and who consumes from one queue (services by name, or the function)."""

    queue: str
    senders: tuple[str, ...]
    consumers: tuple[str, ...]


FLOWS: tuple[QueueFlow, ...] = (
    QueueFlow(queue="assignment-events", senders=(FUNCTION,), consumers=("course-service",)),
    QueueFlow(queue="submission-events", senders=(FUNCTION,), consumers=("schedule-service",)),
    QueueFlow(queue="task-creation", senders=("course-service",), consumers=("schedule-service",)),
    QueueFlow(queue="llm-analysis", senders=("schedule-service",), consumers=(GATEWAY,)),
)
"""The document's message flows; each sender gets ``grant_send``, each consumer ``grant_consume``."""


@dataclass(frozen=True, kw_only=True)
class UniSyncSettings(SystemSettings):
    """One environment of UniSync: an API gateway behind the load balancer, three internal services
    reached by name (Cloud Map), a MySQL database, a Lambda that syncs Canvas, and SQS queues."""

    network: VpcOptions
    """Public (ALB, NAT), private app (tasks, function) and database subnets; NAT for image pulls,
    AWS APIs and Canvas."""
    services: tuple[EcsServiceOptions, ...]
    """``api-gateway`` (load-balanced) and the internal ``user-service``, ``course-service``,
    ``schedule-service`` (each with a ``discovery_name``)."""
    database: DatabaseOptions
    """MySQL (8.4 by default); the schemas ``user_db``, ``course_db``, ``schedule_db`` are the app's."""
    canvas_sync: FunctionOptions
    """The Canvas synchronisation function (Python, in the private subnets)."""
    canvas_api_base_url: str
    """``CANVAS_API_BASE_URL`` of the function, e.g. ``https://canvas.instructure.com``."""
    queues: tuple[QueueOptions, ...]
    """At least the four queues of the flows (:data:`FLOWS`); ``assignment-events`` has a DLQ."""
    calls: dict[str, tuple[str, ...]] = field(default_factory=lambda: {
        GATEWAY: ("user-service", "course-service", "schedule-service"), FUNCTION: ("user-service",)})
    """Who calls which internal service (by service name): the only service-to-service rules of
    the security groups. Defaults to the document's: the gateway calls all three, the function
    calls the user service."""
    flows: tuple[QueueFlow, ...] = FLOWS
    """Who sends to and consumes from each queue. Defaults to the document's (:data:`FLOWS`). When
    the function consumes a queue, an event source mapping delivers its messages (partial batch
    failures reported) and the queue's visibility timeout must be at least the function's timeout."""
    canvas_sync_schedule: ScheduleOptions | None = None
    """When EventBridge Scheduler runs the sync. Defaults to none: invoked by hand or another system."""
    load_balancer: LoadBalancerOptions = field(default_factory=lambda: LoadBalancerOptions(access_logs=False, waf=False))
    """Defaults to HTTP only (no domain), no access logs, no WAF."""
    secrets: SecretsOptions = field(default_factory=lambda: SecretsOptions(names=("encryption-key", "database", "canvas", "cognito")))
    """Defaults to ``encryption-key`` (the document's ``ENCRYPTION_KEY``), ``database`` (the app user), ``canvas`` (API token), ``cognito`` (``{userPoolId, clientId}``)."""
    cluster: EcsClusterOptions = field(default_factory=lambda: EcsClusterOptions())
    monitoring: MonitoringOptions = field(default_factory=lambda: MonitoringOptions())
    images_to_keep: int = 10
    """Images kept in each ECR repository. Defaults to the last 10."""


def validate(settings: UniSyncSettings) -> None:
    """Per-field rules of the shared options, then what only this system's shape requires."""
    validate_parts(settings, (*WEB_SERVICE_CHECKS, SettingsCheck.database, SettingsCheck.database_engine,
                              SettingsCheck.database_monitoring, SettingsCheck.database_protection))
    env, n, s = settings.name, settings.network, settings

    def fail(field: str, value: object, problem: str, fix: str):
        raise ConfigError(env, field, value, problem, fix, system="unisync")

    if problem := force_destroy_problem(env, settings.force_destroy):
        fail("force_destroy", True, *problem)

    if not n.private_app_subnet_cidrs or not n.database_subnet_cidrs:
        fail("network.private_app_subnet_cidrs" if not n.private_app_subnet_cidrs else "network.database_subnet_cidrs",
             (), "the services and the function run in private subnets, the database in isolated ones",
             "give one private app and one database subnet per AZ")
    if n.nat_mode is NatMode.NONE and not s.services:  # tasks without NAT fail the shared checks first
        fail("network.nat_mode", n.nat_mode.value, "the function needs NAT (AWS APIs, Canvas)",
             "set nat_mode=NatMode.SINGLE (dev) or NatMode.ONE_PER_AZ (prod)")
    by_name = {svc.name: svc for svc in s.services}
    balanced = [svc.name for svc in s.services if svc.load_balanced]
    if balanced != [GATEWAY]:
        fail("services", tuple(balanced), f"only {GATEWAY} is behind the load balancer",
             f"set load_balanced=False on every service but {GATEWAY}")
    for i, svc in enumerate(s.services):
        if svc.assign_public_ip:
            fail(f"services[{i}]({svc.name}).assign_public_ip", True, "tasks run in the private subnets",
                 "set assign_public_ip=False")
        if svc.name != GATEWAY and not svc.discovery_name:
            fail(f"services[{i}]({svc.name}).discovery_name", None, "internal services are reached by name",
                 f"set discovery_name='{svc.name}'")
    if s.database.engine is not DatabaseEngine.MYSQL:
        fail("database.engine", s.database.engine.value, "UniSync's services use MySQL", "set engine=DatabaseEngine.MYSQL")

    fn = s.canvas_sync
    for field_, value, problem, fix in function_problems(fn):
        fail(f"canvas_sync.{field_}", value, problem, fix)
    if not fn.in_vpc:
        fail("canvas_sync.in_vpc", False, "the function reaches the user service by its private name",
             "set in_vpc=True")
    if not re.fullmatch(r"https://[A-Za-z0-9.-]+(:\d{1,5})?(/[^\s]*)?", s.canvas_api_base_url):
        fail("canvas_api_base_url", s.canvas_api_base_url, "not an https:// URL", "e.g. 'https://canvas.instructure.com'")
    if (schedule := s.canvas_sync_schedule) is not None:
        if problem := schedule_expression_problem(schedule.expression):
            fail("canvas_sync_schedule.expression", schedule.expression, problem,
                 "write e.g. 'rate(1 hour)' or 'cron(0 * * * ? *)'")
        if problem := timezone_problem(schedule.timezone):
            fail("canvas_sync_schedule.timezone", schedule.timezone, problem, "e.g. 'Asia/Seoul'")

    queues = {q.name: q for q in s.queues}
    for i, q in enumerate(s.queues):
        for field_, value, problem, fix in queue_problems(q):
            fail(f"queues[{i}]({q.name}).{field_}", value, problem, fix)
        if [x.name for x in s.queues].count(q.name) > 1:
            fail(f"queues[{i}].name", q.name, "listed twice", "list each queue once")
    for name in FLOW_QUEUES:
        if name not in queues:
            fail("queues", tuple(queues), f"the flows need the queue '{name}'", f"add QueueOptions(name='{name}')")
    if queues["assignment-events"].dead_letter is None:
        fail("queues(assignment-events).dead_letter", None, "the document gives assignment-events a dead-letter queue",
             "set dead_letter=DeadLetterOptions()")
    index = {q.name: i for i, q in enumerate(s.queues)}
    for j, flow in enumerate(s.flows):
        if flow.queue not in queues:
            fail(f"flows[{j}].queue", flow.queue, "not a queue of the environment", f"use one of {sorted(queues)}")
        for party in (*flow.senders, *flow.consumers):
            if party != FUNCTION and party not in by_name:
                fail(f"flows[{j}]({flow.queue})", party, "not a service or the function",
                     f"use '{FUNCTION}' or one of {sorted(by_name)}")
        if FUNCTION in flow.consumers and (problem := consumer_problem(queues[flow.queue], fn.timeout_seconds)):
            fail(f"queues[{index[flow.queue]}]({flow.queue}).visibility_timeout_seconds",
                 queues[flow.queue].visibility_timeout_seconds, problem,
                 f"raise it to at least {fn.timeout_seconds} (AWS advises 6x the function timeout)")

    for caller, callees in s.calls.items():
        if caller != FUNCTION and caller not in by_name:
            fail(f"calls[{caller!r}]", caller, "not a service or the function", f"use one of {sorted(by_name)}")
        for callee in callees:
            target = by_name.get(callee)
            if target is None or not target.discovery_name:
                fail(f"calls[{caller!r}]", callee, "not an internal service (one with a discovery_name)",
                     "name a service reached through service discovery")
    if not 1 <= s.images_to_keep <= 1000:
        fail("images_to_keep", s.images_to_keep, "ECR lifecycle rules count 1 to 1000 images", "use e.g. 10")
    check_physical_names(settings)
