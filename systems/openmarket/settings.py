"""OpenMarket's settings: what one environment may say (values in ``environments/openmarket/``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from modules.database.options import CacheOptions, DatabaseOptions
from modules.validation import (PRODUCTION_ENVIRONMENTS, SettingsCheck, check_physical_names, force_destroy_problem,
                                validate_parts)
from modules.database.engines import DatabaseEngine
from modules.errors import ConfigError
from modules.iam.options import GithubDeployOptions, github_deploy_problems
from modules.kubernetes.options import (
    EksClusterOptions,
    IngressOptions,
    LogShipperOptions,
    NodeGroupOptions,
    cluster_problem,
    node_group_problem,
    platform_problems,
)
from modules.monitoring.options import MonitoringOptions
from modules.networking.options import NatMode, VpcOptions
from modules.project import SystemSettings
from modules.serverless.options import (
    FunctionOptions,
    ScheduleOptions,
    function_problems,
    schedule_expression_problem,
    schedule_outside_hours,
    timezone_problem,
)

SYSTEM = "openmarket"
FUNCTION_NAMES = ("image-processor", "order-notification", "report-generator", "data-sync")
"""The four functions of document 003, each wired to its trigger by the stack."""
DATA_FUNCTIONS = ("report-generator", "data-sync")
"""The functions that use Aurora and Redis (the daily sales report; inventory sync and cache update):
in the VPC, admitted by the database's and the cache's groups, reading their secrets."""
_ORIGIN = re.compile(r"^https?://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$")
_PREFIX = re.compile(r"^[A-Za-z0-9!_.*'()-]+(?:/[A-Za-z0-9!_.*'()-]+)*/$")
DATA_CHECKS = (SettingsCheck.project, SettingsCheck.network, SettingsCheck.database, SettingsCheck.cache,
               SettingsCheck.retention, SettingsCheck.database_engine, SettingsCheck.database_monitoring,
               SettingsCheck.database_protection, SettingsCheck.data_windows, SettingsCheck.cache_auth,
               SettingsCheck.monitoring)
"""The shared per-field checks that apply to OpenMarket (no ECS services, no load balancer)."""


@dataclass(frozen=True, kw_only=True)
class UploadsOptions:
    """The ``uploads`` bucket: user uploads (product images), versioned, tiered, CORS for the web app."""

    cors_origins: tuple[str, ...]
    """Origins of the web app whose browsers upload directly (presigned URLs), e.g.
    ``https://shop.example.com``."""
    image_prefix: str = "images/"
    """Key prefix whose new objects trigger ``image-processor``. Defaults to ``images/`` (no
    leading slash: S3 keys have none)."""
    infrequent_access_after_days: int = 30
    """Days before current objects move to Standard-IA. Defaults to 30 (S3's minimum)."""
    archive_after_days: int | None = 90
    """Days before current objects move to Glacier Instant Retrieval (the document's Glacier at 90 days;
    Instant Retrieval, so an old product image still loads in milliseconds). ``None``: never. Defaults to 90."""
    noncurrent_version_days: int = 30
    """Days an overwritten or deleted upload is kept before it expires. Defaults to 30."""


@dataclass(frozen=True, kw_only=True)
class OpenMarketSettings(SystemSettings):
    """One environment of OpenMarket: EKS (the backend and web front end run there), Aurora
    MySQL, Redis, an uploads bucket and four functions, in a three-tier VPC."""

    network: VpcOptions
    """Public (NAT, load balancers), private (nodes, control-plane interfaces) and database subnets."""
    eks: EksClusterOptions
    node_group: NodeGroupOptions
    database: DatabaseOptions
    """Aurora MySQL (``engine=DatabaseEngine.AURORA_MYSQL``), writer + readers."""
    cache: CacheOptions
    """Redis; 2 or more nodes (automatic failover, Multi-AZ)."""
    uploads: UploadsOptions
    database_working_hours: bool = False
    """Stop the Aurora cluster outside ``node_group.working_hours`` and start it again (EventBridge
    Scheduler). Defaults to off: the cluster runs all the time. Not allowed in prod."""
    functions: tuple[FunctionOptions, ...]
    """The four functions (``FUNCTION_NAMES``), each once: runtime, memory, timeout, code."""
    report_schedule: ScheduleOptions
    """When ``report-generator`` runs (document: daily at 00:00 Asia/Seoul)."""
    data_sync_schedule: ScheduleOptions
    """When ``data-sync`` runs (document: hourly)."""
    order_event_source: str = "openmarket.orders"
    """``source`` of the order events on the bus. Defaults to ``openmarket.orders``."""
    order_created_detail_type: str = "order.created"
    """``detail-type`` that invokes ``order-notification``. Defaults to ``order.created``."""
    monitoring: MonitoringOptions = field(default_factory=lambda: MonitoringOptions())
    images_to_keep: int = 10
    """Images kept in each ECR repository. Defaults to the last 10."""
    github: GithubDeployOptions
    """The repository and branch (and GitHub environments) whose workflows ``backend-ci``,
    ``frontend-ci`` and ``lambda-ci`` may assume the CI role: push the two images, deploy into the
    namespace ``openmarket-<env>``, update the four functions' code."""
    ingress: IngressOptions = field(default_factory=IngressOptions)
    """The ALB the Load Balancer Controller creates from the Ingress. Defaults to 8080 and 3000 from the internet."""
    log_shipper: LogShipperOptions = field(default_factory=LogShipperOptions)
    """Fluent Bit's service account; container logs go to ``/aws/eks/openmarket-<env>/application``."""

    @property
    def namespace(self) -> str:
        """The application's Kubernetes namespace (document 003): ``openmarket-<env>``."""
        return f"{self.project.name}-{self.name}"


