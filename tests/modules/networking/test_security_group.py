"""modules/networking/security_group: one group, its connections as separate rules (bare stack)."""

from __future__ import annotations

import pytest

from modules.networking.security_group import SecurityGroup
from tests.support import project_stack, synth_stack

INGRESS, EGRESS = "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"


@pytest.fixture
def synth():
    stack = project_stack()
    db = SecurityGroup(stack, "db", vpc_id="vpc-1", role="db", description="Database")
    app = SecurityGroup(stack, "app", vpc_id="vpc-1", role="app", description="App")
    gateway = SecurityGroup(stack, "gateway", vpc_id="vpc-1", role="gateway", description="Gateway",
                            allow_all_outbound=True)
    db.allow_from(app, 3306)
    db.allow_from(app, 3306)  # a repeated grant adds nothing
    app.allow_from(gateway, 8081, "From the gateway")
    app.allow_from("10.0.0.0/16", 9000)
    return synth_stack(stack)


def test_group_is_named_by_role_and_has_no_outbound_by_default(synth):
    group = synth.by_path("aws_security_group", "db/group")
    assert group["name"] == "shop-db-sg-dev"
    db_ref = synth.ref("aws_security_group", group)
    assert [r for r in synth.resources(EGRESS).values() if r["security_group_id"] == db_ref] == []


def test_allow_from_a_group_opens_both_ends_once(synth):
    db, app = (synth.ref("aws_security_group", synth.by_path("aws_security_group", f"{g}/group")) for g in ("db", "app"))
    inbound = synth.by_path(INGRESS, "db/in-app-3306")
    assert (inbound["security_group_id"], inbound["referenced_security_group_id"], inbound["from_port"],
            inbound["to_port"], inbound["ip_protocol"]) == (db, app, 3306, 3306, "tcp")
    outbound = synth.by_path(EGRESS, "app/out-db-3306")
    assert (outbound["security_group_id"], outbound["referenced_security_group_id"]) == (app, db)
    assert len(synth.under(INGRESS, "db")) == 1


def test_a_peer_that_allows_all_outbound_gets_no_extra_egress_rule(synth):
    assert [synth.path(r) for r in synth.under(EGRESS, "gateway")] == ["gateway/out-all"]
    assert synth.by_path(INGRESS, "app/in-gateway-8081")["description"] == "From the gateway"


def test_a_cidr_peer_is_explicit_and_normalised(synth):
    rule = synth.by_path(INGRESS, "app/in-10-0-0-0_16-9000")
    assert rule["cidr_ipv4"] == "10.0.0.0/16" and "referenced_security_group_id" not in rule


def test_a_port_outside_tcp_is_refused():
    stack = project_stack()
    group = SecurityGroup(stack, "db", vpc_id="vpc-1", role="db", description="Database")
    with pytest.raises(ValueError, match="not a TCP port"):
        group.allow_from("10.0.0.0/16", 0)
