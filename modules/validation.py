"""The validation engine every system's settings use, before any construct is built (no jsii).

Each options class carries its own per-field rules beside its construct (``modules/<area>/options.py``:
``*_problems(options)`` yield ``(field, value, problem, fix)`` relative to the object). This module adds
what spans objects and the path of each object in a system's settings (``services[1](backend).port``,
``service.port``): :class:`SettingsCheck` holds the shared checks, each a method; a system picks the
checks that fit its shape *by object* (``WEB_SERVICE_CHECKS``, or its own tuple of methods) and adds
its own rules in a subclass beside its settings (``systems/<system>/settings.py``). Every rule raises
:class:`modules.errors.ConfigError` naming system, environment, field, value and fix; ``main.py`` turns
it into one line on stderr, exit 2, and writes no output.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import ipaddress
import re
import typing
from enum import Enum
from itertools import combinations

from modules.errors import ConfigError
from modules.account.options import account_problems, budget_problems
from modules.aws_limits import (
    availability_zone_problem,
    duplicate_problem,
    log_retention_problem,
    region_problem,
    tag_problem,
    vpc_cidr_problem,
)
from modules.compute.options import (
    cluster_problems,
    routing_problems,
    service_detail_problems,
    service_problems,
)
from modules.database.options import (
    backup_replica_problems,
    cache_auth_problems,
    cache_problems,
    cache_window_problems,
    database_engine_problems,
    database_monitoring_problems,
    database_problems,
    database_window_problems,
)
from modules.monitoring.options import monitoring_problems
from modules.naming import Naming, bucket_name_problem
from modules.networking.options import NatMode, load_balancer_problems
from modules.project import PRODUCTION_ENVIRONMENTS
from modules.validation_rules import branch_problem, github_repository_problem  # noqa: F401 (re-exported)
from modules.secrets.options import secrets_problems

_PROJECT_NAME = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")
_ENV_NAME = re.compile(r"^[a-z][a-z0-9]*$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
ORIGIN = re.compile(r"^https?://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$")
"""A browser origin: scheme://host[:port], no path."""
ACCOUNT_ID_PLACEHOLDER = "123456789012"
"""Stands in for the account id when a physical name that contains it is checked for length."""


def validate_parts(settings: object, checks: typing.Sequence[typing.Callable[["SettingsCheck"], None]],
                   check_class: type["SettingsCheck"] | None = None) -> None:
    """Type-check ``settings``, then run each check (a :class:`SettingsCheck` method, or a subclass's)
    on it, in order.

    ``settings`` is a system's settings with the shared field names for what it has (``project``,
    ``network``, ``services``, ``load_balancer``, ``secrets``, ``cluster``, ``monitoring``,
    ``log_retention_days``, ``database``, ``cache``, ``force_destroy``)."""
    env = settings.name if isinstance(settings.name, str) and settings.name else "?"
    check_types(settings, env, "")
    checker = (check_class or SettingsCheck)(settings, env)
    for check in checks:
        check(checker)
    checker.account()  # every system's settings say which account and budget (SystemSettings)


def check_types(obj: object, env: str, prefix: str, source: str | None = None) -> None:
    """Raise :class:`ConfigError` for the first field (nested too) whose value has the wrong type."""
    source = source or _settings_file(obj, env)
    hints = typing.get_type_hints(type(obj))
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        path = f"{prefix}{f.name}"
        expected = hints[f.name]
        if not _is_instance(value, expected):
            raise ConfigError(
                env, path, value, f"expected {_describe(expected)}",
                f"write it as {_describe(expected)} in {source}",
            )
        if dataclasses.is_dataclass(value):
            check_types(value, env, f"{path}.", source)
        elif isinstance(value, (tuple, list)):
            for i, item in enumerate(value):
                if dataclasses.is_dataclass(item):
                    check_types(item, env, f"{path}[{i}].", source)


def _settings_file(settings: object, name: str) -> str:
    """``environments/<system>/<name>.py`` of the system whose settings these are: a system's settings
    class lives in ``systems/<package>/settings.py`` and its values in ``environments/<package>/``."""
    parts = type(settings).__module__.split(".")
    folder = parts[1] if len(parts) > 2 and parts[0] == "systems" else "<system>"
    return f"environments/{folder}/{name}.py"


