"""Monthly cost per stack from the synthesized JSON: fixed (730 h), usage (review/usage.toml), ranges.

Each priced resource type has a rule in ``RULES``; free and deliberately unpriced
types are listed with their reason in review/resource_types.toml. Anything else is
reported as unpriced with its count: never a silent $0.
"""

from __future__ import annotations

import re

import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from review.prices import PriceTable
from review.stacks import Stack, first_reference, iter_resources, references

HOURS = 730
TYPES_FILE = Path(__file__).parent / "resource_types.toml"
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


@dataclass
class Context:
    stack: Stack
    prices: PriceTable
    usage: dict[str, float]

    def price(self, price_id: str) -> float:
        entry = self.prices.get(price_id)
        if entry is None:
            raise Unpriced(f"no price '{price_id}' in {self.prices.path.name}")
        return entry.usd

    def line(self, address: str, item: str, quantity: float, unit: str, price_id: str, kind: str = "fixed",
             *, quantity_max: float | None = None, factor: float = 1.0) -> Line:
        """``factor`` scales the table price (Multi-AZ x2, hours x730, vCPU share ...)."""
        return Line(address, item, quantity, unit, self.price(price_id) * factor, kind, quantity_max, price_id)


Rule = Callable[[Context, str, dict], list[Line]]
RULES: dict[str, Rule] = {}


def rule(*types: str):
    def register(fn: Rule) -> Rule:
        for t in types:
            RULES[t] = fn
        return fn
    return register


# --- network ------------------------------------------------------------------

@rule("aws_nat_gateway")
def _nat(ctx: Context, name: str, body: dict) -> list[Line]:
    a = f"aws_nat_gateway.{name}"
    lines = [ctx.line(a, "NAT gateway", HOURS, "hours", "nat.hour"),
             ctx.line(a, "NAT data processed", ctx.usage["nat_gb"], "GB", "nat.gb", "usage")]
    if body.get("connectivity_type") != "private" and "allocation_id" not in body:
        # no aws_eip of ours: AWS allocates the public IPv4 address itself
        lines.append(ctx.line(a, "public IPv4 address of the NAT", HOURS, "hours", "ipv4.hour"))
    return lines


@rule("aws_eip")
def _eip(ctx: Context, name: str, body: dict) -> list[Line]:
    return [ctx.line(f"aws_eip.{name}", "public IPv4 address (Elastic IP, e.g. of a NAT)", HOURS, "hours",
                     "ipv4.hour")]


@rule("aws_lb")
def _lb(ctx: Context, name: str, body: dict) -> list[Line]:
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


@rule("aws_vpc_endpoint")
def _endpoint(ctx: Context, name: str, body: dict) -> list[Line]:
    a = f"aws_vpc_endpoint.{name}"
    if body.get("vpc_endpoint_type", "Gateway") == "Gateway":
        return [Line(a, f"gateway endpoint {body.get('service_name', '')} (no charge)", 1, "endpoint", 0.0, "fixed")]
    zones = len(body.get("subnet_ids", [])) or 1
    return [ctx.line(a, f"interface endpoint {body.get('service_name', '')}", zones * HOURS, "AZ-hours",
                     "vpce.interface.hour")]


@rule("aws_route53_zone")
def _zone(ctx: Context, name: str, body: dict) -> list[Line]:
    return [ctx.line(f"aws_route53_zone.{name}", "hosted zone", 1, "zone-months", "route53.zone")]


def _namespace(resource_type: str) -> Rule:
    def price(ctx: Context, name: str, body: dict) -> list[Line]:
        return [ctx.line(f"{resource_type}.{name}", "Cloud Map DNS namespace (a hosted zone)", 1, "zone-months",
                         "route53.zone")]
    return price


for _type in ("aws_service_discovery_private_dns_namespace", "aws_service_discovery_public_dns_namespace"):
    RULES[_type] = _namespace(_type)


