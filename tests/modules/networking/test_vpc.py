"""modules/networking/vpc: tiers, NAT modes, isolated database routing, flow logs, endpoint."""

from __future__ import annotations

import pytest

from environments import load
from modules.framework import aws
from modules.networking.options import NatMode
from modules.networking.vpc import Vpc
from modules.networking.options import VpcOptions
from tests.support import Synth, project_stack, synth_stack

SUBNET = aws.subnet.Subnet.TF_RESOURCE_TYPE
ROUTE = aws.route.Route.TF_RESOURCE_TYPE
ROUTE_TABLE = aws.route_table.RouteTable.TF_RESOURCE_TYPE
ASSOCIATION = aws.route_table_association.RouteTableAssociation.TF_RESOURCE_TYPE
NAT = aws.nat_gateway.NatGateway.TF_RESOURCE_TYPE
EIP = aws.eip.Eip.TF_RESOURCE_TYPE
ENDPOINT = aws.vpc_endpoint.VpcEndpoint.TF_RESOURCE_TYPE
FLOW_LOG = aws.flow_log.FlowLog.TF_RESOURCE_TYPE
LOG_GROUP = aws.cloudwatch_log_group.CloudwatchLogGroup.TF_RESOURCE_TYPE
DEFAULT_SG = aws.default_security_group.DefaultSecurityGroup.TF_RESOURCE_TYPE
IGW = aws.internet_gateway.InternetGateway.TF_RESOURCE_TYPE

AZS = ("ap-northeast-2a", "ap-northeast-2c")


def synth_vpc(**overrides) -> Synth:
    """A project stack holding only the VPC construct, with SPEC CIDRs unless overridden."""
    props = dict(
        vpc_cidr="10.0.0.0/16", public_subnet_cidrs=("10.0.1.0/24", "10.0.2.0/24"),
        private_app_subnet_cidrs=("10.0.11.0/24", "10.0.12.0/24"),
        database_subnet_cidrs=("10.0.21.0/24", "10.0.22.0/24"), nat_mode=NatMode.ONE_PER_AZ,
    )
    props.update(overrides)
    stack = project_stack(project="codemate", environment="test")
    Vpc(stack, "network", options=VpcOptions(**props))
    return synth_stack(stack)


def routes_of(s: Synth, table: dict) -> list[dict]:
    ref = s.ref(ROUTE_TABLE, table)
    return [r for r in s.resources(ROUTE).values() if r["route_table_id"] == ref]


def subnets_of_table(s: Synth, table: dict) -> set[str]:
    ref = s.ref(ROUTE_TABLE, table)
    by_ref = {s.ref(SUBNET, sub): sub["cidr_block"] for sub in s.resources(SUBNET).values()}
    return {by_ref[a["subnet_id"]] for a in s.resources(ASSOCIATION).values() if a["route_table_id"] == ref}


# -- per environment -----------------------------------------------------------------------------

def test_every_tier_has_one_subnet_per_az_with_the_spec_cidrs(env, stack):
    net = load(env).network
    expected = {
        (cidr, az, tier)
        for tier, cidrs in (("public", net.public_subnet_cidrs), ("app", net.private_app_subnet_cidrs),
                            ("db", net.database_subnet_cidrs))
        for cidr, az in zip(cidrs, AZS)
    }
    actual = {(s["cidr_block"], s["availability_zone"], s["tags"]["Tier"]) for s in stack.resources(SUBNET).values()}
    assert actual == expected
    assert stack.count(SUBNET) == 6


def test_no_subnet_assigns_public_ips_on_launch(stack):
    assert {s["map_public_ip_on_launch"] for s in stack.resources(SUBNET).values()} == {False}


@pytest.mark.parametrize("env_name, nat_count", [("dev", 1), ("staging", 1), ("prod", 2)])
def test_nat_gateways_per_environment(env_name, nat_count):
    from tests.conftest import synthesized

    s = synthesized(env_name)
    assert s.count(NAT) == nat_count
    assert s.count(EIP) == nat_count
    public_refs = {s.ref(SUBNET, sub) for sub in s.all(SUBNET) if sub["tags"]["Tier"] == "public"}
    assert {n["subnet_id"] for n in s.resources(NAT).values()} <= public_refs


