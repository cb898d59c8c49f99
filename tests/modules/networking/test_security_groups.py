"""modules/networking/security_groups: least-privilege rules of SPEC §3."""

from __future__ import annotations

from modules.framework import aws

GROUP = aws.security_group.SecurityGroup.TF_RESOURCE_TYPE
INGRESS = aws.vpc_security_group_ingress_rule.VpcSecurityGroupIngressRule.TF_RESOURCE_TYPE
EGRESS = aws.vpc_security_group_egress_rule.VpcSecurityGroupEgressRule.TF_RESOURCE_TYPE


def group(stack, role: str, env: str) -> dict:
    return stack.one(GROUP, name=f"codemate-{role}-sg-{env}")


def rules(stack, type_: str, grp: dict) -> list[dict]:
    ref = stack.ref(GROUP, grp)
    return [r for r in stack.resources(type_).values() if r["security_group_id"] == ref]


def shape(rule: dict) -> tuple:
    return (rule["ip_protocol"], rule.get("from_port"), rule.get("to_port"),
            rule.get("cidr_ipv4") or rule.get("referenced_security_group_id"))


def test_four_groups_with_no_inline_rules(env, stack):
    assert stack.count(GROUP) == 4
    for role in ("alb", "ecs", "rds", "redis"):
        g = group(stack, role, env)
        assert "ingress" not in g and "egress" not in g


def test_alb_accepts_443_and_80_from_anywhere_and_talks_only_to_ecs(env, stack):
    alb, ecs = group(stack, "alb", env), group(stack, "ecs", env)
    assert {shape(r) for r in rules(stack, INGRESS, alb)} == {
        ("tcp", 443, 443, "0.0.0.0/0"), ("tcp", 80, 80, "0.0.0.0/0")}
    assert {shape(r) for r in rules(stack, EGRESS, alb)} == {
        ("tcp", 3000, 3000, stack.ref(GROUP, ecs)), ("tcp", 3001, 3001, stack.ref(GROUP, ecs))}


def test_ecs_accepts_service_ports_from_the_alb_group_only(env, stack):
    alb, ecs = group(stack, "alb", env), group(stack, "ecs", env)
    assert {shape(r) for r in rules(stack, INGRESS, ecs)} == {
        ("tcp", 3000, 3000, stack.ref(GROUP, alb)), ("tcp", 3001, 3001, stack.ref(GROUP, alb))}
    assert {shape(r) for r in rules(stack, EGRESS, ecs)} == {("-1", None, None, "0.0.0.0/0")}


def test_database_accepts_5432_from_ecs_only_and_sends_nothing(env, stack):
    rds, ecs = group(stack, "rds", env), group(stack, "ecs", env)
    assert [shape(r) for r in rules(stack, INGRESS, rds)] == [("tcp", 5432, 5432, stack.ref(GROUP, ecs))]
    assert rules(stack, EGRESS, rds) == []


def test_redis_accepts_6379_from_ecs_only_and_sends_nothing(env, stack):
    redis, ecs = group(stack, "redis", env), group(stack, "ecs", env)
    assert [shape(r) for r in rules(stack, INGRESS, redis)] == [("tcp", 6379, 6379, stack.ref(GROUP, ecs))]
    assert rules(stack, EGRESS, redis) == []


def test_no_cidr_ever_reaches_a_data_port(stack):
    for rule in stack.resources(INGRESS).values():
        if rule["from_port"] in (5432, 3306, 6379):
            assert "cidr_ipv4" not in rule and "cidr_ipv6" not in rule


def test_every_rule_says_why_it_exists(stack):
    for type_ in (INGRESS, EGRESS):
        for rule in stack.resources(type_).values():
            assert rule["description"].strip()
