"""The load balancer: listeners, TLS, redirect, target groups, rules, WebSocket settings, logs."""

from __future__ import annotations

import pytest

from modules.errors import ConfigError
from modules import framework
from modules.framework import aws
from modules.naming import Naming
from modules.networking.alb import LoadBalancer, Target

LB = aws.lb.Lb.TF_RESOURCE_TYPE
LISTENER = aws.lb_listener.LbListener.TF_RESOURCE_TYPE
RULE = aws.lb_listener_rule.LbListenerRule.TF_RESOURCE_TYPE
TARGET_GROUP = aws.lb_target_group.LbTargetGroup.TF_RESOURCE_TYPE
VALIDATION = aws.acm_certificate_validation.AcmCertificateValidation.TF_RESOURCE_TYPE
SUBNET = aws.subnet.Subnet.TF_RESOURCE_TYPE
SECURITY_GROUP = aws.security_group.SecurityGroup.TF_RESOURCE_TYPE
BUCKET = aws.s3_bucket.S3Bucket.TF_RESOURCE_TYPE
BUCKET_POLICY = aws.s3_bucket_policy.S3BucketPolicy.TF_RESOURCE_TYPE
VPC = aws.vpc.Vpc.TF_RESOURCE_TYPE

PORTS = {"frontend": 3000, "backend": 3001}
HEALTH = {"frontend": "/api/health", "backend": "/health"}


def listener(stack, port: int) -> dict:
    return stack.one(LISTENER, port=port)


def test_load_balancer_is_internet_facing_in_the_public_subnets(env, stack):
    alb = stack.one(LB)
    assert alb["name"] == f"codemate-alb-{env}"
    assert (alb["load_balancer_type"], alb["internal"]) == ("application", False)
    assert alb["subnets"] == [stack.ref(SUBNET, stack.by_path(SUBNET, f"network/public-{z}")) for z in "ac"]
    assert alb["security_groups"] == [stack.ref(SECURITY_GROUP, stack.by_path(SECURITY_GROUP, "security-groups/alb"))]


def test_load_balancer_keeps_websockets_open_and_drops_invalid_headers(stack):
    alb = stack.one(LB)
    assert alb["idle_timeout"] == 3600
    assert alb["drop_invalid_header_fields"] is True


@pytest.mark.parametrize("env_name, protected", [("dev", False), ("staging", False), ("prod", True)])
def test_deletion_protection_only_in_prod(request, env_name, protected):
    alb = request.getfixturevalue(env_name).one(LB)
    assert alb["enable_deletion_protection"] is protected


def test_access_logs_go_to_the_logs_bucket_after_its_policy_exists(stack):
    alb = stack.one(LB)
    logs = stack.by_path(BUCKET, "storage/logs")
    policy = stack.by_path(BUCKET_POLICY, "storage/logs-policy")
    assert alb["access_logs"] == {"bucket": stack.ref(BUCKET, logs, "bucket"), "prefix": "alb", "enabled": True}
    assert alb["depends_on"] == [stack.ref(BUCKET_POLICY, policy, "")[2:-2]]


@pytest.mark.parametrize("service", ["frontend", "backend"])
def test_target_group_per_service_with_spec_health_settings(env, stack, service):
    tg = stack.by_path(TARGET_GROUP, f"alb/tg-{service}")
    assert tg["name"] == f"codemate-{service}-tg-{env}"
    assert (tg["target_type"], tg["protocol"], tg["port"]) == ("ip", "HTTP", PORTS[service])
    assert tg["vpc_id"] == stack.ref(VPC, stack.one(VPC))
    check = tg["health_check"]
    assert check["path"] == HEALTH[service]
    assert (check["healthy_threshold"], check["unhealthy_threshold"], check["interval"]) == (2, 3, 30)


@pytest.mark.parametrize("service", ["frontend", "backend"])
def test_target_groups_are_sticky_and_drain_for_300_seconds(stack, service):
    tg = stack.by_path(TARGET_GROUP, f"alb/tg-{service}")
    assert tg["stickiness"] == {"type": "lb_cookie", "enabled": True, "cookie_duration": 86400}
    assert tg["deregistration_delay"] == "300"