@rule("aws_cloudfront_distribution")
def _cloudfront(ctx: Context, name: str, body: dict) -> list[Line]:
    return [ctx.line(f"aws_cloudfront_distribution.{name}", "CloudFront data out", ctx.usage["cloudfront_gb"], "GB",
                     "cloudfront.gb", "usage")]


@rule("aws_wafv2_web_acl")
def _waf(ctx: Context, name: str, body: dict) -> list[Line]:
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


@rule("aws_ecs_service")
def _ecs_service(ctx: Context, name: str, body: dict) -> list[Line]:
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


@rule("aws_eks_cluster")
def _eks(ctx: Context, name: str, body: dict) -> list[Line]:
    version = str(body.get("version", ""))
    extended = version in EKS_EXTENDED_SUPPORT
    return [ctx.line(f"aws_eks_cluster.{name}",
                     f"EKS control plane {version or '(default version)'}"
                     + (" in EXTENDED support" if extended else ""),
                     HOURS, "hours", "eks.cluster.extended" if extended else "eks.cluster")]


@rule("aws_eks_node_group")
def _node_group(ctx: Context, name: str, body: dict) -> list[Line]:
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


@rule("aws_instance")
def _instance(ctx: Context, name: str, body: dict) -> list[Line]:
    return [ctx.line(f"aws_instance.{name}", f"EC2 {body.get('instance_type')}", HOURS, "hours",
                     f"ec2.{body.get('instance_type')}")]


@rule("aws_lambda_function")
def _lambda(ctx: Context, name: str, body: dict) -> list[Line]:
    a = f"aws_lambda_function.{name}"
    memory_gb = int(body.get("memory_size", 128)) / 1024
    invocations = ctx.usage["lambda_invocations_million"]
    seconds = invocations * 1e6 * ctx.usage["lambda_average_duration_ms"] / 1000
    arm = "arm64" in (body.get("architectures") or [])
    return [ctx.line(a, "Lambda requests", invocations, "million requests", "lambda.requests", "usage"),
            ctx.line(a, f"Lambda compute {body.get('memory_size', 128)} MB", seconds * memory_gb, "GB-seconds",
                     "lambda.arm.gbs" if arm else "lambda.gbs", "usage")]


@rule("aws_codebuild_project")
def _codebuild(ctx: Context, name: str, body: dict) -> list[Line]:
    env = body.get("environment", {})
    if isinstance(env, list):
        env = env[0] if env else {}
    compute = env.get("compute_type", "BUILD_GENERAL1_SMALL").lower().replace("build_", "").replace("_", ".")
    return [ctx.line(f"aws_codebuild_project.{name}", f"CodeBuild {compute}", ctx.usage["codebuild_minutes"],
                     "build minutes", f"codebuild.{compute}", "usage")]


@rule("aws_codepipeline")
def _pipeline(ctx: Context, name: str, body: dict) -> list[Line]:
    a = f"aws_codepipeline.{name}"
    if body.get("pipeline_type", "V1") == "V2":
        return [ctx.line(a, "CodePipeline V2 action minutes", ctx.usage["codepipeline_action_minutes"],
                         "action minutes", "codepipeline.v2", "usage")]
    return [ctx.line(a, "CodePipeline V1 active pipeline", 1, "pipeline-months", "codepipeline.v1")]


# --- databases ------------------------------------------------------------------

@rule("aws_db_instance")
def _rds(ctx: Context, name: str, body: dict) -> list[Line]:
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


@rule("aws_rds_cluster")
def _aurora(ctx: Context, name: str, body: dict) -> list[Line]:
    a = f"aws_rds_cluster.{name}"
    engine = body.get("engine", "aurora-mysql")
    if not engine.startswith("aurora"):
        raise Unpriced(f"Multi-AZ DB cluster engine {engine}")
    if body.get("storage_type") == "aurora-iopt1":
        raise Unpriced("Aurora I/O-Optimized storage")
    return [ctx.line(a, "Aurora storage", ctx.usage["aurora_storage_gb"], "GB-months", "aurora.storage", "usage"),
            ctx.line(a, "Aurora I/O", ctx.usage["aurora_io_million"], "million I/Os", "aurora.io", "usage")]


