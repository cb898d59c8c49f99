"""ECS cluster: Container Insights on, FARGATE and FARGATE_SPOT capacity providers."""

from __future__ import annotations

from modules.framework import aws

CLUSTER = aws.ecs_cluster.EcsCluster.TF_RESOURCE_TYPE
CAPACITY = aws.ecs_cluster_capacity_providers.EcsClusterCapacityProviders.TF_RESOURCE_TYPE
NAMESPACE = aws.service_discovery_private_dns_namespace.ServiceDiscoveryPrivateDnsNamespace.TF_RESOURCE_TYPE


def test_one_cluster_named_for_the_environment_with_container_insights(env, stack):
    cluster = stack.one(CLUSTER)
    # environments may share an account: the env suffix keeps cluster names unique
    assert cluster["name"] == f"codemate-cluster-{env}"
    assert cluster["setting"] == [{"name": "containerInsights", "value": "enabled"}]


def test_cluster_offers_fargate_and_fargate_spot_with_on_demand_as_default(stack):
    cluster = stack.one(CLUSTER)
    capacity = stack.one(CAPACITY)
    assert capacity["cluster_name"] == stack.ref(CLUSTER, cluster, "name")
    assert capacity["capacity_providers"] == ["FARGATE", "FARGATE_SPOT"]
    assert capacity["default_capacity_provider_strategy"] == [
        {"capacity_provider": "FARGATE", "weight": 1, "base": 0},
    ]


def test_primary_system_has_no_service_discovery_namespace(stack):
    # Negative: no service has a discovery name, so no Cloud Map namespace is paid for.
    assert stack.count(NAMESPACE) == 0
