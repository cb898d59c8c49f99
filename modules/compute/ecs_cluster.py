"""The ECS cluster: Container Insights, FARGATE and FARGATE_SPOT capacity, optional Cloud Map namespace."""

from __future__ import annotations

from typing import Sequence

from modules.compute.options import EcsClusterOptions, EcsServiceOptions
from modules.framework import Construct, aws
from modules.networking.vpc import Vpc
from modules.stack import ProjectStack

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
        options: EcsClusterOptions = EcsClusterOptions(),
        vpc: Vpc | None = None,
        services: Sequence[EcsServiceOptions] = (),
    ) -> None:
        """
        :param options: Container Insights and the discovery namespace's name (see
            :class:`~modules.compute.options.EcsClusterOptions`; the defaults are its).
        :param vpc: the VPC of the private DNS namespace; needed when a service has a discovery name.
        :param services: the cluster's services: when one has a ``discovery_name`` the cluster gets a
            private DNS namespace, ``options.discovery_namespace`` or ``<env>.<project>.internal``.
        """
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        name = stack.naming.ecs_cluster_name()
        container_insights = options.container_insights
        self.discovery_namespace: str | None = None
        if any(s.discovery_name for s in services):
            self.discovery_namespace = options.discovery_namespace or f"{stack.environment}.{stack.project.name}.internal"
        discovery_namespace = self.discovery_namespace
        vpc_id = vpc.vpc_id if vpc is not None else None
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
