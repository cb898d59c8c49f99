"""OpenMarket: one environment's composition on the base stack."""

from __future__ import annotations

from modules.compute.ecr import EcrRepository
from modules.database.elasticache import RedisCache
from modules.database.rds import RdsDatabase
from modules.framework import Construct
from modules.kubernetes.eks_cluster import EksCluster
from modules.kubernetes.options import support_note as kubernetes_support_note
from modules.kubernetes.platform import (
    ApplicationLogs,
    ClusterAutoscaler,
    IngressSecurityGroup,
    LoadBalancerController,
    load_balancer_subnet_tags,
)
from modules.networking.security_group import SecurityGroup
from modules.networking.vpc import Vpc
from modules.security.kms import KmsKey
from modules.monitoring.cloudwatch import Monitoring
from modules.stack import ProjectStack
from systems.openmarket.alarms import add_alarms
from systems.openmarket.functions import add_functions
from systems.openmarket.outputs import add_outputs
from systems.openmarket.buckets import UploadBuckets
from systems.openmarket.database_hours import DatabaseWorkingHours
from systems.openmarket.delivery import add_ci_role
from systems.openmarket.settings import OpenMarketSettings, validate

REPOSITORIES = ("backend", "frontend-web")
"""ECR repositories ``openmarket/<name>-<env>`` the cluster's workloads run from."""


class OpenMarketStack(ProjectStack):
    """VPC with public, private and database subnets; EKS control plane and a managed node group in
    the private subnets; Aurora MySQL (writer + reader) and Redis (primary + replica) in the
    database subnets, reachable only from the nodes' security group; the uploads and logs buckets;
    the two image repositories; the four functions and their triggers; alarms to SNS."""

    def __init__(self, scope: Construct, settings: OpenMarketSettings, *, stack_name: str | None = None) -> None:
        validate(settings)
        super().__init__(scope, settings, stack_name=stack_name)
        net = settings.network

        self.vpc = Vpc(self, "network", options=net, flow_log_key=self.logs_key,
                       subnet_tags=load_balancer_subnet_tags())
        # One group per tier: the nodes (and their pods) reach the database and Redis; nothing else does.
        self.node_security_group = SecurityGroup(
            self, "nodes-sg", vpc_id=self.vpc.vpc_id, role="eks-nodes", allow_all_outbound=True,
            description="EKS nodes and their pods (besides the cluster security group)",
        )
        self.database_security_group = SecurityGroup(
            self, "database-sg", vpc_id=self.vpc.vpc_id, role="db", description="Aurora MySQL: from the EKS nodes only",
        )
        self.cache_security_group = SecurityGroup(
            self, "cache-sg", vpc_id=self.vpc.vpc_id, role="redis", description="Redis: from the EKS nodes only",
        )

        self._kubernetes(settings)
        self._data_tier(settings)
        self._storage(settings)
        add_functions(self, settings)
        add_ci_role(self, settings)
        self._monitoring(settings)
        add_outputs(self)

    # -- Kubernetes --------------------------------------------------------------------------
    def _kubernetes(self, settings: OpenMarketSettings) -> None:
        self.eks = EksCluster(self, "eks", options=settings.eks, vpc=self.vpc)
        self.node_group = self.eks.add_node_group(settings.node_group, security_group=self.node_security_group)
        # The node group grows to its max_size under load (the document's 2-4 nodes) and shrinks back
        self.autoscaler = ClusterAutoscaler(self, "cluster-autoscaler", cluster=self.eks, node_groups=[self.node_group])
        # The way in (an Ingress -> an ALB by the controller) and where the containers' logs go
        self.lb_controller = LoadBalancerController(self, "lb-controller", cluster=self.eks)
        self.ingress = IngressSecurityGroup(self, "ingress", vpc_id=self.vpc.vpc_id, nodes=self.node_security_group,
                                            ports=settings.ingress.ports, allowed_cidrs=settings.ingress.allowed_cidrs)
        shipper = settings.log_shipper
        self.application_logs = ApplicationLogs(
            self, "app-logs", cluster=self.eks, log_group_name=f"/aws/eks/{self.naming.project}-{settings.name}/application",
            namespace=shipper.namespace, service_account=shipper.service_account, retention_days=shipper.retention_days)
        self.repositories = {
            name: EcrRepository(self, f"ecr-{name}", name=self.naming.repository_name(f"openmarket/{name}"),
                                images_to_keep=settings.images_to_keep)
            for name in REPOSITORIES
        }
        if note := kubernetes_support_note(settings.eks.version):
            self.notes.append(note)
        if settings.eks.version != "1.28":
            self.notes.append(f"eks: Kubernetes {settings.eks.version} — the document's 1.28 left extended support on "
                              "2025-11-26 and can no longer be created")
        if settings.node_group.working_hours:
            w = settings.node_group.working_hours
            self.notes.append(f"eks: nodes run only {w.scale_up} to {w.scale_down} ({w.time_zone})")


    # -- data --------------------------------------------------------------------------------
    def _data_tier(self, settings: OpenMarketSettings) -> None:
        db, cache = settings.database, settings.cache
        self.data_key = KmsKey(
            self, "data-key", purpose="data",
            description=f"Data tier of openmarket-{settings.name}: Aurora, Redis, their secrets and log groups",
            service_principals=("rds", "elasticache", "secretsmanager"), cloudwatch_logs=True,
        )
        self.database = RdsDatabase(self, "database", options=db, vpc=self.vpc,
                                    security_group=self.database_security_group, kms_key=self.data_key)
        self.cache = RedisCache(self, "cache", options=cache, vpc=self.vpc,
                                security_group=self.cache_security_group, kms_key=self.data_key)
        self.database.allow_default_port_from(self.node_security_group, "MySQL from the EKS nodes")
        self.cache.allow_default_port_from(self.node_security_group, "Redis from the EKS nodes")
        self.database_hours = None
        if settings.database_working_hours:
            self.database_hours = DatabaseWorkingHours(self, "database-hours", cluster=self.database.cluster,
                                                       hours=settings.node_group.working_hours)
            self.notes.append("database: Aurora is stopped outside working hours; apply changes to it in working hours")


    # -- storage -----------------------------------------------------------------------------
    def _storage(self, settings: OpenMarketSettings) -> None:
        self.buckets = UploadBuckets(self, "storage", options=settings.uploads)

    # -- monitoring --------------------------------------------------------------------------
    def _monitoring(self, settings: OpenMarketSettings) -> None:
        self.monitoring = Monitoring(self, "monitoring", options=settings.monitoring, database=self.database,
                                     cache=self.cache, functions=self.functions)
        add_alarms(self, settings)
