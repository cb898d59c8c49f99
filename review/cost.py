"""Monthly cost per stack from the synthesized JSON: fixed (730 h), usage (review/usage.toml), ranges.

Every resource type has one entry in review/resource_types.toml (review/registry.py): free, unpriced
with its reason, priced by the lines it declares, or priced by a rule below (named by the entry,
registered with ``@rule``), which may ask only for the price ids and usage keys its entry declares.
A type with no entry is reported as unpriced with its count: never a silent $0.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Callable

from modules.errors import ConfigError
from review.prices import PriceTable
from review.registry import HOURS_QUANTITY, Entry, Registry, load_registry
from review.stacks import Stack, first_reference, iter_resources, references

HOURS = 730
# EKS versions AWS bills at the extended-support rate (SPEC §5, as of 2026-11).
EKS_EXTENDED_SUPPORT = {"1.32", "1.33"}


@dataclass
class Line:
    resource: str          # type.name (the Terraform address)
    item: str              # what is billed, e.g. "NAT gateway hours"
    quantity: float
    unit: str
    unit_price: float
    kind: str              # "fixed" (runs 730 h) or "usage" (review/usage.toml)
    quantity_max: float | None = None   # autoscaling: the upper end of the range
    price_id: str = ""

    @property
    def monthly(self) -> float:
        return self.quantity * self.unit_price

    @property
    def monthly_max(self) -> float:
        return (self.quantity_max if self.quantity_max is not None else self.quantity) * self.unit_price

    def as_dict(self) -> dict:
        out = asdict(self)
        out["monthly_usd"] = round(self.monthly, 2)
        out["monthly_usd_max"] = round(self.monthly_max, 2)
        return out


@dataclass
class StackCost:
    stack: str
    environment: str
    region: str
    prices_as_of: str
    lines: list[Line] = field(default_factory=list)
    unpriced: dict[str, int] = field(default_factory=dict)   # type -> count
    unpriced_reasons: dict[str, str] = field(default_factory=dict)
    free: dict[str, int] = field(default_factory=dict)

    def subtotal(self, kind: str, upper: bool = False) -> float:
        return sum(l.monthly_max if upper else l.monthly for l in self.lines if l.kind == kind)

    @property
    def total(self) -> float:
        return self.subtotal("fixed") + self.subtotal("usage")

    @property
    def total_max(self) -> float:
        return self.subtotal("fixed", True) + self.subtotal("usage", True)

    def as_dict(self) -> dict:
        return {
            "stack": self.stack,
            "environment": self.environment,
            "region": self.region,
            "prices_as_of": self.prices_as_of,
            "fixed_monthly_usd": round(self.subtotal("fixed"), 2),
            "fixed_monthly_usd_max": round(self.subtotal("fixed", True), 2),
            "usage_monthly_usd": round(self.subtotal("usage"), 2),
            "total_monthly_usd": round(self.total, 2),
            "total_monthly_usd_max": round(self.total_max, 2),
            "lines": [l.as_dict() for l in self.lines],
            "unpriced": dict(self.unpriced),
            "unpriced_reasons": dict(self.unpriced_reasons),
            "free": dict(self.free),
        }


class Unpriced(Exception):
    """A priced type whose size has no entry in the table (e.g. a new instance class)."""


class DeclaredUsage(dict):
    """The usage assumptions of one stack that an entry declares: reading another key is an error."""

    def __init__(self, entry: Entry, values: dict[str, float]):
        super().__init__({key: values[key] for key in entry.usage})
        self.entry = entry

    def __missing__(self, key: str) -> float:
        raise ConfigError(f"resource_types.toml [{self.entry.type}]", "usage", key,
                          f"rule {self.entry.rule} reads a usage key its entry does not declare",
                          f"add usage.{key} = <default> to [{self.entry.type}]")


@dataclass
class Context:
    """What a rule sees while it prices one resource: its stack, the prices, its entry's usage keys."""

    stack: Stack
    prices: PriceTable
    usage: dict[str, float]
    entry: Entry

    def price(self, price_id: str) -> float:
        """The unit price; Unpriced if the table has no such id (a new size), an error if the entry does not
        declare it."""
        found = self.prices.get(price_id)
        if found is None:
            raise Unpriced(f"no price '{price_id}' in {self.prices.path.name}")
        if not self.entry.declares_price(price_id):
            raise ConfigError(f"resource_types.toml [{self.entry.type}]", "prices", price_id,
                              "asked for a price id its entry does not declare",
                              f"add \"{price_id}\" (or a pattern) to prices of [{self.entry.type}]")
        return found.usd

    def line(self, address: str, item: str, quantity: float, unit: str, price_id: str, kind: str = "fixed",
             *, quantity_max: float | None = None, factor: float = 1.0) -> Line:
        """``factor`` scales the table price (Multi-AZ x2, hours x730, vCPU share ...)."""
        return Line(address, item, quantity, unit, self.price(price_id) * factor, kind, quantity_max, price_id)


