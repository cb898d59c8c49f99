"""modules/patterns/load_balanced_service: HTTPS with a domain, HTTP without one, services behind it."""

from __future__ import annotations

import json

import pytest

from modules.secrets.options import SecretsOptions

from modules.compute.ecr import EcrRepository
from modules.compute.ecs_cluster import EcsCluster
from modules.compute.options import EcsServiceOptions, SecretReference
from modules.networking.options import LoadBalancerOptions, NatMode, VpcOptions
from modules.networking.vpc import Vpc
from modules.patterns.load_balanced_service import NO_DOMAIN_NOTE, LoadBalancedFargateService
from modules.secrets.secrets_manager import Secrets
from tests.support import project_stack, synth_stack

API = EcsServiceOptions(name="api", port=8080, cpu=256, memory=512, health_check_path="/health",
                        desired_count=1, min_count=1, max_count=1, secrets=(SecretReference(variable="KEY", secret="k"),))
WORKER = EcsServiceOptions(name="worker", port=9000, cpu=256, memory=512, health_check_path="/", desired_count=1,
                           min_count=1, max_count=1, load_balanced=False)


def build(options: LoadBalancerOptions, services=(API,)):
    stack = project_stack(log_retention_days=7)
    vpc = Vpc(stack, "network", options=VpcOptions(
        vpc_cidr="10.0.0.0/16", public_subnet_cidrs=("10.0.1.0/24", "10.0.2.0/24"),
        private_app_subnet_cidrs=("10.0.11.0/24", "10.0.12.0/24"), database_subnet_cidrs=(), nat_mode=NatMode.SINGLE,
        flow_logs=False))
    cluster = EcsCluster(stack, "cluster")
    secrets = Secrets(stack, "secrets", options=SecretsOptions(names=("k",)))
    web = LoadBalancedFargateService(
        stack, services=services, options=options, cluster=cluster, vpc=vpc,
        repositories={s.name: EcrRepository(stack, f"ecr-{s.name}", name=f"shop-{s.name}-dev") for s in services},
        load_balancer_security_group_id="sg-alb", service_security_group_id="sg-svc",
        secrets=secrets,
    )
    return stack, web, synth_stack(stack)


def test_with_a_domain_https_redirect_certificate_and_alias():
    stack, web, synth = build(LoadBalancerOptions(domain="shop.example.com", waf=False))
    listeners = {l["port"]: l for l in synth.resources("aws_lb_listener").values()}
    assert listeners[443]["protocol"] == "HTTPS" and listeners[80]["default_action"][0]["type"] == "redirect"
    assert synth.one("aws_route53_record", type="A")["name"] == "shop-dev.shop.example.com"
    assert web.url == "https://shop-dev.shop.example.com" and stack.notes == []
    assert synth.count("aws_wafv2_web_acl") == 0


def test_without_a_domain_plain_http_and_a_note():
    stack, web, synth = build(LoadBalancerOptions(waf=False))
    assert [l["protocol"] for l in synth.resources("aws_lb_listener").values()] == ["HTTP"]
    assert synth.count("aws_acm_certificate") == 0 and synth.count("aws_route53_record") == 0
    assert stack.notes == [NO_DOMAIN_NOTE]


def test_waf_option_attaches_a_web_acl():
    _, _, synth = build(LoadBalancerOptions(waf=True))
    assert synth.count("aws_wafv2_web_acl") == 1 and synth.count("aws_wafv2_web_acl_association") == 1


def test_services_run_privately_with_secrets_by_arn_and_only_balanced_ones_get_a_target_group():
    _, web, synth = build(LoadBalancerOptions(waf=False), services=(API, WORKER))
    assert set(web.services) == {"api", "worker"}
    assert [g["port"] for g in synth.resources("aws_lb_target_group").values()] == [8080]
    api = synth.by_path("aws_ecs_service", "svc-api/service")
    assert api["network_configuration"]["assign_public_ip"] is False
    assert "load_balancer" not in synth.by_path("aws_ecs_service", "svc-worker/service")
    container = json.loads(synth.by_path("aws_ecs_task_definition", "svc-api/task")["container_definitions"])[0]
    assert container["secrets"] == [{"name": "KEY", "valueFrom": synth.ref(
        "aws_secretsmanager_secret", synth.by_path("aws_secretsmanager_secret", "secrets/k"), "arn")}]