@rule("aws_rds_cluster_instance")
def _aurora_instance(ctx: Context, name: str, body: dict) -> list[Line]:
    engine = body.get("engine", "aurora-mysql")
    if reference := re.fullmatch(r"\$\{aws_rds_cluster\.([^.}]+)\.engine\}", engine):
        # an instance usually takes its engine from its cluster: read it there
        engine = ctx.stack.of_type("aws_rds_cluster").get(reference[1], {}).get("engine", "aurora-mysql")
    return [ctx.line(f"aws_rds_cluster_instance.{name}", f"Aurora {engine} {body.get('instance_class')}", HOURS,
                     "hours", f"{engine}.{body.get('instance_class')}")]


@rule("aws_elasticache_replication_group")
def _redis_group(ctx: Context, name: str, body: dict) -> list[Line]:
    if "num_node_groups" in body:
        nodes = int(body["num_node_groups"]) * (1 + int(body.get("replicas_per_node_group", 0)))
    else:
        nodes = int(body.get("num_cache_clusters", 1))
    return [ctx.line(f"aws_elasticache_replication_group.{name}",
                     f"ElastiCache {body.get('node_type')} x {nodes} node(s)", nodes * HOURS, "node-hours",
                     f"elasticache.{body.get('node_type')}")]


@rule("aws_elasticache_cluster")
def _cache_cluster(ctx: Context, name: str, body: dict) -> list[Line]:
    if "replication_group_id" in body and "node_type" not in body:
        return []  # a member of a replication group: priced there
    nodes = int(body.get("num_cache_nodes", 1))
    return [ctx.line(f"aws_elasticache_cluster.{name}", f"ElastiCache {body.get('node_type')} x {nodes}",
                     nodes * HOURS, "node-hours", f"elasticache.{body.get('node_type')}")]


# --- storage, secrets, keys, messaging ---------------------------------------------

@rule("aws_s3_bucket")
def _s3(ctx: Context, name: str, body: dict) -> list[Line]:
    buckets = sorted(ctx.stack.of_type("aws_s3_bucket"))
    if name != buckets[0]:
        return [Line(f"aws_s3_bucket.{name}", "bucket (storage counted on the stack's first bucket line)", 1,
                     "bucket", 0.0, "usage")]
    return [ctx.line(f"aws_s3_bucket.{name}", f"S3 Standard, all {len(buckets)} bucket(s) of the stack",
                     ctx.usage["s3_gb"], "GB-months", "s3.standard.gb", "usage")]


@rule("aws_ecr_repository")
def _ecr(ctx: Context, name: str, body: dict) -> list[Line]:
    return [ctx.line(f"aws_ecr_repository.{name}", f"ECR images {body.get('name', '')}",
                     ctx.usage["ecr_gb_per_repository"], "GB-months", "ecr.gb", "usage")]


@rule("aws_secretsmanager_secret")
def _secret(ctx: Context, name: str, body: dict) -> list[Line]:
    return [ctx.line(f"aws_secretsmanager_secret.{name}", "secret", 1, "secret-months", "secret")]


@rule("aws_kms_key")
def _kms(ctx: Context, name: str, body: dict) -> list[Line]:
    return [ctx.line(f"aws_kms_key.{name}", "KMS customer managed key", 1, "key-months", "kms.key")]


@rule("aws_sqs_queue")
def _sqs(ctx: Context, name: str, body: dict) -> list[Line]:
    return [ctx.line(f"aws_sqs_queue.{name}", f"SQS requests {body.get('name', '')}",
                     ctx.usage["sqs_requests_million"], "million requests", "sqs.requests", "usage")]


