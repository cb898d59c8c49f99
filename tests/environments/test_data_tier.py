"""What must never hold for a data store, in every environment and every SPEC §5 database variant:
no public database, no data store reachable from anywhere but ECS, no subnet outside the
database tier, and no password or token written into the synthesized JSON."""

from __future__ import annotations

import re

import pytest

from environments import ENVIRONMENT_NAMES
from tests.conftest import synthesized
from tests.data_variants import VARIANTS, synthesized_variant
from modules.framework import aws

DB_INSTANCE = aws.db_instance.DbInstance.TF_RESOURCE_TYPE
CLUSTER_INSTANCE = aws.rds_cluster_instance.RdsClusterInstance.TF_RESOURCE_TYPE
DB_SUBNETS = aws.db_subnet_group.DbSubnetGroup.TF_RESOURCE_TYPE
CACHE_SUBNETS = aws.elasticache_subnet_group.ElasticacheSubnetGroup.TF_RESOURCE_TYPE
SUBNET = aws.subnet.Subnet.TF_RESOURCE_TYPE
SG = aws.security_group.SecurityGroup.TF_RESOURCE_TYPE
INGRESS = aws.vpc_security_group_ingress_rule.VpcSecurityGroupIngressRule.TF_RESOURCE_TYPE
EGRESS = aws.vpc_security_group_egress_rule.VpcSecurityGroupEgressRule.TF_RESOURCE_TYPE

ALL = [*ENVIRONMENT_NAMES, *VARIANTS]

# Keys that would carry a credential, and the settings among them that are not credentials.
_SECRET_KEY = re.compile(r"password|auth_token|secret_string|secret_binary", re.IGNORECASE)
_NOT_A_SECRET = {"auth_token_update_strategy"}
_REFERENCE = re.compile(r"^\$\{[^{}]+\}$")


def literal_secrets(node: object, path: str = "") -> list[str]:
    """Paths of credential-like keys whose value is a literal string rather than a ``${...}`` reference."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "//":  # cdktf's construct metadata, not Terraform configuration
                continue
            here = f"{path}.{key}"
            if (_SECRET_KEY.search(key) and key not in _NOT_A_SECRET and isinstance(value, str)
                    and not _REFERENCE.match(value)):
                found.append(here)
            found += literal_secrets(value, here)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            found += literal_secrets(item, f"{path}[{i}]")
    return found


@pytest.fixture(params=ALL)
def synth(request):
    name = request.param
    return synthesized(name) if name in ENVIRONMENT_NAMES else synthesized_variant(name)


def test_the_scan_finds_a_literal_password_or_token():
    # GIVEN JSON with literal credentials next to references and non-secret settings
    doc = {"resource": {"x": {"a": {"password": "hunter2", "auth_token": "${data.y.z.secret_string}",
                                    "manage_master_user_password": True, "auth_token_update_strategy": "ROTATE"},
                              "b": {"secret_string": "{\"k\": \"v\"}"}}}}
    # THEN only the literals are reported
    assert literal_secrets(doc) == [".resource.x.a.password", ".resource.x.b.secret_string"]


def test_no_password_or_token_literal_anywhere_in_the_output(synth):
    assert literal_secrets(synth.doc) == []


def test_no_database_instance_is_publicly_accessible(synth):
    instances = [*synth.resources(DB_INSTANCE).values(), *synth.resources(CLUSTER_INSTANCE).values()]
    assert instances
    assert [i["publicly_accessible"] for i in instances] == [False] * len(instances)


def test_data_security_groups_admit_only_the_ecs_group_and_send_nothing(synth):
    ecs = synth.ref(SG, synth.by_path(SG, "security-groups/ecs"))
    for role in ("rds", "redis"):
        group = synth.by_path(SG, f"security-groups/{role}")
        assert "ingress" not in group and "egress" not in group  # no inline rules
        ref = synth.ref(SG, group)
        rules = synth.all(INGRESS, security_group_id=ref)
        assert rules and all(r.get("referenced_security_group_id") == ecs for r in rules)
        assert not any({"cidr_ipv4", "cidr_ipv6", "prefix_list_id"} & r.keys() for r in rules)
        assert synth.all(EGRESS, security_group_id=ref) == []


def test_data_stores_use_only_the_database_subnets(synth):
    db_tier = {synth.ref(SUBNET, synth.by_path(SUBNET, f"network/db-{zone}")) for zone in "ac"}
    groups = [*synth.resources(DB_SUBNETS).values(), *synth.resources(CACHE_SUBNETS).values()]
    assert len(groups) == 2
    for group in groups:
        assert set(group["subnet_ids"]) == db_tier


def test_every_data_output_is_present(synth):
    assert {"database_endpoint", "database_port", "database_master_secret_arn", "redis_primary_endpoint",
            "redis_auth_token_secret_arn"} <= synth.outputs.keys()


def test_prod_run_unprotected_by_explicit_override_says_so_in_the_summary():
    # GIVEN prod with the override that allows a database without protection
    from dataclasses import replace

    from environments import load
    from systems.codemate.stack import CodemateStack
    from modules.framework import test_app

    prod = load("prod")
    settings = replace(prod, database=replace(prod.database, deletion_protection=False, allow_unprotected_prod=True))
    # WHEN its stack is built
    stack = CodemateStack(test_app(), settings)
    # THEN main.py's summary carries a note, and the database really is unprotected
    assert any("allow_unprotected_prod" in note for note in stack.notes)
    assert stack.database.instance.deletion_protection_input is False


def test_unisync_mysql_8_0_builds_with_a_note_that_it_runs_on_extended_support():
    # GIVEN UniSync's MySQL 8.0 (SPEC §5), past RDS standard support since 2026-07-31
    from systems.codemate.stack import CodemateStack
    from modules.framework import test_app
    from tests.data_variants import unisync_settings

    # WHEN its stack is built THEN main.py's summary carries the note
    stack = CodemateStack(test_app(), unisync_settings())
    assert [n for n in stack.notes if "Extended Support" in n] == [
        "database: MySQL 8.0 is on RDS Extended Support since 2026-08-01 (billed per vCPU-hour); "
        "plan the upgrade to 8.4"]


def test_committed_environments_run_a_major_in_standard_support(env):
    from environments import load
    from modules.database.engines import support_note

    db = load(env).database
    assert support_note(db.engine, db.effective_engine_version) is None
