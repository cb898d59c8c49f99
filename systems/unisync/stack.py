"""UniSync: one environment's composition on the base stack."""

from __future__ import annotations

from modules.compute.ecr import EcrRepository
from modules.compute.ecs_cluster import EcsCluster
from modules.compute.options import EcsServiceOptions
from modules.database.rds import RdsDatabase
from modules.framework import Construct
from modules.messaging.queue import Queue
from modules.monitoring.cloudwatch import Monitoring
from modules.networking.security_group import ANYWHERE_IPV4, SecurityGroup
from modules.networking.vpc import Vpc
from modules.patterns.load_balanced_service import LoadBalancedFargateService
from modules.secrets.secrets_manager import Secrets
from modules.security.kms import KmsKey
from modules.stack import ProjectStack
from systems.unisync.messaging import FAILURES_QUEUE, add_messaging, variable
from systems.unisync.outputs import add_outputs
from modules.storage.log_bucket import LogBucket
from modules.storage.s3 import ALB_LOG_PREFIX
from systems.unisync.settings import FUNCTION, GATEWAY, UniSyncSettings, validate

class UniSyncStack(ProjectStack):
    """VPC (public, private app and database subnets, NAT), the ECS cluster with a private DNS
    namespace, the API gateway behind the load balancer and three internal services reached by
    name, one security group per service opened only for the calls the settings list, RDS MySQL,
    the app's secrets, an ECR repository per service, the SQS queues with their flows as grants,
    the ``canvas-sync`` function in the private subnets, and alarms to the SNS topic."""

    def __init__(self, scope: Construct, settings: UniSyncSettings, *, stack_name: str | None = None) -> None:
        validate(settings)
        super().__init__(scope, settings, stack_name=stack_name)
        net, db = settings.network, settings.database
        by_name = {s.name: s for s in settings.services}

        self.vpc = Vpc(self, "network", options=net, flow_log_key=self.logs_key)

        # -- security groups: the load balancer reaches the gateway only; the rest is `calls` ------
        self.alb_group = SecurityGroup(self, "alb-sg", vpc_id=self.vpc.vpc_id, role="alb",
                                       description="Load balancer: HTTP(S) from the internet, to the gateway only")
        for port in ([443, 80] if settings.load_balancer.domain else [80]):
            self.alb_group.allow_from(ANYWHERE_IPV4, port, f"{'HTTPS' if port == 443 else 'HTTP'} from anywhere")
        self.service_groups: dict[str, SecurityGroup] = {}
        for s in settings.services:
            group = SecurityGroup(self, f"sg-{s.name}", vpc_id=self.vpc.vpc_id, role=s.name,
                                  description=f"ECS service {s.name}: only the calls it needs")
            group.allow_to(ANYWHERE_IPV4, 443, "HTTPS out (image pulls, AWS APIs, Cognito) through NAT")
            self.service_groups[s.name] = group
        self.service_groups[GATEWAY].allow_from(self.alb_group, by_name[GATEWAY].port, "From the load balancer")
        self.database_group = SecurityGroup(self, "db-sg", vpc_id=self.vpc.vpc_id, role="rds",
                                            description="MySQL: from the services that own a schema only")

        # -- data tier --------------------------------------------------------------------------
        self.data_key = KmsKey(
            self, "data-key", purpose="data",
            description=f"Data tier of unisync-{settings.name}: RDS, its secret and log groups",
            service_principals=("rds", "secretsmanager"), cloudwatch_logs=True,
        )
        self.database = RdsDatabase(self, "database", options=db, vpc=self.vpc,
                                    security_group=self.database_group, kms_key=self.data_key)
        if db.effective_engine_version.startswith("8.4"):
            self.notes.append("database: MySQL 8.4 — the document's 8.0 is on RDS extended support since "
                              "2026-07-31 (extra cost per vCPU-hour); 8.4 is in standard support")
        for s in settings.services:
            if s.name != GATEWAY:  # the gateway owns no schema
                self.database.allow_default_port_from(self.service_groups[s.name], f"MySQL from {s.name}")

        self.secrets = Secrets(self, "secrets", options=settings.secrets)

        # -- queues -------------------------------------------------------------------------------
        self.queues: dict[str, Queue] = {q.name: Queue(self, f"queue-{q.name}", options=q) for q in settings.queues}

        # -- services ------------------------------------------------------------------------------
        self.cluster = EcsCluster(self, "cluster", options=settings.cluster, vpc=self.vpc, services=settings.services)
        self.repositories = EcrRepository.for_services(self, settings.services, prefix="unisync/",
                                                       images_to_keep=settings.images_to_keep)
        self.logs = (LogBucket(self, "logs")
                     if settings.load_balancer.access_logs else None)
        self.web = LoadBalancedFargateService(
            self, services=settings.services, options=settings.load_balancer, cluster=self.cluster,
            repositories=self.repositories, vpc=self.vpc,
            load_balancer_security_group_id=self.alb_group.security_group_id,
            service_security_group_id=self.service_groups[GATEWAY].security_group_id,
            service_security_group_ids={n: g.security_group_id for n, g in self.service_groups.items()}, secrets=self.secrets,
            access_logs_bucket_name=self.logs.bucket_name if self.logs else None,
            access_logs_prefix=ALB_LOG_PREFIX, access_logs_ready=[self.logs.policy] if self.logs else (),
            extra_environment=self._service_environment,
        )
        self.services = self.web.services

        add_messaging(self, settings)

        # -- monitoring ---------------------------------------------------------------------------
        lb, m = self.web.load_balancer, settings.monitoring
        self.monitoring = Monitoring(
            self, "monitoring", options=m, cluster=self.cluster, services=self.services,
            load_balancer=lb, database=self.database,
            queues={**self.queues, FAILURES_QUEUE.name: self.failures}, functions={FUNCTION: self.canvas_sync},
        )
        add_outputs(self)


    def service_url(self, service: EcsServiceOptions) -> str:
        """``http://<discovery name>.<namespace>:<port>``: how other tasks and the function reach it."""
        return f"http://{service.discovery_name}.{self.cluster.discovery_namespace}:{service.port}"

    def _service_environment(self, service: EcsServiceOptions) -> dict[str, str]:
        """Plain values a service needs: the database (services that own a schema), the URLs of the
        services it calls, and the URLs of the queues it sends to or consumes (no credential)."""
        environment: dict[str, str] = {}
        if service.name != GATEWAY:
            environment.update(DB_HOST=self.database.endpoint_address, DB_PORT=str(self.database.port))
        by_name = {s.name: s for s in self.settings.services}
        for callee in self.settings.calls.get(service.name, ()):
            environment[variable(callee, "URL")] = self.service_url(by_name[callee])
        for flow in self.settings.flows:
            if service.name in flow.senders or service.name in flow.consumers:
                environment[variable(flow.queue, "QUEUE_URL")] = self.queues[flow.queue].queue_url
        return environment