Rule = Callable[[Context, str, dict], list[Line]]
RULES: dict[str, Rule] = {}   # name -> rule; an entry of review/resource_types.toml names its rule


def rule(fn: Rule) -> Rule:
    """Register ``fn`` under its name (what ``rule = "..."`` of an entry refers to)."""
    RULES[fn.__name__] = fn
    return fn


class _Attributes(dict):
    """A resource's attributes for a declared line's ``{attribute}``: an unset one is empty."""

    def __missing__(self, key: str) -> str:
        return ""


def declared_lines(ctx: Context, resource_type: str, name: str, body: dict) -> list[Line]:
    """The lines an entry declares (``lines = [...]``), for one resource."""
    attributes = _Attributes(body)
    lines = []
    for spec in ctx.entry.lines:
        if spec.quantity == HOURS_QUANTITY:
            quantity, kind = HOURS, "fixed"
        elif isinstance(spec.quantity, str):
            quantity, kind = ctx.usage[spec.quantity], "usage"
        else:
            quantity, kind = spec.quantity, "fixed"
        lines.append(ctx.line(f"{resource_type}.{name}", spec.item.format_map(attributes), quantity, spec.unit,
                              spec.price.format_map(attributes), kind))
    return lines


# --- network ------------------------------------------------------------------

@rule
def nat_gateway(ctx: Context, name: str, body: dict) -> list[Line]:
    a = f"aws_nat_gateway.{name}"
    lines = [ctx.line(a, "NAT gateway", HOURS, "hours", "nat.hour"),
             ctx.line(a, "NAT data processed", ctx.usage["nat_gb"], "GB", "nat.gb", "usage")]
    if body.get("connectivity_type") != "private" and "allocation_id" not in body:
        # no aws_eip of ours: AWS allocates the public IPv4 address itself
        lines.append(ctx.line(a, "public IPv4 address of the NAT", HOURS, "hours", "ipv4.hour"))
    return lines


@rule
def load_balancer(ctx: Context, name: str, body: dict) -> list[Line]:
    a = f"aws_lb.{name}"
    kind = body.get("load_balancer_type", "application")
    if kind not in ("application", "network"):
        raise Unpriced(f"load balancer type {kind}")
    prefix = "alb" if kind == "application" else "nlb"
    lines = [ctx.line(a, f"{kind} load balancer", HOURS, "hours", f"{prefix}.hour")]
    if kind == "application":
        lines.append(ctx.line(a, "ALB capacity units", ctx.usage["alb_lcu"] * HOURS, "LCU-hours", "alb.lcu", "usage"))
    if not body.get("internal", False):
        zones = len(body.get("subnets", [])) or len(body.get("subnet_mapping", [])) or 2
        lines.append(ctx.line(a, "public IPv4 addresses (one per AZ)", zones * HOURS, "address-hours", "ipv4.hour"))
    return lines


@rule
def vpc_endpoint(ctx: Context, name: str, body: dict) -> list[Line]:
    a = f"aws_vpc_endpoint.{name}"
    if body.get("vpc_endpoint_type", "Gateway") == "Gateway":
        return [Line(a, f"gateway endpoint {body.get('service_name', '')} (no charge)", 1, "endpoint", 0.0, "fixed")]
    zones = len(body.get("subnet_ids", [])) or 1
    return [ctx.line(a, f"interface endpoint {body.get('service_name', '')}", zones * HOURS, "AZ-hours",
                     "vpce.interface.hour")]


@rule
def waf_acl(ctx: Context, name: str, body: dict) -> list[Line]:
    a = f"aws_wafv2_web_acl.{name}"
    rules = len(body.get("rule", []))
    return [ctx.line(a, "web ACL", 1, "ACL-months", "waf.acl"),
            ctx.line(a, "WAF rules / managed rule groups", rules, "rule-months", "waf.rule"),
            ctx.line(a, "WAF requests", ctx.usage["waf_requests_million"], "million requests", "waf.requests",
                     "usage")]