def _is_instance(value: object, expected: typing.Any) -> bool:
    origin = typing.get_origin(expected)
    if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
        return any(_is_instance(value, arg) for arg in typing.get_args(expected))
    if origin is tuple:
        (item_type, _ellipsis) = typing.get_args(expected)
        return isinstance(value, (tuple, list)) and all(_is_instance(v, item_type) for v in value)
    if origin is dict:
        key_type, value_type = typing.get_args(expected)
        return isinstance(value, dict) and all(
            _is_instance(k, key_type) and _is_instance(v, value_type) for k, v in value.items()
        )
    if expected is type(None):
        return value is None
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)


def _describe(expected: typing.Any) -> str:
    origin = typing.get_origin(expected)
    if origin is tuple:
        return f"a tuple of {_describe(typing.get_args(expected)[0])}"
    if origin is dict:
        return "a dict of str to str"
    if isinstance(expected, type) and issubclass(expected, Enum):
        return f"a {expected.__name__} member, e.g. {expected.__name__}.{next(iter(expected)).name}"
    return getattr(expected, "__name__", str(expected))


class SettingsCheck:
    """The shared checks, one method each, on one environment's settings (``self.s``)."""

    def __init__(self, settings, env: str):
        self.s = settings
        self.env = env

    def first(self, path: str, problems: typing.Iterable[tuple[str, object, str, str]]) -> None:
        """Raise the first of an options object's own problems (``field`` relative to ``path``)."""
        for field, value, problem, fix in problems:
            self.fail(f"{path}.{field}", value, problem, fix)

    def fail(self, field: str, value: object, problem: str, fix: str) -> typing.NoReturn:
        raise ConfigError(self.env, field, value, problem, fix)

    # -- project ----------------------------------------------------------
    def project(self) -> None:
        s, p = self.s, self.s.project
        if not _ENV_NAME.match(s.name):
            self.fail("name", s.name, "environment names are lowercase letters and digits",
                      "rename it, e.g. 'dev', 'staging2'")
        if not p.name:
            self.fail("project.name", p.name, "the project name is empty",
                      f"set name= in {_settings_file(s, 'project')}")
        if not _PROJECT_NAME.match(p.name):
            self.fail("project.name", p.name, "use lowercase letters, digits and inner hyphens",
                      f"rename it in {_settings_file(s, 'project')}")
        if not _REGION.match(p.region):
            self.fail("project.region", p.region, "not an AWS region name",
                      "use a region such as 'ap-northeast-2'")
        if problem := region_problem(p.region):
            self.fail("project.region", p.region, *problem)
        azs = p.availability_zones
        if len(azs) < 2:
            self.fail("project.availability_zones", azs, "RDS and the ALB need subnets in at least 2 AZs",
                      f"list two AZs of {p.region}, e.g. '{p.region}a', '{p.region}c'")
        for i, az in enumerate(azs):
            if not re.fullmatch(re.escape(p.region) + r"[a-z]", az):
                self.fail(f"project.availability_zones[{i}]", az, f"not an AZ of region {p.region}",
                          f"use '{p.region}' followed by a zone letter, e.g. '{p.region}a'")
            if problem := availability_zone_problem(p.region, az):
                self.fail(f"project.availability_zones[{i}]", az, *problem)
        if len(set(azs)) != len(azs):
            self.fail("project.availability_zones", azs, "an AZ is listed twice", "list each AZ once")
        if problem := bucket_name_problem(p.state_bucket):
            self.fail("project.state_bucket", p.state_bucket, problem, "follow S3's bucket naming rules")
        if not _TABLE_NAME.match(p.lock_table):
            self.fail("project.lock_table", p.lock_table, "not a valid DynamoDB table name",
                      "use 3-255 characters from a-z, A-Z, 0-9, '_', '-', '.'")
        if problem := tag_problem("ManagedBy", p.managed_by):
            self.fail("project.managed_by", p.managed_by, *problem)
        for key, value in self.s.extra_tags.items():
            if problem := tag_problem(key, value):
                self.fail(f"extra_tags[{key!r}]", value, *problem)

    # -- network ----------------------------------------------------------
    def _cidr(self, field: str, value: str) -> ipaddress.IPv4Network:
        if "/" not in value:
            self.fail(field, value, "no prefix length", "write it as a.b.c.d/n, e.g. '10.0.1.0/24'")
        try:
            net = ipaddress.ip_network(value, strict=False)
        except ValueError:
            self.fail(field, value, "not a valid IPv4 CIDR block", "write it as a.b.c.d/n, e.g. '10.0.1.0/24'")
        if not isinstance(net, ipaddress.IPv4Network):
            self.fail(field, value, "not an IPv4 CIDR block", "write it as a.b.c.d/n, e.g. '10.0.1.0/24'")
        if str(net) != value:
            self.fail(field, value, "host bits are set", f"use the network address: '{net}'")
        if not 16 <= net.prefixlen <= 28:
            self.fail(field, value, "AWS allows prefix lengths /16 to /28 for VPCs and subnets",
                      "choose a prefix between /16 and /28")
        return net

    def network(self) -> None:
        n, azs = self.s.network, self.s.project.availability_zones
        vpc = self._cidr("network.vpc_cidr", n.vpc_cidr)
        if problem := vpc_cidr_problem(n.vpc_cidr):
            self.fail("network.vpc_cidr", n.vpc_cidr, *problem)
        tiers = {
            "network.public_subnet_cidrs": (n.public_subnet_cidrs, False),
            "network.private_app_subnet_cidrs": (n.private_app_subnet_cidrs, True),
            # a system without a database or cache has no database tier
            "network.database_subnet_cidrs": (n.database_subnet_cidrs, getattr(self.s, "database", None) is None),
        }
        subnets: list[tuple[str, ipaddress.IPv4Network]] = []
        for field, (cidrs, may_be_empty) in tiers.items():
            if len(cidrs) != len(azs) and not (may_be_empty and not cidrs):
                self.fail(field, tuple(cidrs), f"{len(cidrs)} subnets for {len(azs)} availability zones",
                          f"give exactly one subnet per AZ ({len(azs)})" + (" or none" if may_be_empty else ""))
            for i, cidr in enumerate(cidrs):
                path = f"{field}[{i}]"
                net = self._cidr(path, cidr)
                if not net.subnet_of(vpc):
                    self.fail(path, cidr, f"outside the VPC {vpc}", f"pick a range inside {vpc}")
                subnets.append((path, net))
        for (path_a, a), (path_b, b) in combinations(subnets, 2):
            if a == b:
                self.fail(path_b, str(b), f"duplicates {path_a}", f"give each subnet its own range inside {vpc}")
            if a.overlaps(b):
                self.fail(path_b, str(b), f"overlaps {path_a} ('{a}')",
                          f"give each subnet its own range inside {vpc}")
        if n.nat_mode is not NatMode.NONE and not n.private_app_subnet_cidrs:
            self.fail("network.nat_mode", n.nat_mode.value, "a NAT gateway without private app subnets costs "
                      "money and serves nothing", "set nat_mode=NatMode.NONE or add private app subnets")

    # -- services ---------------------------------------------------------
    def services(self) -> None:
        """Each service's own rules (beside its options), then unique names and ports."""
        seen_names: dict[str, int] = {}
        seen_ports: dict[int, int] = {}
        for i, svc in enumerate(self.s.services):
            path = self._svc(i)
            self.first(path, service_problems(svc))
            if svc.name in seen_names:
                self.fail(f"{path}.name", svc.name, f"same name as services[{seen_names[svc.name]}]",
                          "give every service its own name")
            seen_names[svc.name] = i
            if svc.port in seen_ports:
                other = self.s.services[seen_ports[svc.port]].name
                self.fail(f"{path}.port", svc.port, f"same port as services[{seen_ports[svc.port]}]({other})",
                          "give every service its own container port")
            seen_ports[svc.port] = i

    # -- data -------------------------------------------------------------
    def database(self) -> None:
        self.first("database", database_problems(self.s.database))
        if self.s.database.backup_replica is not None:
            self.first("database.backup_replica",
                       backup_replica_problems(self.s.database.backup_replica, self.s.project.region))

    def cache(self) -> None:
        self.first("cache", cache_problems(self.s.cache))

    def retention(self) -> None:
        days = self.s.log_retention_days
        if problem := log_retention_problem(days):
            self.fail("log_retention_days", days, *problem)
        network = getattr(self.s, "network", None)  # a system without a VPC (functions only) has no flow logs
        flow = network.flow_log_retention_days if network is not None else None
        if flow is not None and (problem := log_retention_problem(flow)):
            self.fail("network.flow_log_retention_days", flow, problem[0],
                      f"{problem[1]}, or leave it out to use log_retention_days")

    # -- physical names ---------------------------------------------------
    def names(self) -> None:
        naming = Naming(self.s.project.name, self.env)
        naming.alb_name()
        for svc in self.s.services:
            naming.target_group_name(svc.name)

    # -- application tier: services, load balancer, secrets -----------------
    def _svc(self, i: int) -> str:
        """Where service ``i`` is set: ``services[1](backend)``, or ``service`` in a system of one
        service (its settings have a ``service`` field)."""
        if any(f.name == "service" for f in dataclasses.fields(self.s)):
            return "service"
        return f"services[{i}]({self.s.services[i].name})"

    def secrets(self) -> None:
        self.first("secrets", secrets_problems(self.s.secrets))

    def routing(self) -> None:
        """Each service's own path patterns and priority, then what spans services: one route per
        pattern, one rule per priority, exactly one default action."""
        patterns: dict[str, str] = {}
        priorities: dict[int, str] = {}
        defaults: list[int] = []
        for i, svc in enumerate(self.s.services):
            path = self._svc(i)
            self.first(path, routing_problems(svc))
            if not svc.load_balanced:
                continue
            for pattern in svc.path_patterns:
                if pattern in patterns:
                    self.fail(f"{path}.path_patterns", pattern, f"already routed to service '{patterns[pattern]}'",
                              "route each path pattern to exactly one service")
                patterns[pattern] = svc.name
            if not svc.path_patterns:
                defaults.append(i)
                continue
            priority = svc.listener_priority
            if priority in priorities:
                self.fail(f"{path}.listener_priority", priority,
                          f"same priority as the rule of service '{priorities[priority]}'",
                          "give every service's listener rule its own priority")
            priorities[priority] = svc.name
        balanced = [s.name for s in self.s.services if s.load_balanced]
        if balanced and not defaults:
            self.fail("services", tuple(balanced), "every load-balanced service has path_patterns: "
                      "the listener has no default action", "leave path_patterns empty on exactly one service")
        if len(defaults) > 1:
            first = self.s.services[defaults[0]].name
            self.fail(f"{self._svc(defaults[1])}.path_patterns", (),
                      f"service '{first}' is already the default action (no path_patterns)",
                      "give this service path_patterns and a listener_priority")

    def service_details(self) -> None:
        """Each service's own details, then what depends on the rest of the settings: secrets that
        exist, unique discovery names, a network the tasks can run in, the data tier and buckets."""
        n, known_secrets = self.s.network, set(self.s.secrets.names)
        discovery: dict[str, str] = {}
        for i, svc in enumerate(self.s.services):
            path = self._svc(i)
            self.first(path, service_detail_problems(svc))
            for j, ref in enumerate(svc.secrets):
                if ref.secret not in known_secrets:
                    self.fail(f"{path}.secrets[{j}].secret", ref.secret, "not a secret of this environment",
                              f"use one of {sorted(known_secrets)} or add it to secrets.names")
            if svc.discovery_name is not None:
                if svc.discovery_name in discovery:
                    self.fail(f"{path}.discovery_name", svc.discovery_name,
                              f"already the name of service '{discovery[svc.discovery_name]}'",
                              "give every service its own discovery name")
                discovery[svc.discovery_name] = svc.name
            if not svc.assign_public_ip:
                if not n.private_app_subnet_cidrs:
                    self.fail(f"{path}.assign_public_ip", False, "no private app subnets to run the tasks in",
                              "set assign_public_ip=True (public subnets) or add private_app_subnet_cidrs")
                if n.nat_mode is NatMode.NONE:
                    self.fail(f"{path}.assign_public_ip", False,
                              "tasks without public IP and without NAT cannot pull their image",
                              "set assign_public_ip=True or choose a nat_mode other than NONE")
            if svc.data_tier_access:
                injected = set(DATA_TIER_VARIABLES) & ({*svc.environment} | {r.variable for r in svc.secrets})
                if injected:
                    self.fail(f"{path}.data_tier_access", True,
                              f"{sorted(injected)} are set by data_tier_access and by the service itself",
                              "remove them from environment/secrets, or set data_tier_access=False")
            if svc.files_bucket_access and getattr(self.s, "storage", None) is None:
                self.fail(f"{path}.files_bucket_access", True, "there is no files bucket (storage is None)",
                          "set storage=StorageSettings() or files_bucket_access=False")

    def load_balancer(self) -> None:
        lb = self.s.load_balancer
        self.first("load_balancer", load_balancer_problems(lb))
        if lb.access_logs and getattr(self.s, "storage", True) is None:
            self.fail("load_balancer.access_logs", True, "access logs need the logs bucket (storage is None)",
                      "set load_balancer.access_logs=False or storage=StorageSettings()")

    def cluster(self) -> None:
        self.first("cluster", cluster_problems(self.s.cluster))

    def application_names(self) -> None:
        naming = Naming(self.s.project.name, self.env)
        naming.ecs_cluster_name()
        repositories: dict[str, str] = {}
        for i, svc in enumerate(self.s.services):
            naming.ecs_service_name(svc.name)
            naming.task_family(svc.name)
            repository = naming.repository_name(svc.image_repository or f"{self.s.project.name}-{svc.name}")
            if repository in repositories:
                self.fail(f"{self._svc(i)}.image_repository", svc.image_repository,
                          *duplicate_problem(repository, f"service '{repositories[repository]}'", "ECR repository"))
            repositories[repository] = svc.name
            naming.ecs_log_group_name(svc.name)
            naming.role_name(svc.name, "exec")
            naming.role_name(svc.name, "task")
        for name in self.s.secrets.names:
            naming.secret_name(name)
    # -- data tier: engine, protection, windows, cache auth ----------------
    def database_engine(self) -> None:
        self.first("database", database_engine_problems(self.s.database, project_name=self.s.project.name))

    def database_monitoring(self) -> None:
        self.first("database", database_monitoring_problems(self.s.database))

    def database_protection(self) -> None:
        d = self.s.database
        if self.env not in PRODUCTION_ENVIRONMENTS or d.allow_unprotected_prod:
            return
        if not d.deletion_protection:
            self.fail("database.deletion_protection", False, "a production database must refuse deletion",
                      "set deletion_protection=True, or allow_unprotected_prod=True if you really mean it")
        if not d.final_snapshot:
            self.fail("database.final_snapshot", False,
                      "a production database must leave a final snapshot when destroyed",
                      "set final_snapshot=True, or allow_unprotected_prod=True if you really mean it")

    def account(self) -> None:
        """The environment's account and budget (every system has them)."""
        if hasattr(self.s, "account"):
            self.first("account", account_problems(self.s.account))
        if hasattr(self.s, "budget"):
            self.first("budget", budget_problems(self.s.budget))

    def teardown(self) -> None:
        """``force_destroy`` is refused in production."""
        if problem := force_destroy_problem(self.env, self.s.force_destroy):
            self.fail("force_destroy", True, *problem)

    def data_windows(self) -> None:
        self.first("database", database_window_problems(self.s.database))
        self.first("cache", cache_window_problems(self.s.cache))

    def cache_auth(self) -> None:
        self.first("cache", cache_auth_problems(self.s.cache))

    # -- monitoring ----------------------------------------------------------
    def monitoring(self) -> None:
        self.first("monitoring", monitoring_problems(self.s.monitoring))

    # -- physical names of functions, queues, schedules, node groups and services --------------------
    def physical_names(self) -> None:
        """:func:`physical_name_problems` without buckets (a system whose buckets have their own check)."""
        for field, value, problem, fix in physical_name_problems(self.s, buckets=()):
            self.fail(field, value, problem, fix)