@rule("aws_cloudwatch_event_bus")
def _bus(ctx: Context, name: str, body: dict) -> list[Line]:
    return [ctx.line(f"aws_cloudwatch_event_bus.{name}", f"EventBridge custom events {body.get('name', '')}",
                     ctx.usage["eventbridge_events_million"], "million events", "eventbridge.events", "usage")]


# --- monitoring -------------------------------------------------------------------

@rule("aws_cloudwatch_log_group")
def _logs(ctx: Context, name: str, body: dict) -> list[Line]:
    groups = sorted(ctx.stack.of_type("aws_cloudwatch_log_group"))
    a = f"aws_cloudwatch_log_group.{name}"
    if name != groups[0]:
        return [Line(a, "log group (data counted on the stack's first log group line)", 1, "group", 0.0, "usage")]
    return [ctx.line(a, f"CloudWatch Logs ingestion, all {len(groups)} group(s)", ctx.usage["log_ingestion_gb"],
                     "GB", "logs.ingestion", "usage"),
            ctx.line(a, "CloudWatch Logs storage", ctx.usage["log_storage_gb"], "GB-months", "logs.storage", "usage")]


@rule("aws_cloudwatch_metric_alarm")
def _alarm(ctx: Context, name: str, body: dict) -> list[Line]:
    metrics = sum(1 for q in body.get("metric_query", []) if q.get("metric")) or 1
    return [ctx.line(f"aws_cloudwatch_metric_alarm.{name}", f"alarm {body.get('alarm_name', '')}", metrics,
                     "alarm metrics", "cloudwatch.alarm")]


@rule("aws_cloudwatch_dashboard")
def _dashboard(ctx: Context, name: str, body: dict) -> list[Line]:
    return [ctx.line(f"aws_cloudwatch_dashboard.{name}", "dashboard (the account's first 3 are free)", 1,
                     "dashboard-months", "cloudwatch.dashboard")]


# --- the estimate -------------------------------------------------------------------

def load_type_lists(path: Path = TYPES_FILE) -> tuple[dict[str, str], dict[str, str]]:
    data = tomllib.loads(path.read_text())
    return dict(data.get("free", {})), dict(data.get("unpriced", {}))


def classify(resource_type: str, free: dict[str, str], unpriced: dict[str, str]) -> str | None:
    """``priced``, ``free`` or ``unpriced`` (reviewed); None for a type in no list."""
    if resource_type in RULES:
        return "priced"
    if resource_type in free:
        return "free"
    if resource_type in unpriced:
        return "unpriced"
    return None


def estimate(stack: Stack, prices: PriceTable, usage: dict[str, float]) -> StackCost:
    free, reviewed_unpriced = load_type_lists()
    ctx = Context(stack, prices, usage)
    result = StackCost(stack.name, stack.environment, stack.region, str(prices.as_of))
    for resource_type, name, body in iter_resources(stack):
        kind = classify(resource_type, free, reviewed_unpriced)
        if kind == "free":
            result.free[resource_type] = result.free.get(resource_type, 0) + 1
            continue
        if kind == "priced":
            try:
                result.lines.extend(RULES[resource_type](ctx, name, body))
                continue
            except Unpriced as reason:
                result.unpriced_reasons[resource_type] = str(reason)
        else:
            result.unpriced_reasons[resource_type] = reviewed_unpriced.get(
                resource_type, "in no list of review/resource_types.toml: add a rule or list it")
        result.unpriced[resource_type] = result.unpriced.get(resource_type, 0) + 1
    return result


# The usage keys the rules read: review/usage.toml's [default] defines exactly these.
USAGE_KEYS = frozenset({
    "nat_gb", "alb_lcu", "log_ingestion_gb", "log_storage_gb", "s3_gb", "ecr_gb_per_repository",
    "waf_requests_million", "codebuild_minutes", "codepipeline_action_minutes", "lambda_invocations_million",
    "lambda_average_duration_ms", "sqs_requests_million", "eventbridge_events_million", "aurora_storage_gb",
    "aurora_io_million", "cloudfront_gb", "eks_node_disk_gb",
})
