"""UniSync: one environment's composition on the base stack."""

from __future__ import annotations

from modules.compute.ecr import EcrRepository
from modules.compute.ecs_cluster import EcsCluster
from modules.compute.options import EcsServiceOptions
from modules.database.engines import support_note
from modules.database.rds import RdsDatabase
from modules.framework import Construct
from modules.messaging.options import QueueOptions
from modules.messaging.queue import Queue
from modules.monitoring.cloudwatch import MonitoredDatabase, MonitoredLoadBalancer, MonitoredQueue, Monitoring
from modules.networking.security_group import ANYWHERE_IPV4, SecurityGroup
from modules.networking.vpc import Vpc
from modules.patterns.load_balanced_service import LoadBalancedFargateService
from modules.secrets.secrets_manager import Secrets
from modules.security.kms import KmsKey
from modules.serverless.event_sources import QueueEventSource, ScheduleSource
from modules.serverless.function import Function
from modules.stack import ProjectStack
from modules.storage.log_bucket import LogBucket
from modules.storage.s3 import ALB_LOG_PREFIX
from systems.unisync.settings import FUNCTION, GATEWAY, UniSyncSettings, validate

FAILURES_QUEUE = QueueOptions(name="canvas-sync-failures", retention_seconds=1209600, max_message_age_seconds=86400)
"""Where a failed asynchronous run of canvas-sync lands after its retries (the function's DLQ)."""


def variable(name: str, suffix: str) -> str:
    """``assignment-events`` + ``QUEUE_URL`` -> ``ASSIGNMENT_EVENTS_QUEUE_URL``."""
    return f"{name.replace('-', '_').upper()}_{suffix}"