DATA_TIER_VARIABLES = ("DATABASE_HOST", "DATABASE_PORT", "DATABASE_NAME", "REDIS_HOST", "REDIS_PORT",
                       "REDIS_TLS", "REDIS_AUTH_TOKEN")
"""Variables a service with ``data_tier_access`` receives (modules/patterns/load_balanced_service.py)."""


_TEARDOWN = contextvars.ContextVar("deliberate_teardown", default=False)


@contextlib.contextmanager
def deliberate_teardown():
    """Inside, :func:`force_destroy_problem` lets production tear down with its contents: only for the
    settings of :func:`modules.teardown.teardown_settings` (``main.py --teardown``), never for a
    committed environment."""
    token = _TEARDOWN.set(True)
    try:
        yield
    finally:
        _TEARDOWN.reset(token)


def force_destroy_problem(environment: str, force_destroy: bool) -> tuple[str, str] | None:
    """``(problem, fix)`` when ``force_destroy`` is on in a production environment, else ``None``:
    every system's ``validate`` refuses it there (a destroy must never delete uploads, logs or images),
    except in a :func:`deliberate_teardown`."""
    if force_destroy and environment in PRODUCTION_ENVIRONMENTS and not _TEARDOWN.get():
        return ("a production destroy must never delete uploads, logs or images with their buckets",
                "set force_destroy=False (to tear production down deliberately: python main.py --teardown "
                "<system:env>, see README 'Tearing production down')")
    return None