# --- compute --------------------------------------------------------------------

def _scaling_range(ctx: Context, service_name: str, service: dict) -> tuple[int, int]:
    desired = int(service.get("desired_count", 1))
    for target in ctx.stack.of_type("aws_appautoscaling_target").values():
        if ("aws_ecs_service", service_name) in references(target.get("resource_id", "")):
            return int(target.get("min_capacity", desired)), int(target.get("max_capacity", desired))
    return desired, desired


@rule
def ecs_service(ctx: Context, name: str, body: dict) -> list[Line]:
    a = f"aws_ecs_service.{name}"
    ref = first_reference(body.get("task_definition", ""), "aws_ecs_task_definition")
    task = ctx.stack.get(ref) if ref else None
    if task is None:
        raise Unpriced("task definition not in this stack")
    if body.get("launch_type") == "EC2":
        raise Unpriced("EC2 launch type: the instances are priced, not the tasks")
    vcpu = int(task.get("cpu", 256)) / 1024
    gib = int(task.get("memory", 512)) / 1024
    arm = (task.get("runtime_platform", {}) or {}).get("cpu_architecture") == "ARM64"
    low, high = _scaling_range(ctx, name, body)
    strategy = body.get("capacity_provider_strategy") or [{"capacity_provider": "FARGATE", "weight": 1}]
    total_weight = sum(int(s.get("weight", 1)) for s in strategy) or 1
    lines = []
    for part in strategy:
        share = int(part.get("weight", 1)) / total_weight
        if share == 0:
            continue
        spot = part.get("capacity_provider") == "FARGATE_SPOT"
        tier = "spot." if spot else ("arm." if arm else "")
        per_task_hour = vcpu * ctx.price(f"fargate.{tier}vcpu") + gib * ctx.price(f"fargate.{tier}gb")
        label = (f"Fargate{' Spot' if spot else ''} {task.get('cpu')} CPU / {task.get('memory')} MiB "
                 f"x {low}" + (f"-{high}" if high != low else "") + " tasks"
                 + (f" ({share:.0%} of tasks)" if share < 1 else ""))
        lines.append(Line(a, label, low * share * HOURS, "task-hours", per_task_hour, "fixed",
                          high * share * HOURS if high != low else None,
                          f"fargate.{tier}vcpu + fargate.{tier}gb"))
    if body.get("service_registries"):
        lines.append(ctx.line(a, "Cloud Map registered tasks", low, "instance-months", "cloudmap.instance",
                              quantity_max=high if high != low else None))
    network = body.get("network_configuration") or {}
    if isinstance(network, list):
        network = network[0] if network else {}
    if network.get("assign_public_ip") in (True, "true"):
        lines.append(ctx.line(a, "public IPv4 address of each task", low * HOURS, "address-hours", "ipv4.hour",
                              quantity_max=high * HOURS if high != low else None))
    return lines


@rule
def eks_cluster(ctx: Context, name: str, body: dict) -> list[Line]:
    version = str(body.get("version", ""))
    extended = version in EKS_EXTENDED_SUPPORT
    return [ctx.line(f"aws_eks_cluster.{name}",
                     f"EKS control plane {version or '(default version)'}"
                     + (" in EXTENDED support" if extended else ""),
                     HOURS, "hours", "eks.cluster.extended" if extended else "eks.cluster")]


@rule
def eks_node_group(ctx: Context, name: str, body: dict) -> list[Line]:
    a = f"aws_eks_node_group.{name}"
    scaling = body.get("scaling_config", {})
    if isinstance(scaling, list):
        scaling = scaling[0] if scaling else {}
    low = int(scaling.get("min_size", scaling.get("desired_size", 1)))
    high = int(scaling.get("max_size", low))
    instance = (body.get("instance_types") or ["t3.medium"])[0]
    if body.get("capacity_type") == "SPOT":
        raise Unpriced("Spot node groups: price varies")
    disk = float(body.get("disk_size", ctx.usage["eks_node_disk_gb"]))
    rng = f"{low}-{high}" if high != low else f"{low}"
    return [ctx.line(a, f"EKS nodes {instance} x {rng}", low * HOURS, "instance-hours", f"ec2.{instance}",
                     quantity_max=high * HOURS if high != low else None),
            ctx.line(a, f"node disks gp3 {disk:g} GB x {rng}", low * disk, "GB-months", "ebs.gp3",
                     quantity_max=high * disk if high != low else None)]


