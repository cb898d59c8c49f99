"""The ECS cluster: Container Insights, FARGATE and FARGATE_SPOT capacity, optional Cloud Map namespace."""

from __future__ import annotations

from modules.framework import Construct, aws

FARGATE = "FARGATE"
FARGATE_SPOT = "FARGATE_SPOT"


class EcsCluster(Construct):
    """Attributes: ``cluster``, ``cluster_name``, ``cluster_arn``, ``capacity_providers`` (services
    depend on it), ``discovery_namespace_id`` (``None`` without a namespace)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        container_insights: bool = True,
        discovery_namespace: str | None = None,
        vpc_id: str | None = None,
    ) -> None:
        """
        :param name: the cluster name (from ``Naming.ecs_cluster_name``).
        :param container_insights: defaults to on.
        :param discovery_namespace: defaults to none: no private DNS namespace for service discovery.
        :param vpc_id: the VPC of the namespace; required with ``discovery_namespace``.
        """
        super().__init__(scope, id)
        self.cluster = aws.ecs_cluster.EcsCluster(
            self, "cluster", name=name,
            setting=[aws.ecs_cluster.EcsClusterSetting(
                name="containerInsights", value="enabled" if container_insights else "disabled",
            )],
        )
        # Services choose: FARGATE by default, FARGATE_SPOT as an opt-in for non-critical work.
        self.capacity_providers = aws.ecs_cluster_capacity_providers.EcsClusterCapacityProviders(
            self, "capacity-providers", cluster_name=self.cluster.name, capacity_providers=[FARGATE, FARGATE_SPOT],
            default_capacity_provider_strategy=[
                aws.ecs_cluster_capacity_providers.EcsClusterCapacityProvidersDefaultCapacityProviderStrategy(
                    capacity_provider=FARGATE, weight=1, base=0,
                ),
            ],
        )
        self.cluster_name: str = self.cluster.name
        self.cluster_arn: str = self.cluster.arn

        self.discovery_namespace_id: str | None = None
        if discovery_namespace:
            if vpc_id is None:
                raise ValueError("EcsCluster: discovery_namespace needs vpc_id")
            namespace = aws.service_discovery_private_dns_namespace.ServiceDiscoveryPrivateDnsNamespace(
                self, "namespace", name=discovery_namespace, vpc=vpc_id,
                description=f"Service discovery of cluster {name}",
            )
            self.discovery_namespace_id = namespace.id