def test_prod_routes_each_az_through_its_own_nat(prod):
    app_tables = [t for t in prod.resources(ROUTE_TABLE).values() if t["tags"]["Name"].startswith("codemate-app-rt")]
    assert len(app_tables) == 2
    nat_targets = set()
    for table in app_tables:
        (route,) = routes_of(prod, table)
        assert route["destination_cidr_block"] == "0.0.0.0/0"
        nat_targets.add(route["nat_gateway_id"])
        assert len(subnets_of_table(prod, table)) == 1
    assert nat_targets == {prod.ref(NAT, n) for n in prod.resources(NAT).values()}


def test_dev_shares_one_app_route_table_through_its_single_nat(dev):
    table = dev.by_path(ROUTE_TABLE, "network/app-rt")
    (route,) = routes_of(dev, table)
    assert route["nat_gateway_id"] == dev.ref(NAT, next(iter(dev.resources(NAT).values())))
    assert subnets_of_table(dev, table) == {"10.0.11.0/24", "10.0.12.0/24"}


def test_public_route_table_sends_default_route_to_the_internet_gateway(stack):
    table = stack.by_path(ROUTE_TABLE, "network/public-rt")
    (route,) = routes_of(stack, table)
    assert route == {**route, "destination_cidr_block": "0.0.0.0/0",
                     "gateway_id": stack.ref(IGW, next(iter(stack.resources(IGW).values())))}
    assert subnets_of_table(stack, table) == {"10.0.1.0/24", "10.0.2.0/24"}


def test_database_route_table_has_no_route_out_at_all(stack):
    table = stack.by_path(ROUTE_TABLE, "network/db-rt")
    assert routes_of(stack, table) == []
    assert "route" not in table  # no inline routes either
    assert subnets_of_table(stack, table) == {"10.0.21.0/24", "10.0.22.0/24"}
    endpoint_tables = {t for e in stack.resources(ENDPOINT).values() for t in e["route_table_ids"]}
    assert stack.ref(ROUTE_TABLE, table) not in endpoint_tables


def test_s3_gateway_endpoint_serves_the_app_route_tables_only(stack):
    endpoint = stack.one(ENDPOINT, vpc_endpoint_type="Gateway")
    assert endpoint["service_name"] == "com.amazonaws.ap-northeast-2.s3"
    app_tables = {stack.ref(ROUTE_TABLE, t) for t in stack.resources(ROUTE_TABLE).values()
                  if t["tags"]["Name"].startswith("codemate-app-rt")}
    assert set(endpoint["route_table_ids"]) == app_tables


def test_flow_logs_capture_all_traffic_with_the_environment_retention(env, stack):
    flow_log = stack.one(FLOW_LOG)
    assert flow_log["traffic_type"] == "ALL"
    group = stack.one(LOG_GROUP, name=f"/aws/vpc/codemate-flow-logs-{env}")
    settings = load(env)
    assert group["retention_in_days"] == (settings.network.flow_log_retention_days or settings.log_retention_days)
    assert flow_log["log_destination"] == stack.ref(LOG_GROUP, group, "arn")


def test_default_security_group_is_stripped_of_every_rule(stack):
    (group,) = stack.resources(DEFAULT_SG).values()
    assert "ingress" not in group and "egress" not in group


# -- construct variants --------------------------------------------------------------------------

def test_nat_mode_none_creates_no_nat_and_no_default_route_for_apps():
    s = synth_vpc(nat_mode=NatMode.NONE)
    assert s.count(NAT) == 0 and s.count(EIP) == 0
    table = s.by_path(ROUTE_TABLE, "network/app-rt")
    assert routes_of(s, table) == []


def test_single_nat_lives_in_the_first_az():
    s = synth_vpc(nat_mode=NatMode.SINGLE)
    (nat,) = s.resources(NAT).values()
    first_public = s.by_path(SUBNET, "network/public-a")
    assert nat["subnet_id"] == s.ref(SUBNET, first_public)


def test_public_only_vpc_has_no_private_tiers_nat_or_endpoint():
    # GIVEN the cost-minimal design of SPEC §5 (Conduit): public subnets only
    s = synth_vpc(private_app_subnet_cidrs=(), database_subnet_cidrs=(), nat_mode=NatMode.NONE)
    assert s.count(SUBNET) == 2
    assert s.count(NAT) == 0
    assert s.count(ENDPOINT) == 0
    assert s.count(ROUTE_TABLE) == 1


def test_flow_logs_and_endpoint_can_be_switched_off():
    s = synth_vpc(flow_logs=False, s3_gateway_endpoint=False)
    assert s.count(FLOW_LOG) == 0
    assert s.count(ENDPOINT) == 0