@rule
def lambda_function(ctx: Context, name: str, body: dict) -> list[Line]:
    a = f"aws_lambda_function.{name}"
    memory_gb = int(body.get("memory_size", 128)) / 1024
    invocations = ctx.usage["lambda_invocations_million"]
    seconds = invocations * 1e6 * ctx.usage["lambda_average_duration_ms"] / 1000
    arm = "arm64" in (body.get("architectures") or [])
    return [ctx.line(a, "Lambda requests", invocations, "million requests", "lambda.requests", "usage"),
            ctx.line(a, f"Lambda compute {body.get('memory_size', 128)} MB", seconds * memory_gb, "GB-seconds",
                     "lambda.arm.gbs" if arm else "lambda.gbs", "usage")]


@rule
def codebuild_project(ctx: Context, name: str, body: dict) -> list[Line]:
    env = body.get("environment", {})
    if isinstance(env, list):
        env = env[0] if env else {}
    compute = env.get("compute_type", "BUILD_GENERAL1_SMALL").lower().replace("build_", "").replace("_", ".")
    return [ctx.line(f"aws_codebuild_project.{name}", f"CodeBuild {compute}", ctx.usage["codebuild_minutes"],
                     "build minutes", f"codebuild.{compute}", "usage")]


@rule
def codepipeline(ctx: Context, name: str, body: dict) -> list[Line]:
    a = f"aws_codepipeline.{name}"
    if body.get("pipeline_type", "V1") == "V2":
        return [ctx.line(a, "CodePipeline V2 action minutes", ctx.usage["codepipeline_action_minutes"],
                         "action minutes", "codepipeline.v2", "usage")]
    return [ctx.line(a, "CodePipeline V1 active pipeline", 1, "pipeline-months", "codepipeline.v1")]


# --- databases ------------------------------------------------------------------

@rule
def rds_instance(ctx: Context, name: str, body: dict) -> list[Line]:
    a = f"aws_db_instance.{name}"
    engine = body.get("engine", "postgres")
    multi = bool(body.get("multi_az", False))
    factor = 2.0 if multi else 1.0
    deployment = "Multi-AZ (x2)" if multi else "Single-AZ"
    storage = float(body.get("allocated_storage", 20))
    storage_type = body.get("storage_type", "gp2")
    lines = [ctx.line(a, f"RDS {engine} {body.get('instance_class')} {deployment}", HOURS, "hours",
                      f"rds.{engine}.{body.get('instance_class')}", factor=factor)]
    grows = body.get("max_allocated_storage")
    lines.append(ctx.line(a, f"RDS storage {storage_type} {deployment}"
                          + (f", autoscaling to {grows} GB" if grows else ""), storage, "GB-months",
                          f"rds.storage.{storage_type}", factor=factor,
                          quantity_max=float(grows) if grows else None))
    return lines


@rule
def aurora_cluster(ctx: Context, name: str, body: dict) -> list[Line]:
    a = f"aws_rds_cluster.{name}"
    engine = body.get("engine", "aurora-mysql")
    if not engine.startswith("aurora"):
        raise Unpriced(f"Multi-AZ DB cluster engine {engine}")
    if body.get("storage_type") == "aurora-iopt1":
        raise Unpriced("Aurora I/O-Optimized storage")
    return [ctx.line(a, "Aurora storage", ctx.usage["aurora_storage_gb"], "GB-months", "aurora.storage", "usage"),
            ctx.line(a, "Aurora I/O", ctx.usage["aurora_io_million"], "million I/Os", "aurora.io", "usage")]


@rule
def aurora_instance(ctx: Context, name: str, body: dict) -> list[Line]:
    engine = body.get("engine", "aurora-mysql")
    if reference := re.fullmatch(r"\$\{aws_rds_cluster\.([^.}]+)\.engine\}", engine):
        # an instance usually takes its engine from its cluster: read it there
        engine = ctx.stack.of_type("aws_rds_cluster").get(reference[1], {}).get("engine", "aurora-mysql")
    return [ctx.line(f"aws_rds_cluster_instance.{name}", f"Aurora {engine} {body.get('instance_class')}", HOURS,
                     "hours", f"{engine}.{body.get('instance_class')}")]