@pytest.mark.parametrize("env_name", ["staging", "prod"])
def test_https_listener_uses_the_validated_certificate_and_tls13_policy(request, env_name):
    stack = request.getfixturevalue(env_name)
    https = listener(stack, 443)
    assert https["protocol"] == "HTTPS"
    assert https["ssl_policy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert https["certificate_arn"] == stack.ref(VALIDATION, stack.one(VALIDATION), "certificate_arn")
    frontend = stack.by_path(TARGET_GROUP, "alb/tg-frontend")
    assert https["default_action"] == [
        {"type": "forward", "target_group_arn": stack.ref(TARGET_GROUP, frontend, "arn")},
    ]


@pytest.mark.parametrize("env_name", ["staging", "prod"])
def test_http_only_redirects_to_https(request, env_name):
    stack = request.getfixturevalue(env_name)
    http = listener(stack, 80)
    assert http["default_action"] == [{"type": "redirect", "redirect": {
        "port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"}}]


def test_http_never_forwards_in_prod(prod):
    # Negative: neither the default action nor any rule of port 80 forwards traffic.
    http = listener(prod, 80)
    http_ref = prod.ref(LISTENER, http, "arn")
    assert [a["type"] for a in http["default_action"]] == ["redirect"]
    assert not [r for r in prod.resources(RULE).values() if r["listener_arn"] == http_ref]
    assert prod.count(LISTENER) == 2


def test_backend_rule_routes_api_and_socket_io_on_the_forwarding_listener(stack):
    rule = stack.one(RULE)
    backend = stack.by_path(TARGET_GROUP, "alb/tg-backend")
    forwarding = stack.all(LISTENER, port=443) or stack.all(LISTENER, port=80)
    assert rule["listener_arn"] == stack.ref(LISTENER, forwarding[0], "arn")
    assert rule["priority"] == 100
    assert rule["condition"] == [{"path_pattern": {"values": ["/api/*", "/socket.io/*"]}}]
    assert rule["action"] == [{"type": "forward", "target_group_arn": stack.ref(TARGET_GROUP, backend, "arn")}]


def test_everything_else_goes_to_the_frontend(stack):
    forwarding = (stack.all(LISTENER, port=443) or stack.all(LISTENER, port=80))[0]
    frontend = stack.by_path(TARGET_GROUP, "alb/tg-frontend")
    assert forwarding["default_action"] == [
        {"type": "forward", "target_group_arn": stack.ref(TARGET_GROUP, frontend, "arn")},
    ]


def test_an_environment_without_a_domain_serves_http_only():
    from tests.data_variants import synthesized_variant

    # GIVEN dev without its domain THEN one HTTP listener forwards, no HTTPS listener, no certificate
    dev = synthesized_variant("no-domain")
    (http,) = dev.resources(LISTENER).values()
    assert (http["port"], http["protocol"]) == (80, "HTTP")
    assert http["default_action"][0]["type"] == "forward"
    assert dev.count(aws.acm_certificate.AcmCertificate.TF_RESOURCE_TYPE) == 0
    assert dev.one(RULE)["listener_arn"] == dev.ref(LISTENER, http, "arn")


# -- the construct on its own ------------------------------------------------------
def _build(targets):
    from tests.support import project_stack

    stack = project_stack("unit", project="codemate", environment="dev")
    return LoadBalancer(stack, "alb", vpc_id="vpc-1", subnet_ids=["a", "b"], security_group_ids=["sg"], targets=targets)


def test_construct_refuses_two_default_targets():
    with pytest.raises(ValueError, match="exactly one target without path patterns"):
        _build([Target(name="a", port=1, health_check_path="/"), Target(name="b", port=2, health_check_path="/")])


def test_construct_refuses_a_shared_priority():
    with pytest.raises(ValueError, match="its own priority"):
        _build([Target(name="a", port=1, health_check_path="/"),
                Target(name="b", port=2, health_check_path="/", path_patterns=("/b/*",), priority=5),
                Target(name="c", port=3, health_check_path="/", path_patterns=("/c/*",), priority=5)])


def test_construct_rejects_a_target_group_name_over_32_characters():
    with pytest.raises(ConfigError, match="target group name is 33 chars"):
        # codemate-<17 characters>-tg-dev is 33 characters
        _build([Target(name="service-name-abcd", port=1, health_check_path="/")])