class UniSyncStack(ProjectStack):
    """VPC (public, private app and database subnets, NAT), the ECS cluster with a private DNS
    namespace, the API gateway behind the load balancer and three internal services reached by
    name, one security group per service opened only for the calls the settings list, RDS MySQL,
    the app's secrets, an ECR repository per service, the SQS queues with their flows as grants,
    the ``canvas-sync`` function in the private subnets, and alarms to the SNS topic."""

    def __init__(self, scope: Construct, settings: UniSyncSettings, *, stack_name: str | None = None) -> None:
        validate(settings)
        super().__init__(scope, settings, stack_name=stack_name)
        naming, net, db = self.naming, settings.network, settings.database
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
                                    security_group=self.database_group.security_group, kms_key=self.data_key)
        if note := support_note(db.engine, db.effective_engine_version):
            self.notes.append(note)
        elif db.effective_engine_version.startswith("8.4"):
            self.notes.append("database: MySQL 8.4 — the document's 8.0 is on RDS extended support since "
                              "2026-07-31 (extra cost per vCPU-hour); 8.4 is in standard support")
        for s in settings.services:
            if s.name != GATEWAY:  # the gateway owns no schema
                self.database_group.allow_from(self.service_groups[s.name], self.database.port,
                                               f"MySQL from {s.name}")

        self.secrets = Secrets(self, "secrets", options=settings.secrets)

        # -- queues -------------------------------------------------------------------------------
        self.queues: dict[str, Queue] = {q.name: Queue(self, f"queue-{q.name}", options=q) for q in settings.queues}

        # -- services ------------------------------------------------------------------------------
        self.cluster = EcsCluster(
            self, "cluster", name=naming.ecs_cluster_name(), container_insights=settings.cluster.container_insights,
            discovery_namespace=self.discovery_namespace, vpc_id=self.vpc.vpc_id,
        )
        self.repositories = {
            s.name: EcrRepository(self, f"ecr-{s.name}", name=naming.repository_name(s.image_repository
                                                                                      or f"unisync/{s.name}"),
                                  images_to_keep=settings.images_to_keep)
            for s in settings.services
        }
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

        # -- the function -------------------------------------------------------------------------
        self.failures = Queue(self, "queue-canvas-sync-failures", options=FAILURES_QUEUE)
        user = by_name["user-service"]
        self.canvas_sync = Function(
            self, "fn-canvas-sync", options=settings.canvas_sync, vpc=self.vpc, dead_letter_queue=self.failures,
            environment={
                "USER_SERVICE_URL": self.service_url(user),
                "CANVAS_API_BASE_URL": settings.canvas_api_base_url,
                "CANVAS_TOKEN_SECRET_ARN": self.secrets.secret_arns["canvas"],
                **{variable(f.queue, "QUEUE_URL"): self.queues[f.queue].queue_url
                   for f in settings.flows if FUNCTION in f.senders},
            },
        )
        self.secrets.grant_read(self.canvas_sync, "canvas")
        if settings.canvas_sync_schedule is not None:
            ScheduleSource(self, "canvas-sync-schedule", function=self.canvas_sync,
                           options=settings.canvas_sync_schedule)

        # -- who calls whom, who sends and consumes what ------------------------------------------
        for caller, callees in settings.calls.items():
            group = self.canvas_sync.security_group if caller == FUNCTION else self.service_groups[caller]
            for callee in callees:
                group.allow_to(self.service_groups[callee], by_name[callee].port, f"From {caller}")
        party = {FUNCTION: self.canvas_sync, **self.services}
        for flow in settings.flows:
            for sender in flow.senders:
                self.queues[flow.queue].grant_send(party[sender])
            for consumer in flow.consumers:
                if consumer == FUNCTION:  # Lambda polls the queue for the function (and grants consume)
                    QueueEventSource(self, f"canvas-sync-{flow.queue}", function=self.canvas_sync,
                                     queue=self.queues[flow.queue])
                else:
                    self.queues[flow.queue].grant_consume(party[consumer])

        # -- monitoring ---------------------------------------------------------------------------
        lb, m = self.web.load_balancer, settings.monitoring
        self.monitoring = Monitoring(
            self, "monitoring", options=m, cluster=self.cluster, services=self.services,
            load_balancer=lb, database=self.database,
            queues={**self.queues, FAILURES_QUEUE.name: self.failures}, functions={FUNCTION: self.canvas_sync},
        )

        self.output("vpc_id", self.vpc.vpc_id, "VPC of the environment")
        self.output("alb_dns_name", lb.alb_dns_name, "DNS name of the load balancer")
        self.output("app_url", self.web.url, "URL of the API gateway")
        self.output("ecs_cluster_name", self.cluster.cluster_name, "ECS cluster")
        self.output("ecs_service_names", {n: s.service_name for n, s in self.services.items()},
                    "ECS service of each service (CI/CD deploys to these)")
        self.output("ecr_repository_urls", {n: r.repository_url for n, r in self.repositories.items()},
                    "ECR repository of each service (CI/CD pushes here)")
        self.output("service_urls", {s.name: self.service_url(s) for s in settings.services if s.discovery_name},
                    "Internal services by name (Cloud Map)")
        self.output("database_endpoint", self.database.endpoint_address, "MySQL endpoint (host name)")
        self.output("database_master_secret_arn", self.database.master_user_secret_arn,
                    "Secrets Manager secret of the master user (generated and rotated by RDS)")
        self.output("secret_names", self.secrets.secret_names, "Secrets Manager containers (set values out of band)")
        self.output("queue_urls", {n: q.queue_url for n, q in self.queues.items()}, "SQS queues")
        self.output("canvas_sync_function_name", self.canvas_sync.function_name, "The Canvas sync Lambda")
        self.output("alarm_topic_arn", self.monitoring.topic_arn, "SNS topic of every alarm (subscribe here)")

    @property
    def discovery_namespace(self) -> str:
        """``<env>.unisync.internal`` unless the settings name one."""
        return self.settings.cluster.discovery_namespace or f"{self.environment}.{self.project.name}.internal"

    def service_url(self, service: EcsServiceOptions) -> str:
        """``http://<discovery name>.<namespace>:<port>``: how other tasks and the function reach it."""
        return f"http://{service.discovery_name}.{self.discovery_namespace}:{service.port}"

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
