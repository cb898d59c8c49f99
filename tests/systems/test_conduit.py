"""Conduit (document 000) as synthesized: only what it needs, public subnets only, secrets by ARN."""

from __future__ import annotations

import json

import pytest

from modules.framework import aws

STACKS = ["conduit-dev", "conduit-prod"]


@pytest.fixture(params=STACKS)
def conduit(request, stack_of):
    return stack_of(request.param)


def env_of(synth) -> str:
    return synth.doc["terraform"]["backend"]["s3"]["key"].split("/")[0]


@pytest.mark.parametrize("type_", [
    "aws_db_instance", "aws_rds_cluster", "aws_elasticache_replication_group", "aws_elasticache_subnet_group",
    "aws_nat_gateway", "aws_eip", "aws_codepipeline", "aws_codebuild_project", "aws_vpc_endpoint",
    "aws_service_discovery_private_dns_namespace",
])
def test_conduit_builds_no_resource_it_does_not_need(conduit, type_):
    # GIVEN Conduit's committed settings THEN none of Codemate's data, NAT or delivery resources exist
    assert conduit.count(type_) == 0


def test_network_is_two_public_subnets_with_a_route_to_the_internet_only(conduit):
    subnets = list(conduit.resources(aws.subnet.Subnet.TF_RESOURCE_TYPE).values())
    assert sorted((s["availability_zone"], s["cidr_block"]) for s in subnets) == [
        ("ap-northeast-2a", "10.0.1.0/24"), ("ap-northeast-2c", "10.0.2.0/24")]
    assert conduit.count("aws_route_table") == 1
    routes = list(conduit.resources("aws_route").values())
    assert [(r["destination_cidr_block"], "gateway_id" in r) for r in routes] == [("0.0.0.0/0", True)]


def test_service_runs_in_public_subnets_with_a_public_ip_on_8080(conduit):
    service = conduit.one("aws_ecs_service", name="conduit-backend")  # SPEC §7: the document's update-service names it
    assert service["network_configuration"]["assign_public_ip"] is True
    public = {conduit.ref("aws_subnet", s) for s in conduit.resources("aws_subnet").values()}
    assert set(service["network_configuration"]["subnets"]) == public
    assert service["load_balancer"][0]["container_port"] == 8080
    assert conduit.one("aws_ecs_cluster")["name"] == f"conduit-cluster-{env_of(conduit)}"


@pytest.mark.parametrize("stack, cpu, memory, tasks", [("conduit-dev", "256", "512", 1),
                                                        ("conduit-prod", "512", "1024", 2)])
def test_task_size_and_count_per_environment(stack_of, stack, cpu, memory, tasks):
    synth = stack_of(stack)
    task = synth.one("aws_ecs_task_definition")
    assert (task["cpu"], task["memory"]) == (cpu, memory)
    assert synth.one("aws_ecs_service")["desired_count"] == tasks


def test_load_balancer_and_health_check(conduit):
    env = env_of(conduit)
    assert conduit.one("aws_lb")["name"] == f"conduit-alb-{env}"
    group = conduit.one("aws_lb_target_group")
    assert (group["port"], group["health_check"]["path"]) == (8080, "/health")


def test_dev_serves_http_and_prod_serves_https_with_a_redirect(stack_of):
    dev = stack_of("conduit-dev")
    assert [l["protocol"] for l in dev.resources("aws_lb_listener").values()] == ["HTTP"]
    assert dev.count("aws_acm_certificate") == 0
    prod = stack_of("conduit-prod")
    listeners = {l["port"]: l for l in prod.resources("aws_lb_listener").values()}
    assert listeners[443]["ssl_policy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert listeners[80]["default_action"][0]["redirect"]["protocol"] == "HTTPS"
    assert prod.one("aws_lb")["enable_deletion_protection"] is True


def test_image_repository_keeps_the_last_ten_images(conduit):
    repo = conduit.one("aws_ecr_repository")
    assert repo["name"] == f"conduit-backend-{env_of(conduit)}"
    assert repo["image_tag_mutability"] == "IMMUTABLE"
    policy = json.loads(conduit.one("aws_ecr_lifecycle_policy")["policy"])
    assert policy["rules"][0]["selection"]["countNumber"] == 10


def test_jwt_secret_comes_from_secrets_manager_never_a_literal(conduit):
    container = json.loads(conduit.one("aws_ecs_task_definition")["container_definitions"])[0]
    assert "JWT_SECRET" not in {e["name"] for e in container["environment"]}
    [jwt] = [s for s in container["secrets"] if s["name"] == "JWT_SECRET"]
    secret = conduit.one("aws_secretsmanager_secret", name=f"conduit/{env_of(conduit)}/jwt")
    assert jwt["valueFrom"] == conduit.ref("aws_secretsmanager_secret", secret, "arn")


def test_tasks_accept_only_the_load_balancer_on_their_port(conduit):
    ecs_group = conduit.by_path("aws_security_group", "security-groups/ecs")
    ecs_ref = conduit.ref("aws_security_group", ecs_group)
    alb_ref = conduit.ref("aws_security_group", conduit.by_path("aws_security_group", "security-groups/alb"))
    inbound = [r for r in conduit.resources("aws_vpc_security_group_ingress_rule").values()
               if r["security_group_id"] == ecs_ref]
    assert [(r["from_port"], r.get("referenced_security_group_id"), r.get("cidr_ipv4")) for r in inbound] == [
        (8080, alb_ref, None)]


def test_no_role_has_a_wildcard_action(conduit):
    for policy in conduit.resources("aws_iam_role_policy").values():
        for statement in json.loads(policy["policy"])["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert not [a for a in actions if "*" in a], statement


def test_access_logs_go_to_a_private_tls_only_bucket(conduit):
    lb = conduit.one("aws_lb")
    bucket = conduit.one("aws_s3_bucket")
    assert lb["access_logs"]["bucket"] == conduit.ref("aws_s3_bucket", bucket, "bucket")
    block = conduit.one("aws_s3_bucket_public_access_block")
    assert all(block[k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls",
                                          "restrict_public_buckets"))
    policy = json.loads(conduit.one("aws_s3_bucket_policy")["policy"])
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