WEB_SERVICE_CHECKS = (
    SettingsCheck.project, SettingsCheck.network, SettingsCheck.services, SettingsCheck.retention,
    SettingsCheck.names, SettingsCheck.secrets, SettingsCheck.routing, SettingsCheck.service_details,
    SettingsCheck.load_balancer, SettingsCheck.cluster, SettingsCheck.application_names, SettingsCheck.monitoring,
)
"""The checks that apply to any system of load-balanced Fargate services (no data tier, no buckets
beyond a logs bucket, no pipeline)."""
DATA_TIER_CHECKS = (
    SettingsCheck.database, SettingsCheck.cache, SettingsCheck.database_engine,
    SettingsCheck.database_monitoring, SettingsCheck.database_protection, SettingsCheck.data_windows,
    SettingsCheck.cache_auth,
)
"""The checks of a system with a database and a Redis cache (``database``, ``cache``)."""


# -- physical names of everything a system composes by hand (functions, queues, schedules, node groups) --
from modules.aws_limits import queue_name_problem  # noqa: E402
from modules.compute.options import EcsServiceOptions  # noqa: E402
from modules.kubernetes.options import NodeGroupOptions, node_group_problem, node_group_region_problem  # noqa: E402
from modules.messaging.options import QueueOptions, queue_problems  # noqa: E402
from modules.naming import NameKind  # noqa: E402
from modules.serverless.options import (  # noqa: E402
    SCHEDULE_NAME,
    FunctionOptions,
    ScheduleOptions,
    function_problems,
    schedule_problems,
)