@rule
def redis_replication_group(ctx: Context, name: str, body: dict) -> list[Line]:
    if "num_node_groups" in body:
        nodes = int(body["num_node_groups"]) * (1 + int(body.get("replicas_per_node_group", 0)))
    else:
        nodes = int(body.get("num_cache_clusters", 1))
    return [ctx.line(f"aws_elasticache_replication_group.{name}",
                     f"ElastiCache {body.get('node_type')} x {nodes} node(s)", nodes * HOURS, "node-hours",
                     f"elasticache.{body.get('node_type')}")]


@rule
def cache_cluster(ctx: Context, name: str, body: dict) -> list[Line]:
    if "replication_group_id" in body and "node_type" not in body:
        return []  # a member of a replication group: priced there
    nodes = int(body.get("num_cache_nodes", 1))
    return [ctx.line(f"aws_elasticache_cluster.{name}", f"ElastiCache {body.get('node_type')} x {nodes}",
                     nodes * HOURS, "node-hours", f"elasticache.{body.get('node_type')}")]


# --- storage, secrets, keys, messaging ---------------------------------------------

@rule
def s3_buckets(ctx: Context, name: str, body: dict) -> list[Line]:
    buckets = sorted(ctx.stack.of_type("aws_s3_bucket"))
    if name != buckets[0]:
        return [Line(f"aws_s3_bucket.{name}", "bucket (storage counted on the stack's first bucket line)", 1,
                     "bucket", 0.0, "usage")]
    return [ctx.line(f"aws_s3_bucket.{name}", f"S3 Standard, all {len(buckets)} bucket(s) of the stack",
                     ctx.usage["s3_gb"], "GB-months", "s3.standard.gb", "usage")]


# --- monitoring -------------------------------------------------------------------

@rule
def log_groups(ctx: Context, name: str, body: dict) -> list[Line]:
    groups = sorted(ctx.stack.of_type("aws_cloudwatch_log_group"))
    a = f"aws_cloudwatch_log_group.{name}"
    if name != groups[0]:
        return [Line(a, "log group (data counted on the stack's first log group line)", 1, "group", 0.0, "usage")]
    return [ctx.line(a, f"CloudWatch Logs ingestion, all {len(groups)} group(s)", ctx.usage["log_ingestion_gb"],
                     "GB", "logs.ingestion", "usage"),
            ctx.line(a, "CloudWatch Logs storage", ctx.usage["log_storage_gb"], "GB-months", "logs.storage", "usage")]


@rule
def metric_alarm(ctx: Context, name: str, body: dict) -> list[Line]:
    metrics = sum(1 for q in body.get("metric_query", []) if q.get("metric")) or 1
    return [ctx.line(f"aws_cloudwatch_metric_alarm.{name}", f"alarm {body.get('alarm_name', '')}", metrics,
                     "alarm metrics", "cloudwatch.alarm")]


# --- the estimate -------------------------------------------------------------------

def rule_of(entry: Entry) -> Rule:
    """The rule an entry names, or the declared lines when it names none."""
    if entry.rule is None:
        return lambda ctx, name, body: declared_lines(ctx, entry.type, name, body)
    if entry.rule not in RULES:
        raise ConfigError(f"resource_types.toml [{entry.type}]", "rule", entry.rule, "no such rule in review/cost.py",
                          f"write it there (@rule def {entry.rule}(ctx, name, body)), or name one of "
                          f"{', '.join(sorted(RULES))}")
    return RULES[entry.rule]


def estimate(stack: Stack, prices: PriceTable, usage: dict[str, float], registry: Registry | None = None) -> StackCost:
    """The cost of one stack; ``usage`` holds every key of the registry (see review/usage.py)."""
    registry = registry or load_registry()
    result = StackCost(stack.name, stack.environment, stack.region, str(prices.as_of))
    for resource_type, name, body in iter_resources(stack):
        entry = registry.get(resource_type)
        kind = entry.kind if entry else None
        if kind == "free":
            result.free[resource_type] = result.free.get(resource_type, 0) + 1
            continue
        if kind == "priced":
            ctx = Context(stack, prices, DeclaredUsage(entry, usage), entry)
            try:
                result.lines.extend(rule_of(entry)(ctx, name, body))
                continue
            except Unpriced as reason:
                result.unpriced_reasons[resource_type] = str(reason)
        elif kind == "unpriced":
            result.unpriced_reasons[resource_type] = entry.unpriced
        else:
            result.unpriced_reasons[resource_type] = (f"no entry in {registry.path.name}: add one "
                                                      "(lines or a rule, free or unpriced, with the reason)")
        result.unpriced[resource_type] = result.unpriced.get(resource_type, 0) + 1
    return result
