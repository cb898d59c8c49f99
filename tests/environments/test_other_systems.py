"""The same modules build other systems of SPEC §5: nothing is hard-coded to codemate's two services.

* Conduit: public subnets only, no NAT, one service with a public IP on 8080, no buckets.
* A UniSync-style variant of dev: an internal service on Fargate Spot reached through
  service discovery, and secrets under the AWS-managed key.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from environments import load
from modules.compute.options import SecretReference, EcsServiceOptions
from modules.database.options import CacheOptions, DatabaseOptions
from modules.networking.options import LoadBalancerOptions, NatMode, VpcOptions
from modules.project import ProjectSettings
from modules.secrets.options import SecretsOptions
from systems.codemate.settings import CodemateSettings
from modules.framework import aws
from tests.app_support import ROLE_POLICY, SERVICE, TASK, container, policy, statements
from tests.support import synth_settings

CLUSTER = aws.ecs_cluster.EcsCluster.TF_RESOURCE_TYPE
REPOSITORY = aws.ecr_repository.EcrRepository.TF_RESOURCE_TYPE
LB = aws.lb.Lb.TF_RESOURCE_TYPE
LISTENER = aws.lb_listener.LbListener.TF_RESOURCE_TYPE
RULE = aws.lb_listener_rule.LbListenerRule.TF_RESOURCE_TYPE
TARGET_GROUP = aws.lb_target_group.LbTargetGroup.TF_RESOURCE_TYPE
SUBNET = aws.subnet.Subnet.TF_RESOURCE_TYPE
NAT = aws.nat_gateway.NatGateway.TF_RESOURCE_TYPE
BUCKET = aws.s3_bucket.S3Bucket.TF_RESOURCE_TYPE
SECRET = aws.secretsmanager_secret.SecretsmanagerSecret.TF_RESOURCE_TYPE
KMS_KEY = aws.kms_key.KmsKey.TF_RESOURCE_TYPE
SCALING_TARGET = aws.appautoscaling_target.AppautoscalingTarget.TF_RESOURCE_TYPE
NAMESPACE = aws.service_discovery_private_dns_namespace.ServiceDiscoveryPrivateDnsNamespace.TF_RESOURCE_TYPE
DISCOVERY = aws.service_discovery_service.ServiceDiscoveryService.TF_RESOURCE_TYPE
INGRESS = aws.vpc_security_group_ingress_rule.VpcSecurityGroupIngressRule.TF_RESOURCE_TYPE
EGRESS = aws.vpc_security_group_egress_rule.VpcSecurityGroupEgressRule.TF_RESOURCE_TYPE
SECURITY_GROUP = aws.security_group.SecurityGroup.TF_RESOURCE_TYPE
VPC = aws.vpc.Vpc.TF_RESOURCE_TYPE

CONDUIT = CodemateSettings(
    name="prod",
    project=ProjectSettings(
        name="conduit", region="ap-northeast-2", availability_zones=("ap-northeast-2a", "ap-northeast-2c"),
        state_bucket="conduit-terraform-state", lock_table="conduit-terraform-locks",
    ),
    network=VpcOptions(
        vpc_cidr="10.1.0.0/16", public_subnet_cidrs=("10.1.1.0/24", "10.1.2.0/24"), private_app_subnet_cidrs=(),
        # the foundation's validation still asks for a database tier (isolated, no route out)
        database_subnet_cidrs=("10.1.21.0/24", "10.1.22.0/24"), nat_mode=NatMode.NONE,
    ),
    services=(
        EcsServiceOptions(
            name="backend", port=8080, cpu=512, memory=1024, health_check_path="/api/health",
            desired_count=2, min_count=2, max_count=2, cpu_scaling_target=None, assign_public_ip=True,
            environment={"SPRING_PROFILES_ACTIVE": "prod"},
            secrets=(SecretReference(variable="DB_PASSWORD", secret="database", json_key="password"),),
        ),
    ),
    database=DatabaseOptions(instance_class="db.t4g.micro", allocated_storage_gb=20, multi_az=False,
                              backup_retention_days=7),
    cache=CacheOptions(node_type="cache.t4g.micro", num_cache_clusters=1, snapshot_retention_days=1),
    log_retention_days=14,
    load_balancer=LoadBalancerOptions(access_logs=False),
    secrets=SecretsOptions(names=("database",), recovery_window_days=7),
    storage=None,
)


@pytest.fixture(scope="module")
def conduit():
    return synth_settings(CONDUIT)


@pytest.fixture(scope="module")
def unisync_style():
    dev = load("dev")
    worker = EcsServiceOptions(
        name="worker", port=3002, cpu=256, memory=512, health_check_path="/health",
        desired_count=1, min_count=1, max_count=1, load_balanced=False, discovery_name="worker",
        fargate_spot=True, secrets=(SecretReference(variable="ANTHROPIC_API_KEY", secret="anthropic"),),
    )
    return synth_settings(replace(
        dev, services=(*dev.services, worker),
        secrets=replace(dev.secrets, customer_managed_key=False),
    ))


# -- Conduit ---------------------------------------------------------------------
def test_conduit_names_come_from_its_own_project(conduit):
    assert "codemate" not in conduit.text
    assert conduit.one(CLUSTER)["name"] == "conduit-cluster-prod"
    assert conduit.one(REPOSITORY)["name"] == "conduit-backend-prod"
    assert conduit.one(LB)["name"] == "conduit-alb-prod"
    assert conduit.one(SERVICE)["name"] == "conduit-backend-service"
    assert [s["name"] for s in conduit.under(SECRET, "secrets")] == ["conduit/prod/database"]


def test_conduit_runs_one_public_ip_service_in_the_public_subnets_without_nat(conduit):
    svc = conduit.one(SERVICE)
    public = [conduit.ref(SUBNET, conduit.by_path(SUBNET, f"network/public-{z}")) for z in "ac"]
    assert svc["network_configuration"]["assign_public_ip"] is True
    assert svc["network_configuration"]["subnets"] == public
    assert conduit.count(NAT) == 0
    assert not [s for s in conduit.resources(SUBNET).values() if s.get("tags", {}).get("Tier") == "app"]


def test_conduit_service_is_sized_and_counted_from_its_settings(conduit):
    task = conduit.one(TASK)
    assert (task["cpu"], task["memory"]) == ("512", "1024")
    svc = conduit.one(SERVICE)
    assert svc["desired_count"] == 2
    # min == max: no autoscaling, so Terraform keeps managing the desired count
    assert conduit.count(SCALING_TARGET) == 0
    assert svc["lifecycle"] == {"ignore_changes": ["task_definition"]}


def test_conduit_load_balancer_forwards_http_8080_to_its_only_service(conduit):
    tg = conduit.one(TARGET_GROUP)
    assert (tg["name"], tg["port"], tg["health_check"]["path"]) == ("conduit-backend-tg-prod", 8080, "/api/health")
    (http,) = conduit.resources(LISTENER).values()
    assert http["default_action"] == [{"type": "forward", "target_group_arn": conduit.ref(TARGET_GROUP, tg, "arn")}]
    assert conduit.count(RULE) == 0
    assert "access_logs" not in conduit.one(LB)


def test_conduit_opens_8080_only_from_its_load_balancer(conduit):
    ecs = conduit.ref(SECURITY_GROUP, conduit.by_path(SECURITY_GROUP, "security-groups/ecs"))
    alb = conduit.ref(SECURITY_GROUP, conduit.by_path(SECURITY_GROUP, "security-groups/alb"))
    into_ecs = [r for r in conduit.resources(INGRESS).values() if r["security_group_id"] == ecs]
    assert [(r["from_port"], r["referenced_security_group_id"]) for r in into_ecs] == [(8080, alb)]


def test_conduit_has_no_buckets_and_secrets_use_only_its_one_secret(conduit):
    assert conduit.count(BUCKET) == 0
    assert [s["name"] for s in container(conduit, "backend")["secrets"]] == ["DB_PASSWORD"]
    assert container(conduit, "backend")["environment"] == [{"name": "SPRING_PROFILES_ACTIVE", "value": "prod"}]


# -- an internal service on Fargate Spot with service discovery ---------------------------
def test_internal_service_registers_in_the_private_namespace(unisync_style):
    namespace = unisync_style.one(NAMESPACE)
    assert namespace["name"] == "dev.codemate.internal"
    assert namespace["vpc"] == unisync_style.ref(VPC, unisync_style.one(VPC))
    discovery = unisync_style.one(DISCOVERY)
    assert discovery["name"] == "worker"
    assert discovery["dns_config"]["namespace_id"] == unisync_style.ref(NAMESPACE, namespace)
    assert discovery["dns_config"]["dns_records"] == [{"ttl": 10, "type": "A"}]
    # no empty custom health check block: the provider drops it on create and replaces the service
    # on every plan after (the rehearsal's re-plan found it)
    assert "health_check_custom_config" not in discovery
    worker = unisync_style.by_path(SERVICE, "svc-worker/service")
    assert worker["service_registries"] == {"registry_arn": unisync_style.ref(DISCOVERY, discovery, "arn")}


def test_internal_service_is_not_behind_the_load_balancer(unisync_style):
    worker = unisync_style.by_path(SERVICE, "svc-worker/service")
    assert "load_balancer" not in worker and "health_check_grace_period_seconds" not in worker
    assert sorted(tg["port"] for tg in unisync_style.resources(TARGET_GROUP).values()) == [3000, 3001]
    alb = unisync_style.ref(SECURITY_GROUP, unisync_style.by_path(SECURITY_GROUP, "security-groups/alb"))
    assert 3002 not in [r["from_port"] for r in unisync_style.resources(EGRESS).values()
                        if r["security_group_id"] == alb]


def test_other_tasks_reach_the_discovered_service_on_its_port_only(unisync_style):
    ecs = unisync_style.ref(SECURITY_GROUP, unisync_style.by_path(SECURITY_GROUP, "security-groups/ecs"))
    alb = unisync_style.ref(SECURITY_GROUP, unisync_style.by_path(SECURITY_GROUP, "security-groups/alb"))
    into_ecs = [r for r in unisync_style.resources(INGRESS).values() if r["security_group_id"] == ecs]
    assert sorted((r["from_port"], r["to_port"], r["referenced_security_group_id"]) for r in into_ecs) == [
        (3000, 3000, alb), (3001, 3001, alb), (3002, 3002, ecs)]


def test_fargate_spot_is_an_opt_in_per_service(unisync_style):
    strategy = {name: unisync_style.by_path(SERVICE, f"svc-{name}/service")["capacity_provider_strategy"]
                for name in ("frontend", "backend", "worker")}
    assert strategy == {
        "frontend": [{"capacity_provider": "FARGATE", "weight": 1}],
        "backend": [{"capacity_provider": "FARGATE", "weight": 1}],
        "worker": [{"capacity_provider": "FARGATE_SPOT", "weight": 1}],
    }


def test_aws_managed_key_means_no_kms_key_and_no_decrypt_permission(unisync_style):
    assert unisync_style.under(KMS_KEY, "secrets") == []  # no secrets key: the AWS-managed one
    assert sorted(unisync_style.path(k) for k in unisync_style.resources(KMS_KEY).values()) == [
        "cicd/artifact-key/key", "data-key/key", "logs-key/key", "monitoring/key/key", "storage/files-key/key"]
    assert all("kms_key_id" not in s for s in unisync_style.under(SECRET, "secrets"))
    worker = statements(policy(unisync_style.by_path(ROLE_POLICY, "svc-worker/execution-policy")))
    assert [s["Sid"] for s in worker] == ["EcrLogin", "EcrPull", "WriteLogs", "ReadSecrets"]
    anthropic = unisync_style.ref(SECRET, unisync_style.by_path(SECRET, "secrets/anthropic"), "arn")
    assert worker[-1]["Resource"] == [anthropic]


def test_secret_references_are_per_service(unisync_style):
    task = json.loads(unisync_style.by_path(TASK, "svc-worker/task")["container_definitions"])[0]
    assert [s["name"] for s in task["secrets"]] == ["ANTHROPIC_API_KEY"]