_COMPOSED = (FunctionOptions, QueueOptions, ScheduleOptions, NodeGroupOptions, EcsServiceOptions)


def composed_options(settings: object, prefix: str = "") -> list[tuple[str, object]]:
    """``(path, options)`` of every function, queue, schedule, node group and service in ``settings``
    (nested and in tuples), in field order: ``canvas_sync``, ``queues[0](assignment-events)``."""
    found: list[tuple[str, object]] = []
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        items = [(f"{prefix}{f.name}", value)] if not isinstance(value, (tuple, list)) else [
            (f"{prefix}{f.name}[{i}]" + (f"({item.name})" if isinstance(getattr(item, "name", None), str) else ""),
             item) for i, item in enumerate(value)]
        for path, item in items:
            if isinstance(item, _COMPOSED):
                found.append((path, item))
            elif dataclasses.is_dataclass(item) and not isinstance(item, type):
                found.extend(composed_options(item, f"{path}."))
    return found


def physical_name_problems(settings, *, buckets: tuple[str, ...] = ("logs",)):
    """``(field, value, problem, fix)`` for what a system composes by hand, before any construct is
    built: each function's, queue's, schedule's and node group's own rules; the physical names AWS
    will see (``<project>-<name>-<env>``: Lambda 64, SQS 80 with its characters and no ``.fifo``,
    Scheduler 64, IAM roles 64) and their bucket names; one name per AWS namespace across functions,
    queues, schedules and services (queue ``a-dlq`` is queue ``a``'s dead-letter queue); instance
    types EC2 offers in the region. ``field`` is the full path in the settings."""
    env, project = settings.name, settings.project
    naming = Naming(project.name, env)
    taken: dict[str, dict[str, str]] = {}  # AWS namespace -> physical name -> its owner (a settings path)

    def full(*parts: str) -> str:
        return "-".join([project.name, *parts, env])

    def claim(namespace: str, name: str, path: str, owner: str):
        if name in taken.setdefault(namespace, {}):
            return (f"{path}.name", name.removeprefix(f"{project.name}-").removesuffix(f"-{env}"),
                    *duplicate_problem(name, taken[namespace][name], namespace))
        taken[namespace][name] = owner
        return None

    def too_long(path: str, name: str, kind: NameKind):
        if len(name) > kind.limit:
            return (f"{path}.name", name, f"the {kind.label} is {len(name)} characters; AWS allows {kind.limit}",
                    "shorten this name, or the project or environment name")
        return None

    for purpose in buckets:
        try:
            naming.bucket_name(purpose, ACCOUNT_ID_PLACEHOLDER)
        except ConfigError as error:  # S3's naming rules, on the project and environment names
            yield error.field, error.value, error.problem, error.fix
    for path, o in composed_options(settings):
        own = (function_problems(o) if isinstance(o, FunctionOptions) else queue_problems(o)
               if isinstance(o, QueueOptions) else schedule_problems(o) if isinstance(o, ScheduleOptions)
               else [problem] if isinstance(o, NodeGroupOptions) and (problem := node_group_problem(o)) else [])
        for field, value, problem, fix in own:
            yield f"{path}.{field}", value, problem, fix
        checks: list = []
        if isinstance(o, FunctionOptions):
            name = full(o.name)
            checks = [too_long(path, name, NameKind.LAMBDA_FUNCTION),
                      too_long(path, full(o.name, "fn"), NameKind.IAM_ROLE),
                      claim("Lambda function", name, path, path),
                      claim("IAM role", full(o.name, "fn"), path, f"{path} (its role)"),
                      claim("log group", f"/aws/lambda/{name}", path, path)]
        elif isinstance(o, QueueOptions):
            for name, owner in ((full(o.name), path),) + (
                    ((full(o.name, "dlq"), f"{path}'s dead-letter queue"),) if o.dead_letter else ()):
                if problem := queue_name_problem(name):
                    checks.append((f"{path}.name", name, *problem))
                checks.append(claim("SQS queue", name, path, owner))
        elif isinstance(o, ScheduleOptions):
            name = full(o.name)
            if not SCHEDULE_NAME.match(name):
                checks.append((f"{path}.name", name, f"the EventBridge Scheduler schedule name is {len(name)} "
                               "characters; AWS allows 64 of letters, digits, '.', '-' and '_'",
                               "shorten this name, or the project or environment name"))
            checks += [too_long(path, full(o.name, "schedule"), NameKind.IAM_ROLE),
                       claim("EventBridge Scheduler schedule", name, path, path),
                       claim("IAM role", full(o.name, "schedule"), path, f"{path} (its role)")]
        elif isinstance(o, EcsServiceOptions):
            checks = [claim("IAM role", full(o.name, role), path, f"{path} (its {role} role)")
                      for role in ("exec", "task")]
            checks.append(claim("log group", f"/aws/ecs/{full(o.name)}", path, path))
        elif isinstance(o, NodeGroupOptions):
            if problem := node_group_region_problem(o, project.region):
                checks.append((f"{path}.{problem[0]}", *problem[1:]))
        yield from (c for c in checks if c is not None)


def check_physical_names(settings, *, buckets: tuple[str, ...] = ("logs",)) -> None:
    """Raise :class:`ConfigError` for the first of :func:`physical_name_problems` (each system's
    ``validate`` ends with it)."""
    for field, value, problem, fix in physical_name_problems(settings, buckets=buckets):
        raise ConfigError(settings.name, field, value, problem, fix)
