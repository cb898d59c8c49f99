"""Validation of one environment's settings, before any construct is built.

Each rule raises :class:`modules.errors.ConfigError` naming the environment,
the field, the bad value and the fix. ``main.py`` turns it into one line on
stderr and a non-zero exit, and writes no output.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import typing
from enum import Enum
from itertools import combinations

from environments.settings import EnvironmentSettings
from modules.database.instance_classes import (
    ELASTICACHE_NODE_TYPE_MEMORY_GIB,
    RDS_INSTANCE_CLASS_MEMORY_GIB,
)
from modules.errors import ConfigError
from modules.database.engines import (
    ENGINES,
    PERFORMANCE_INSIGHTS_RETENTION_DAYS,
    DatabaseEngine,
    instance_class_problem,
    log_export_problem,
    performance_insights_problem,
    version_problem,
)
from modules.naming import Naming, bucket_name_problem

# CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                      2557, 2922, 3288, 3653)

# Fargate task sizes: cpu units -> allowed memory (MiB).
FARGATE_MEMORY_MIB: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}

_PROJECT_NAME = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")
_ENV_NAME = re.compile(r"^[a-z][a-z0-9]*$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
_RDS_CLASS = re.compile(r"^db\.[a-z][a-z0-9-]*\.[a-z0-9]+$")
_CACHE_NODE = re.compile(r"^cache\.[a-z][a-z0-9]*\.[a-z0-9]+$")
_ECR_REPOSITORY = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")
_IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_ENV_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SECRET_LIKE = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL", re.I)
_SECRET_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_JSON_KEY = re.compile(r"^[^:\s]+$")
_DNS_LABEL = re.compile(r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
_ORIGIN = re.compile(r"^https?://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$")
_PATH_PATTERN = re.compile(r"^/[A-Za-z0-9_\-.$/~\"'@:+*?&=%]{0,127}$")
# An ALB listener rule holds at most 5 condition values.
MAX_PATH_PATTERNS = 5
ACCOUNT_ID_PLACEHOLDER = "123456789012"
# CI/CD: GitHub owner (39 chars, inner single hyphens) / repository (100 chars), CodeBuild's Linux sizes.
_GITHUB_REPOSITORY = re.compile(r"^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}/[A-Za-z0-9._-]{1,100}$")
_CONNECTION_ARN = re.compile(
    r"^arn:aws(?:-[a-z]+)*:(?:codestar-connections|codeconnections):[a-z]{2}(?:-[a-z]+)+-\d+:\d{12}:"
    r"connection/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
_SOURCE_DIRECTORY = re.compile(r"^[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*/?$")
CODEBUILD_COMPUTE_TYPES = ("BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE",
                           "BUILD_GENERAL1_XLARGE", "BUILD_GENERAL1_2XLARGE")


def validate(settings: EnvironmentSettings) -> None:
    """Raise :class:`ConfigError` for the first wrong setting; return if all are right."""
    env = settings.name if isinstance(settings.name, str) and settings.name else "?"
    _check_types(settings, env, "")
    _Check(settings, env).run()


def _check_types(obj: object, env: str, prefix: str) -> None:
    hints = typing.get_type_hints(type(obj))
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        path = f"{prefix}{f.name}"
        expected = hints[f.name]
        if not _is_instance(value, expected):
            raise ConfigError(
                env, path, value, f"expected {_describe(expected)}",
                f"write it as {_describe(expected)} in environments/{env}.py",
            )
        if dataclasses.is_dataclass(value):
            _check_types(value, env, f"{path}.")
        elif isinstance(value, (tuple, list)):
            for i, item in enumerate(value):
                if dataclasses.is_dataclass(item):
                    _check_types(item, env, f"{path}[{i}].")


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


class _Check:
    def __init__(self, settings: EnvironmentSettings, env: str):
        self.s = settings
        self.env = env

    def fail(self, field: str, value: object, problem: str, fix: str) -> typing.NoReturn:
        raise ConfigError(self.env, field, value, problem, fix)

    def run(self) -> None:
        self.project()
        self.network()
        self.services()
        self.database()
        self.cache()
        self.retention()
        self.names()
        self.secrets()
        self.routing()
        self.service_details()
        self.load_balancer()
        self.storage()
        self.cluster()
        self.application_names()
        self.database_engine()
        self.database_monitoring()
        self.database_protection()
        self.teardown()
        self.data_windows()
        self.cache_auth()
        self.monitoring()
        self.cicd()

    # -- project ----------------------------------------------------------
    def project(self) -> None:
        s, p = self.s, self.s.project
        if not _ENV_NAME.match(s.name):
            self.fail("name", s.name, "environment names are lowercase letters and digits",
                      "rename it, e.g. 'dev', 'staging2'")
        if not p.name:
            self.fail("project.name", p.name, "the project name is empty",
                      "set name= in environments/project.py, e.g. 'codemate'")
        if not _PROJECT_NAME.match(p.name):
            self.fail("project.name", p.name, "use lowercase letters, digits and inner hyphens",
                      "rename it in environments/project.py, e.g. 'codemate'")
        if not _REGION.match(p.region):
            self.fail("project.region", p.region, "not an AWS region name",
                      "use a region such as 'ap-northeast-2'")
        azs = p.availability_zones
        if len(azs) < 2:
            self.fail("project.availability_zones", azs, "RDS and the ALB need subnets in at least 2 AZs",
                      f"list two AZs of {p.region}, e.g. '{p.region}a', '{p.region}c'")
        for i, az in enumerate(azs):
            if not re.fullmatch(re.escape(p.region) + r"[a-z]", az):
                self.fail(f"project.availability_zones[{i}]", az, f"not an AZ of region {p.region}",
                          f"use '{p.region}' followed by a zone letter, e.g. '{p.region}a'")
        if len(set(azs)) != len(azs):
            self.fail("project.availability_zones", azs, "an AZ is listed twice", "list each AZ once")
        if problem := bucket_name_problem(p.state_bucket):
            self.fail("project.state_bucket", p.state_bucket, problem, "follow S3's bucket naming rules")
        if not _TABLE_NAME.match(p.lock_table):
            self.fail("project.lock_table", p.lock_table, "not a valid DynamoDB table name",
                      "use 3-255 characters from a-z, A-Z, 0-9, '_', '-', '.'")

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
        tiers = {
            "network.public_subnet_cidrs": (n.public_subnet_cidrs, False),
            "network.private_app_subnet_cidrs": (n.private_app_subnet_cidrs, True),
            "network.database_subnet_cidrs": (n.database_subnet_cidrs, False),
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
        from environments.settings import NatMode

        if n.nat_mode is not NatMode.NONE and not n.private_app_subnet_cidrs:
            self.fail("network.nat_mode", n.nat_mode.value, "a NAT gateway without private app subnets costs "
                      "money and serves nothing", "set nat_mode=NatMode.NONE or add private app subnets")

    # -- services ---------------------------------------------------------
    def services(self) -> None:
        seen_names: dict[str, int] = {}
        seen_ports: dict[int, int] = {}
        for i, svc in enumerate(self.s.services):
            path = f"services[{i}]({svc.name})"
            if not _SERVICE_NAME.match(svc.name):
                self.fail(f"{path}.name", svc.name, "use lowercase letters, digits and inner hyphens",
                          "rename the service, e.g. 'backend'")
            if svc.name in seen_names:
                self.fail(f"{path}.name", svc.name, f"same name as services[{seen_names[svc.name]}]",
                          "give every service its own name")
            seen_names[svc.name] = i
            if not 1 <= svc.port <= 65535:
                self.fail(f"{path}.port", svc.port, "not a TCP port", "use a port from 1 to 65535")
            if svc.port in seen_ports:
                other = self.s.services[seen_ports[svc.port]].name
                self.fail(f"{path}.port", svc.port, f"same port as services[{seen_ports[svc.port]}]({other})",
                          "give every service its own container port")
            seen_ports[svc.port] = i
            if svc.cpu not in FARGATE_MEMORY_MIB:
                self.fail(f"{path}.cpu", svc.cpu, "Fargate does not offer this CPU size",
                          f"use one of {', '.join(map(str, FARGATE_MEMORY_MIB))}")
            allowed = FARGATE_MEMORY_MIB[svc.cpu]
            if svc.memory not in allowed:
                self.fail(f"{path}.memory", svc.memory, f"Fargate does not accept this memory with cpu={svc.cpu}",
                          f"use {allowed[0]}..{allowed[-1]} MiB in steps of {allowed[1] - allowed[0]}"
                          if len(allowed) > 1 else f"use {allowed[0]}")
            if not svc.health_check_path.startswith("/"):
                self.fail(f"{path}.health_check_path", svc.health_check_path, "not an absolute path",
                          "start it with '/', e.g. '/health'")
            if not 0 <= svc.min_count <= svc.desired_count <= svc.max_count:
                self.fail(f"{path}.desired_count", (svc.min_count, svc.desired_count, svc.max_count),
                          "needs 0 <= min_count <= desired_count <= max_count",
                          "adjust min_count, desired_count and max_count")
            if svc.max_count < 1:
                self.fail(f"{path}.max_count", svc.max_count, "a service that can never run a task",
                          "set max_count to 1 or more")

    # -- data -------------------------------------------------------------
    def database(self) -> None:
        d = self.s.database
        if not _RDS_CLASS.match(d.instance_class):
            self.fail("database.instance_class", d.instance_class, "malformed RDS instance class",
                      "write it as db.<family>.<size>, e.g. 'db.t4g.micro'")
        if d.instance_class not in RDS_INSTANCE_CLASS_MEMORY_GIB:
            self.fail("database.instance_class", d.instance_class, "unknown RDS instance class",
                      "use a known class such as 'db.t4g.micro' or add it to "
                      "modules/database/instance_classes.py")
        if not 20 <= d.allocated_storage_gb <= 65536:
            self.fail("database.allocated_storage_gb", d.allocated_storage_gb, "gp3 storage is 20 to 65536 GB",
                      "choose a size from 20 to 65536")
        if d.max_allocated_storage_gb and d.max_allocated_storage_gb <= d.allocated_storage_gb:
            self.fail("database.max_allocated_storage_gb", d.max_allocated_storage_gb,
                      f"must exceed allocated_storage_gb ({d.allocated_storage_gb})",
                      "raise it, or set 0 to turn storage autoscaling off")
        if not 0 <= d.backup_retention_days <= 35:
            self.fail("database.backup_retention_days", d.backup_retention_days, "RDS keeps backups 0 to 35 days",
                      "choose 0 to 35")
        if not 1150 <= d.effective_port <= 65535:
            self.fail("database.port", d.port, "RDS accepts ports 1150 to 65535",
                      f"use e.g. {ENGINES[d.engine].port}, or leave it out for the engine's port")

    def cache(self) -> None:
        c = self.s.cache
        if not _CACHE_NODE.match(c.node_type):
            self.fail("cache.node_type", c.node_type, "malformed ElastiCache node type",
                      "write it as cache.<family>.<size>, e.g. 'cache.t4g.micro'")
        if c.node_type not in ELASTICACHE_NODE_TYPE_MEMORY_GIB:
            self.fail("cache.node_type", c.node_type, "unknown ElastiCache node type",
                      "use a known type such as 'cache.t4g.micro' or add it to "
                      "modules/database/instance_classes.py")
        if not 1 <= c.num_cache_clusters <= 6:
            self.fail("cache.num_cache_clusters", c.num_cache_clusters, "a replication group has 1 to 6 nodes",
                      "use 1 (single node) or 2-6 (primary + replicas)")
        if not 0 <= c.snapshot_retention_days <= 35:
            self.fail("cache.snapshot_retention_days", c.snapshot_retention_days,
                      "ElastiCache keeps snapshots 0 to 35 days", "choose 0 to 35")
        if not 1 <= c.port <= 65535:
            self.fail("cache.port", c.port, "not a TCP port", "use e.g. 6379")

    def retention(self) -> None:
        days = self.s.log_retention_days
        if days not in LOG_RETENTION_DAYS:
            self.fail("log_retention_days", days, "CloudWatch Logs does not offer this retention",
                      f"use one of {', '.join(map(str, LOG_RETENTION_DAYS[:12]))}, ...")
        flow = self.s.network.flow_log_retention_days
        if flow is not None and flow not in LOG_RETENTION_DAYS:
            self.fail("network.flow_log_retention_days", flow, "CloudWatch Logs does not offer this retention",
                      f"use one of {', '.join(map(str, LOG_RETENTION_DAYS[:12]))}, ... or leave it out "
                      "to use log_retention_days")

    # -- physical names ---------------------------------------------------
    def names(self) -> None:
        naming = Naming(self.s.project.name, self.env)
        naming.alb_name()
        for svc in self.s.services:
            naming.target_group_name(svc.name)

    # -- application tier (SPEC §3 compute, load balancer, secrets, storage) --
    def _svc(self, i: int) -> str:
        return f"services[{i}]({self.s.services[i].name})"

    def secrets(self) -> None:
        sec = self.s.secrets
        for i, name in enumerate(sec.names):
            if not _SECRET_NAME.match(name):
                self.fail(f"secrets.names[{i}]", name, "use lowercase letters, digits, '-' and '_'",
                          "rename it, e.g. 'github-oauth'")
            if name in sec.names[:i]:
                self.fail(f"secrets.names[{i}]", name, "listed twice", "list each secret once")
        if sec.recovery_window_days != 0 and not 7 <= sec.recovery_window_days <= 30:
            self.fail("secrets.recovery_window_days", sec.recovery_window_days,
                      "Secrets Manager accepts 0 (delete at once) or 7 to 30 days",
                      "use 0 only in dev, otherwise 7 to 30")

    def routing(self) -> None:
        patterns: dict[str, str] = {}
        priorities: dict[int, str] = {}
        defaults: list[int] = []
        for i, svc in enumerate(self.s.services):
            path = self._svc(i)
            if not svc.load_balanced:
                if svc.path_patterns or svc.listener_priority is not None:
                    self.fail(f"{path}.path_patterns", svc.path_patterns,
                              "path patterns on a service that is not behind the load balancer",
                              "set load_balanced=True or remove path_patterns and listener_priority")
                continue
            if len(svc.path_patterns) > MAX_PATH_PATTERNS:
                self.fail(f"{path}.path_patterns", svc.path_patterns,
                          f"a listener rule holds at most {MAX_PATH_PATTERNS} path patterns",
                          "use wildcards ('/api/*') to need fewer patterns")
            for pattern in svc.path_patterns:
                if not _PATH_PATTERN.match(pattern):
                    self.fail(f"{path}.path_patterns", pattern, "not an ALB path pattern",
                              "start it with '/', at most 128 characters, no spaces, e.g. '/api/*'")
                if pattern in patterns:
                    self.fail(f"{path}.path_patterns", pattern, f"already routed to service '{patterns[pattern]}'",
                              "route each path pattern to exactly one service")
                patterns[pattern] = svc.name
            priority = svc.listener_priority
            if not svc.path_patterns:
                if priority is not None:
                    self.fail(f"{path}.listener_priority", priority,
                              "a priority without path patterns (the default action has no rule)",
                              "remove listener_priority, or add path_patterns")
                defaults.append(i)
                continue
            if priority is None:
                self.fail(f"{path}.listener_priority", None, "path patterns need a listener rule priority",
                          "set listener_priority from 1 to 50000 (lower is evaluated first)")
            if not 1 <= priority <= 50000:
                self.fail(f"{path}.listener_priority", priority, "ALB rule priorities are 1 to 50000",
                          "choose a priority from 1 to 50000")
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
        n, known_secrets = self.s.network, set(self.s.secrets.names)
        from environments.settings import NatMode

        discovery: dict[str, str] = {}
        for i, svc in enumerate(self.s.services):
            path = self._svc(i)
            if svc.image_repository is not None and not (
                2 <= len(svc.image_repository) <= 200 and _ECR_REPOSITORY.match(svc.image_repository)
            ):
                self.fail(f"{path}.image_repository", svc.image_repository, "not a valid ECR repository name",
                          "use lowercase letters, digits, '.', '_', '-' and '/' between parts, "
                          "e.g. 'openmarket/backend'")
            if not _IMAGE_TAG.match(svc.image_tag) or svc.image_tag == "latest":
                self.fail(f"{path}.image_tag", svc.image_tag,
                          "not a usable tag of an immutable repository ('latest' cannot be pushed twice)",
                          "use a fixed tag such as 'bootstrap' or a release version")
            for field, target in (("cpu_scaling_target", svc.cpu_scaling_target),
                                  ("memory_scaling_target", svc.memory_scaling_target)):
                if target is not None and not 10 <= target <= 95:
                    self.fail(f"{path}.{field}", target, "a utilisation target outside 10-95 %",
                              "use e.g. 70 for CPU, 80 for memory")
            if svc.max_count > svc.min_count and svc.cpu_scaling_target is None and svc.memory_scaling_target is None:
                self.fail(f"{path}.cpu_scaling_target", None,
                          f"min_count {svc.min_count} < max_count {svc.max_count} but no scaling target",
                          "set cpu_scaling_target (e.g. 70), or make min_count equal max_count")
            for variable, value in svc.environment.items():
                if not _ENV_VARIABLE.match(variable):
                    self.fail(f"{path}.environment", variable, "not an environment variable name",
                              "use letters, digits and '_', not starting with a digit")
                if _SECRET_LIKE.search(variable):
                    self.fail(f"{path}.environment", variable,
                              "looks like a secret: plain environment values end up in the task definition",
                              "store it in Secrets Manager and reference it in secrets=(SecretReference(...),)")
            seen: set[str] = set()
            for j, ref in enumerate(svc.secrets):
                where = f"{path}.secrets[{j}]"
                if not _ENV_VARIABLE.match(ref.variable):
                    self.fail(f"{where}.variable", ref.variable, "not an environment variable name",
                              "use letters, digits and '_', not starting with a digit")
                if ref.variable in svc.environment:
                    self.fail(f"{where}.variable", ref.variable, "also set as a plain environment value",
                              f"remove {ref.variable} from environment")
                if ref.variable in seen:
                    self.fail(f"{where}.variable", ref.variable, "set by two secret references",
                              "reference each variable once")
                seen.add(ref.variable)
                if ref.secret not in known_secrets:
                    self.fail(f"{where}.secret", ref.secret, "not a secret of this environment",
                              f"use one of {sorted(known_secrets)} or add it to secrets.names")
                if ref.json_key is not None and not _JSON_KEY.match(ref.json_key):
                    self.fail(f"{where}.json_key", ref.json_key, "a JSON key with ':' or spaces breaks the ARN form",
                              "use the key's plain name, e.g. 'password'")
            if svc.discovery_name is not None:
                if not _DNS_LABEL.match(svc.discovery_name):
                    self.fail(f"{path}.discovery_name", svc.discovery_name, "not a DNS label",
                              "use lowercase letters, digits and inner hyphens, e.g. 'user-service'")
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
            if svc.files_bucket_access and self.s.storage is None:
                self.fail(f"{path}.files_bucket_access", True, "there is no files bucket (storage is None)",
                          "set storage=StorageSettings() or files_bucket_access=False")
            if svc.container_health_check is not None and not svc.container_health_check.strip():
                self.fail(f"{path}.container_health_check", svc.container_health_check, "an empty command",
                          "give a shell command, or leave it out")
            if not 0 <= svc.health_check_grace_seconds <= 7200:
                self.fail(f"{path}.health_check_grace_seconds", svc.health_check_grace_seconds,
                          "outside 0-7200 seconds", "use e.g. 60")

    def load_balancer(self) -> None:
        lb = self.s.load_balancer
        if lb.domain is not None and not _DOMAIN.match(lb.domain):
            self.fail("load_balancer.domain", lb.domain, "not a domain name",
                      "use the hosted zone's name in lowercase, e.g. 'codemate.example.com'")
        if lb.host_name is not None:
            if lb.domain is None:
                self.fail("load_balancer.host_name", lb.host_name, "a host name without a domain",
                          "set load_balancer.domain, or remove host_name")
            label, _, rest = lb.host_name.partition(".")
            if rest != lb.domain or not _DNS_LABEL.match(label):
                self.fail("load_balancer.host_name", lb.host_name,
                          f"the wildcard certificate *.{lb.domain} covers exactly one label below the domain",
                          f"use '<label>.{lb.domain}'")
        if not 1 <= lb.idle_timeout_seconds <= 4000:
            self.fail("load_balancer.idle_timeout_seconds", lb.idle_timeout_seconds,
                      "ALB idle timeouts are 1 to 4000 seconds", "use e.g. 3600 for WebSockets")
        if not 0 <= lb.deregistration_delay_seconds <= 3600:
            self.fail("load_balancer.deregistration_delay_seconds", lb.deregistration_delay_seconds,
                      "target groups accept 0 to 3600 seconds", "use e.g. 300")
        if not lb.ssl_policy.startswith("ELBSecurityPolicy-"):
            self.fail("load_balancer.ssl_policy", lb.ssl_policy, "not an ELB security policy",
                      "use e.g. 'ELBSecurityPolicy-TLS13-1-2-2021-06'")
        if lb.access_logs and self.s.storage is None:
            self.fail("load_balancer.access_logs", True, "access logs need the logs bucket (storage is None)",
                      "set load_balancer.access_logs=False or storage=StorageSettings()")

    def storage(self) -> None:
        st = self.s.storage
        if st is None:
            return
        for i, origin in enumerate(st.cors_origins):
            if not _ORIGIN.match(origin):
                self.fail(f"storage.cors_origins[{i}]", origin, "not a browser origin",
                          "write scheme://host[:port] without a path or trailing '/', e.g. 'http://localhost:3000'")
        if st.files_noncurrent_version_days < 1:
            self.fail("storage.files_noncurrent_version_days", st.files_noncurrent_version_days,
                      "S3 needs at least 1 day", "use e.g. 90")
        naming = Naming(self.s.project.name, self.env)
        for purpose in ("files", "static", "logs"):
            naming.bucket_name(purpose, ACCOUNT_ID_PLACEHOLDER, prefix=st.bucket_prefix)

    def cluster(self) -> None:
        ns = self.s.cluster.discovery_namespace
        if ns is not None and not _DOMAIN.match(ns):
            self.fail("cluster.discovery_namespace", ns, "not a DNS name", "use e.g. 'dev.codemate.internal'")

    def application_names(self) -> None:
        naming = Naming(self.s.project.name, self.env)
        naming.ecs_cluster_name()
        for svc in self.s.services:
            naming.ecs_service_name(svc.name)
            naming.task_family(svc.name)
            naming.repository_name(svc.image_repository or f"{self.s.project.name}-{svc.name}")
            naming.ecs_log_group_name(svc.name)
            naming.role_name(svc.name, "exec")
            naming.role_name(svc.name, "task")
        for name in self.s.secrets.names:
            naming.secret_name(name)
    # -- data tier: engine, protection, windows, cache auth ----------------
    def database_engine(self) -> None:
        d = self.s.database
        spec = ENGINES[d.engine]
        if problem := version_problem(d.engine, d.effective_engine_version):
            self.fail("database.engine_version", d.effective_engine_version, *problem)
        if problem := instance_class_problem(d.engine, d.instance_class):
            self.fail("database.instance_class", d.instance_class, *problem)
        if d.engine is not DatabaseEngine.AURORA_MYSQL and d.aurora_reader_count is not None:
            self.fail("database.aurora_reader_count", d.aurora_reader_count,
                      f"{spec.label} is a single instance; readers are an Aurora setting",
                      "leave it out (multi_az gives this engine its standby)")
        if not 0 <= d.effective_reader_count <= 15:
            self.fail("database.aurora_reader_count", d.effective_reader_count,
                      "an Aurora cluster has 0 to 15 readers", "choose 0 to 15")
        if spec.cluster and d.max_allocated_storage_gb:
            self.fail("database.max_allocated_storage_gb", d.max_allocated_storage_gb,
                      "Aurora storage grows by itself; it has no autoscaling ceiling", "set 0 or leave it out")
        seen: set[str] = set()
        for i, log in enumerate(d.effective_log_exports):
            if problem := log_export_problem(d.engine, log):
                self.fail(f"database.log_exports[{i}]", log, *problem)
            if log in seen:
                self.fail(f"database.log_exports[{i}]", log, "listed twice", "list each log once")
            seen.add(log)
        if d.performance_insights:
            if problem := performance_insights_problem(d.engine, d.instance_class):
                self.fail("database.performance_insights", True, *problem)
            if d.performance_insights_retention_days not in PERFORMANCE_INSIGHTS_RETENTION_DAYS:
                self.fail("database.performance_insights_retention_days", d.performance_insights_retention_days,
                          "Performance Insights keeps 7 days, a multiple of 31 up to 713, or 731",
                          "use 7 (free), 31, 62, ... or 731")
        name = d.database_name if d.database_name is not None else self.s.project.name.replace("-", "_")
        if not _DB_NAME.match(name):
            self.fail("database.database_name", name, "RDS database names are a letter then up to 62 "
                      "letters, digits or '_'", "set database_name, e.g. 'app'")
        if not _DB_USER.match(d.master_username) or d.master_username.lower() in _RESERVED_DB_USERS:
            self.fail("database.master_username", d.master_username,
                      "RDS master users are a letter then up to 15 letters, digits or '_', and not a "
                      "name RDS reserves", "use e.g. 'dbadmin'")

    def database_monitoring(self) -> None:
        interval = self.s.database.enhanced_monitoring_interval
        if interval not in ENHANCED_MONITORING_INTERVALS:
            self.fail("database.enhanced_monitoring_interval", interval,
                      "RDS samples Enhanced Monitoring every 1, 5, 10, 15, 30 or 60 seconds",
                      "use 0 (off) or one of 1, 5, 10, 15, 30, 60")

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

    def teardown(self) -> None:
        if self.s.force_destroy and self.env in PRODUCTION_ENVIRONMENTS:
            self.fail("force_destroy", True,
                      "a production destroy must never delete uploads, logs or images with their buckets",
                      "set force_destroy=False (empty the buckets yourself if you really mean to destroy)")

    def data_windows(self) -> None:
        d, c = self.s.database, self.s.cache
        backup = self._daily_window("database.backup_window", d.backup_window, 30)
        self._weekly_window("database.maintenance_window", d.maintenance_window, 30, backup, "backup_window")
        snapshot = self._daily_window("cache.snapshot_window", c.snapshot_window, 60)
        self._weekly_window("cache.maintenance_window", c.maintenance_window, 60, snapshot, "snapshot_window")

    def _daily_window(self, field: str, value: str, minimum: int) -> tuple[int, int]:
        match = _DAILY_WINDOW.match(value)
        if not match:
            self.fail(field, value, "not a daily window", "write it as hh:mm-hh:mm in UTC, e.g. '18:00-19:00'")
        start, end = (int(match[1]) * 60 + int(match[2]), int(match[3]) * 60 + int(match[4]))
        if (end - start) % _DAY < minimum:
            self.fail(field, value, f"AWS needs a window of at least {minimum} minutes",
                      f"widen it to {minimum} minutes or more")
        return start, end

    def _weekly_window(self, field: str, value: str, minimum: int, daily: tuple[int, int], daily_field: str) -> None:
        match = _WEEKLY_WINDOW.match(value)
        if not match:
            self.fail(field, value, "not a weekly window",
                      "write it as ddd:hh:mm-ddd:hh:mm in UTC, e.g. 'sun:20:00-sun:21:00'")
        start = _DAYS.index(match[1]) * _DAY + int(match[2]) * 60 + int(match[3])
        end = _DAYS.index(match[4]) * _DAY + int(match[5]) * 60 + int(match[6])
        length = (end - start) % _WEEK
        if length < minimum:
            self.fail(field, value, f"AWS needs a window of at least {minimum} minutes",
                      f"widen it to {minimum} minutes or more")
        daily_start, daily_end = daily
        daily_length = (daily_end - daily_start) % _DAY
        for day in range(7):
            other = day * _DAY + daily_start
            if (other - start) % _WEEK < length or (start - other) % _WEEK < daily_length:
                self.fail(field, value, f"overlaps the daily {daily_field}",
                          f"move it outside {daily_field} (AWS refuses overlapping windows)")

    def cache_auth(self) -> None:
        c = self.s.cache
        if c.engine_version not in REDIS_VERSIONS:
            self.fail("cache.engine_version", c.engine_version,
                      "not a Redis OSS version this module supports (log delivery needs 6.2+)",
                      f"use one of {', '.join(REDIS_VERSIONS)}")
        if c.auth_token_secret_name is not None and not _SECRET_ID.match(c.auth_token_secret_name):
            self.fail("cache.auth_token_secret_name", c.auth_token_secret_name, "not a Secrets Manager secret name",
                      "use 1-512 characters from letters, digits and /_+=.@-, e.g. 'codemate/dev/redis-auth'")
        if c.auth_token_version < 1:
            self.fail("cache.auth_token_version", c.auth_token_version, "token versions start at 1",
                      "use 1, and add 1 to rotate the token")
        if c.auth_token_secret_name is not None and c.auth_token_version != 1:
            self.fail("cache.auth_token_version", c.auth_token_version,
                      "only a token the stack generates has versions; this one is set out of band",
                      "leave auth_token_version out, and rotate by writing a new value to the secret")
        if c.auth_token_recovery_window_days != 0 and not 7 <= c.auth_token_recovery_window_days <= 30:
            self.fail("cache.auth_token_recovery_window_days", c.auth_token_recovery_window_days,
                      "Secrets Manager keeps a deleted secret 7 to 30 days, or deletes it at once (0)",
                      "choose 0 or 7 to 30")

    # -- monitoring (SPEC §3 "Monitoring") ---------------------------------
    def monitoring(self) -> None:
        m = self.s.monitoring
        if m.alarm_email is not None and (len(m.alarm_email) > 254 or not _EMAIL.match(m.alarm_email)):
            self.fail("monitoring.alarm_email", m.alarm_email, "not an email address",
                      "write one address such as 'ops@example.com', or leave it out")
        for field, value in (("ecs_cpu_percent", m.ecs_cpu_percent),
                             ("database_connections_percent", m.database_connections_percent)):
            if not 1 <= value <= 99:
                self.fail(f"monitoring.{field}", value, "a percentage threshold outside 1-99 (above 99 the "
                          "alarm can never fire)", "use e.g. 80")
        for field, value in (("ecs_cpu_minutes", m.ecs_cpu_minutes),
                             ("unhealthy_host_minutes", m.unhealthy_host_minutes)):
            if not 1 <= value <= 1440:
                self.fail(f"monitoring.{field}", value,
                          "CloudWatch evaluates an alarm over 1 minute to 1 day (1440 minutes)",
                          "use e.g. 5")
        if m.target_5xx_per_minute < 0:
            self.fail("monitoring.target_5xx_per_minute", m.target_5xx_per_minute, "a negative count",
                      "use 0 (any 5XX) or more, e.g. 10")
        if m.database_max_connections is not None and m.database_max_connections < 1:
            self.fail("monitoring.database_max_connections", m.database_max_connections,
                      "max_connections is at least 1", "set the parameter group's value, or leave it out")


    # -- CI/CD (SPEC §3 "CI/CD") -------------------------------------------
    def cicd(self) -> None:
        c = self.s.cicd
        if c is None:
            return
        if not _GITHUB_REPOSITORY.match(c.repository) or c.repository.split("/")[1] in (".", ".."):
            self.fail("cicd.repository", c.repository, "not a GitHub repository 'owner/name'",
                      "write the owner (user or organisation) and the repository, e.g. 'acme/codemate'")
        if problem := _branch_problem(c.branch):
            self.fail("cicd.branch", c.branch, problem, "name one branch, e.g. 'develop' or 'main'")
        if c.connection_arn is not None and not _CONNECTION_ARN.match(c.connection_arn):
            self.fail("cicd.connection_arn", c.connection_arn, "not the ARN of a CodeStar connection",
                      "copy it from Developer Tools > Settings > Connections "
                      "(arn:aws:codestar-connections:<region>:<account>:connection/<id>), or leave it out")
        services = [svc.name for svc in self.s.services]
        if not services:
            self.fail("cicd", c.repository, "a pipeline without services has nothing to build or deploy",
                      "add services, or set cicd=None")
        for service, directory in c.source_directories.items():
            if service not in services:
                self.fail("cicd.source_directories", service, "not a service of this environment",
                          f"use one of {services}")
            if directory != "." and (not _SOURCE_DIRECTORY.match(directory) or ".." in directory.split("/")):
                self.fail(f"cicd.source_directories[{service}]", directory,
                          "not a directory inside the repository",
                          "give a relative path without '..', e.g. 'apps/web', or '.' for the root")
        if c.docker_hub_secret is not None and c.docker_hub_secret not in self.s.secrets.names:
            self.fail("cicd.docker_hub_secret", c.docker_hub_secret, "not a secret of this environment",
                      f"use one of {sorted(self.s.secrets.names)} or add it to secrets.names")
        if c.build_compute_type not in CODEBUILD_COMPUTE_TYPES:
            self.fail("cicd.build_compute_type", c.build_compute_type, "not a CodeBuild Linux compute type",
                      f"use one of {', '.join(CODEBUILD_COMPUTE_TYPES)}")
        if not 5 <= c.build_timeout_minutes <= 2160:
            self.fail("cicd.build_timeout_minutes", c.build_timeout_minutes,
                      "CodeBuild allows 5 to 2160 minutes", "use e.g. 30")
        if c.artifact_retention_days < 1:
            self.fail("cicd.artifact_retention_days", c.artifact_retention_days, "S3 expires objects after 1 day "
                      "at the earliest", "use e.g. 30")
        naming = Naming(self.s.project.name, self.env)
        naming.pipeline_name()
        naming.role_name("pipeline")
        if c.connection_arn is None:
            naming.connection_name()
        prefix = self.s.storage.bucket_prefix if self.s.storage else None
        naming.bucket_name("artifacts", ACCOUNT_ID_PLACEHOLDER, prefix=prefix)
        for service in services:
            naming.build_project_name(service)
            naming.build_log_group_name(service)
            naming.role_name(service, "build")


ENHANCED_MONITORING_INTERVALS = (0, 1, 5, 10, 15, 30, 60)
DATA_TIER_VARIABLES = ("DATABASE_HOST", "DATABASE_PORT", "DATABASE_NAME", "REDIS_HOST", "REDIS_PORT",
                       "REDIS_TLS", "REDIS_AUTH_TOKEN")
"""Variables a service with ``data_tier_access`` receives (environments/stack.py)."""
PRODUCTION_ENVIRONMENTS = ("prod", "production")
"""Environments whose database must have deletion protection and a final snapshot."""
REDIS_VERSIONS = ("6.2", "7.0", "7.1")
_DB_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
_DB_USER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,15}$")
_RESERVED_DB_USERS = frozenset({"rdsadmin", "rdsrepladmin", "rds_superuser", "postgres", "root"})
_SECRET_ID = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")
_DAILY_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKLY_WINDOW = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)$"
)
_DAY = 24 * 60
_WEEK = 7 * _DAY


def _branch_problem(branch: str) -> str | None:
    """Why ``branch`` is not one usable Git branch name, or ``None``."""
    if not branch.strip():
        return "an empty branch name"
    if re.search(r"[\s~^:?*\[\\]|\.\.|@\{|//", branch) or branch in ("@", "HEAD"):
        return "not a Git branch name (no spaces, '..', '~^:?*[\\', '@{' or '//'; wildcards are not allowed)"
    if branch.startswith(("/", "-", ".")) or branch.endswith(("/", ".", ".lock")):
        return "not a Git branch name (it may not start with '/', '-' or '.', nor end with '/', '.' or '.lock')"
    if len(branch) > 255:
        return f"{len(branch)} characters; keep branch names within 255"
    return None