def scheduler_cron(expression: str) -> str:
    """A 5-field cron (``0 9 * * MON-FRI``) as an EventBridge Scheduler cron (``cron(0 9 ? * MON-FRI *)``):
    one of day-of-month and day-of-week must be ``?``."""
    minute, hour, day, month, weekday = expression.split()
    if weekday != "*":
        day = "?"
    else:
        weekday = "?"
    return f"cron({minute} {hour} {day} {month} {weekday} *)"


def validate(settings: OpenMarketSettings) -> None:
    """Per-field rules of the shared options, then what only this system's shape requires."""
    validate_parts(settings, DATA_CHECKS)
    env, n = settings.name, settings.network
    production = env in PRODUCTION_ENVIRONMENTS

    def fail(field: str, value: object, problem: str, fix: str):
        raise ConfigError(env, field, value, problem, fix, system=SYSTEM)

    if problem := force_destroy_problem(env, settings.force_destroy):
        fail("force_destroy", True, *problem)

    if not n.private_app_subnet_cidrs:
        fail("network.private_app_subnet_cidrs", (), "the EKS control plane and nodes run in private subnets",
             "give one private subnet per AZ")
    if not n.database_subnet_cidrs:
        fail("network.database_subnet_cidrs", (), "Aurora and Redis run in isolated database subnets",
             "give one database subnet per AZ")
    if n.nat_mode is NatMode.NONE:
        fail("network.nat_mode", n.nat_mode.value, "nodes need NAT to pull images and join the cluster",
             "set nat_mode=NatMode.SINGLE (dev) or NatMode.ONE_PER_AZ (prod)")
    if production and n.nat_mode is not NatMode.ONE_PER_AZ:
        fail("network.nat_mode", n.nat_mode.value, "prod keeps egress when one AZ fails (one NAT per AZ)",
             "set nat_mode=NatMode.ONE_PER_AZ")
    if problem := cluster_problem(settings.eks, production=production):
        fail(f"eks.{problem[0]}", *problem[1:])
    if problem := node_group_problem(settings.node_group):
        fail(f"node_group.{problem[0]}", *problem[1:])
    d, c = settings.database, settings.cache
    if d.engine is not DatabaseEngine.AURORA_MYSQL:
        fail("database.engine", d.engine.value, "OpenMarket's database is an Aurora MySQL cluster (document 003)",
             "set engine=DatabaseEngine.AURORA_MYSQL")
    if d.effective_reader_count < 1:
        fail("database.aurora_reader_count", d.effective_reader_count, "the document asks for a writer and a reader",
             "set aurora_reader_count=1 (or multi_az=True)")
    if c.num_cache_clusters < 2:
        fail("cache.num_cache_clusters", c.num_cache_clusters, "automatic failover needs a replica",
             "use 2 (primary + replica in the other AZ)")
    if settings.database_working_hours and settings.node_group.working_hours is None:
        fail("database_working_hours", True, "the database follows the nodes' working hours, and they have none",
             "set node_group.working_hours=WorkingHoursOptions(), or database_working_hours=False")
    if settings.database_working_hours and production:
        fail("database_working_hours", True, "prod's database runs all the time", "set database_working_hours=False")
    if settings.database_working_hours and settings.node_group.working_hours is not None:
        for name in ("scale_up", "scale_down"):
            expression = getattr(settings.node_group.working_hours, name)
            fields = expression.split()
            if len(fields) == 5 and fields[2] != "*" and fields[4] != "*":
                fail(f"node_group.working_hours.{name}", expression, "the database schedule (EventBridge) cannot "
                     "restrict both day of month and day of week", "use '*' for one of them")
            if len(fields) == 5 and any(c.isdigit() for c in fields[4]):
                fail(f"node_group.working_hours.{name}", expression, "a numeric day of week means different days "
                     "to Auto Scaling (0-6 from Sunday) and EventBridge (1-7 from Sunday)",
                     "name the days, e.g. 'MON-FRI'")
            if len(fields) == 5 and (problem := schedule_expression_problem(scheduler_cron(expression))):
                fail(f"node_group.working_hours.{name}", expression,
                     f"not valid for the database's EventBridge schedule: {problem}", "write it like '0 9 * * MON-FRI'")
    u = settings.uploads
    if not u.cors_origins:
        fail("uploads.cors_origins", (), "the web app uploads from the browser", "list its origin, e.g. "
             "'https://shop.example.com'")
    for i, origin in enumerate(u.cors_origins):
        if not _ORIGIN.match(origin):
            fail(f"uploads.cors_origins[{i}]", origin, "not a web origin (scheme://host[:port], no path)",
                 "write it like 'https://shop.example.com'")
        if production and origin.startswith("http://"):
            fail(f"uploads.cors_origins[{i}]", origin, "prod serves the web app over HTTPS only", "use https://")
    if u.image_prefix.startswith("/"):
        fail("uploads.image_prefix", u.image_prefix, "S3 keys do not start with '/': nothing would match",
             f"write it without the slash: '{u.image_prefix.lstrip('/')}'")
    if not _PREFIX.match(u.image_prefix):
        fail("uploads.image_prefix", u.image_prefix, "not a key prefix ending in '/'", "write it like 'images/'")
    if u.infrequent_access_after_days < 30:
        fail("uploads.infrequent_access_after_days", u.infrequent_access_after_days,
             "S3 moves objects to Standard-IA after 30 days at the earliest", "use 30 or more")
    if u.archive_after_days is not None and u.archive_after_days < u.infrequent_access_after_days + 30:
        fail("uploads.archive_after_days", u.archive_after_days,
             f"objects must stay 30 days in Standard-IA (from day {u.infrequent_access_after_days}) before Glacier",
             f"use {u.infrequent_access_after_days + 30} or more, or None")
    if u.noncurrent_version_days < 1:
        fail("uploads.noncurrent_version_days", u.noncurrent_version_days, "must be at least 1 day", "use e.g. 30")
    names = [f.name for f in settings.functions]
    for name in FUNCTION_NAMES:
        if names.count(name) != 1:
            fail("functions", tuple(names), f"'{name}' must be listed exactly once",
                 f"list each of {', '.join(FUNCTION_NAMES)} once")
    if extra := sorted(set(names) - set(FUNCTION_NAMES)):
        fail("functions", extra[0], "not a function this stack wires to a trigger",
             f"list only {', '.join(FUNCTION_NAMES)}")
    for function in settings.functions:
        for field_name, value, problem, fix in function_problems(function):
            fail(f"functions.{function.name}.{field_name}", value, problem, fix)
        if function.in_vpc != (function.name in DATA_FUNCTIONS):
            fail(f"functions.{function.name}.in_vpc", function.in_vpc,
                 "it uses Aurora and Redis, which only their VPC reaches" if function.in_vpc is False
                 else "it uses nothing in the VPC (a NAT-bound function for nothing)",
                 f"set in_vpc={not function.in_vpc}")
    for field_name in ("report_schedule", "data_sync_schedule"):
        schedule = getattr(settings, field_name)
        if problem := schedule_expression_problem(schedule.expression):
            fail(f"{field_name}.expression", schedule.expression, problem,
                 "write e.g. 'cron(0 0 * * ? *)' (6 fields, '?' in day-of-month or day-of-week) or 'rate(1 hour)'")
        if problem := timezone_problem(schedule.timezone):
            fail(f"{field_name}.timezone", schedule.timezone, problem, "use e.g. 'Asia/Seoul'")
        hours = settings.node_group.working_hours
        if settings.database_working_hours and hours is not None and (problem := schedule_outside_hours(
                schedule, opens=hours.scale_up, closes=hours.scale_down, time_zone=hours.time_zone)):
            fail(f"{field_name}.expression", schedule.expression,
                 f"its function uses the database, which is stopped outside working hours: {problem[0]}", problem[1])
    for field_name, value, problem, fix in platform_problems(settings.ingress, settings.log_shipper):
        fail(field_name, value, problem, fix)
    for field_name, value, problem, fix in github_deploy_problems(settings.github):
        fail(f"github.{field_name}", value, problem, fix)
    if not 1 <= settings.images_to_keep <= 1000:
        fail("images_to_keep", settings.images_to_keep, "ECR lifecycle rules count 1 to 1000 images", "use e.g. 10")
    check_physical_names(settings, buckets=("uploads", "logs"))
