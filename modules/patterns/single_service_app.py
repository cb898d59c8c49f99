"""One containerised web service with everything it stands on: the network, its security groups,
its secrets, a logs bucket, its image repository, the cluster and the load-balanced service.

A builder like :class:`LoadBalancedFargateService` (resources in the stack, stable addresses):
``network``, ``security-groups``, ``secrets``, ``logs``, ``ecr-<service>``, ``cluster`` and what
that pattern creates. Tasks run in the private app subnets, or in the public ones when the
service assigns a public IP (a VPC without NAT). :meth:`add_monitoring` adds the alarms and
dashboard; a system adds what only it needs (a deploy role, a database) and its outputs.
"""

from __future__ import annotations

from modules.compute.ecr import EcrRepository
from modules.compute.ecs_cluster import EcsCluster
from modules.compute.options import EcsClusterOptions, EcsServiceOptions
from modules.monitoring.cloudwatch import MonitoredLoadBalancer, Monitoring
from modules.monitoring.options import MonitoringOptions
from modules.networking.options import LoadBalancerOptions, VpcOptions
from modules.networking.vpc import Vpc
from modules.patterns.load_balanced_service import LoadBalancedFargateService
from modules.patterns.options import SingleServiceSettings
from modules.patterns.web_security_groups import WebSecurityGroups
from modules.secrets.options import SecretsOptions
from modules.secrets.secrets_manager import Secrets
from modules.stack import ProjectStack
from modules.storage.log_bucket import LogBucket
from modules.storage.s3 import ALB_LOG_PREFIX


class SingleServiceApp:
    """Attributes: ``vpc``, ``security_groups``, ``secrets``, ``logs`` (``None`` without access logs),
    ``repository``, ``cluster``, ``web`` (the :class:`LoadBalancedFargateService`), ``service`` (its
    one ``EcsService``), ``monitoring`` (after :meth:`add_monitoring`)."""

    @classmethod
    def for_settings(cls, stack: ProjectStack, settings: SingleServiceSettings) -> SingleServiceApp:
        """The app one environment's :class:`SingleServiceSettings` (or a system's extension) describe."""
        return cls(
            stack, network=settings.network, service=settings.service, load_balancer=settings.load_balancer,
            secrets=settings.secrets, cluster=settings.cluster, log_retention_days=settings.log_retention_days,
            images_to_keep=settings.images_to_keep, force_destroy=settings.force_destroy,
        )

    def __init__(
        self,
        stack: ProjectStack,
        *,
        network: VpcOptions,
        service: EcsServiceOptions,
        load_balancer: LoadBalancerOptions,
        secrets: SecretsOptions,
        cluster: EcsClusterOptions,
        log_retention_days: int,
        images_to_keep: int = 10,
        force_destroy: bool = False,
    ) -> None:
        """
        :param log_retention_days: of the service's logs, and of the flow logs unless the network
            sets its own.
        :param images_to_keep: defaults to the last 10 images in the repository.
        :param force_destroy: defaults to off: destroy fails while the logs bucket holds objects or
            the repository holds images; on, destroy deletes them with their contents.
        """
        naming, project = stack.naming, stack.project
        self._stack = stack
        self.vpc = Vpc(
            stack, "network", naming=naming, region=stack.region, cidr=network.vpc_cidr,
            availability_zones=project.availability_zones, public_subnet_cidrs=network.public_subnet_cidrs,
            private_app_subnet_cidrs=network.private_app_subnet_cidrs, nat_mode=network.nat_mode,
            # the endpoint attaches to the app route tables: none without private subnets
            s3_gateway_endpoint=network.s3_gateway_endpoint and bool(network.private_app_subnet_cidrs),
            flow_logs=network.flow_logs,
            flow_log_retention_days=network.flow_log_retention_days or log_retention_days,
            flow_log_key=stack.logs_key, account_id=stack.account_id,
        )
        self.security_groups = WebSecurityGroups(
            stack, "security-groups", naming=naming, vpc_id=self.vpc.vpc_id, service_ports=[service.port],
            database_port=None, cache_port=None, public_http=True,
        )
        self.secrets = Secrets(
            stack, "secrets", naming=naming, names=secrets.names, region=stack.region, account_id=stack.account_id,
            recovery_window_days=secrets.recovery_window_days, customer_managed_key=secrets.customer_managed_key,
        )
        self.logs = LogBucket(stack, "logs", force_destroy=force_destroy) if load_balancer.access_logs else None
        self.repository = EcrRepository(
            stack, f"ecr-{service.name}",
            name=naming.repository_name(service.image_repository or f"{project.name}-{service.name}"),
            images_to_keep=images_to_keep, force_delete=force_destroy,
        )
        self.cluster = EcsCluster(stack, "cluster", name=naming.ecs_cluster_name(),
                                  container_insights=cluster.container_insights)
        self.web = LoadBalancedFargateService(
            stack, services=[service], options=load_balancer, cluster=self.cluster,
            repositories={service.name: self.repository}, vpc=self.vpc,
            load_balancer_security_group_id=self.security_groups.alb_security_group_id,
            service_security_group_id=self.security_groups.ecs_security_group_id,
            log_retention_days=log_retention_days, secrets=self.secrets,
            access_logs_bucket_name=self.logs.bucket_name if self.logs else None,
            access_logs_prefix=ALB_LOG_PREFIX, access_logs_ready=[self.logs.policy] if self.logs else (),
        )
        self.service = self.web.services[service.name]
        self.monitoring: Monitoring | None = None

    def add_monitoring(self, options: MonitoringOptions) -> Monitoring:
        """CPU, unhealthy-host and 5XX alarms to an encrypted SNS topic, and a dashboard (``monitoring``)."""
        stack, lb = self._stack, self.web.load_balancer
        self.monitoring = Monitoring(
            stack, "monitoring", naming=stack.naming, region=stack.region, account_id=stack.account_id,
            cluster_name=self.cluster.cluster_name,
            services={name: s.service_name for name, s in self.web.services.items()},
            load_balancer=MonitoredLoadBalancer(
                arn_suffix=lb.load_balancer.arn_suffix,
                target_groups={name: tg.arn_suffix for name, tg in lb.target_groups.items()},
            ),
            alarm_email=options.alarm_email, ecs_cpu_percent=options.ecs_cpu_percent,
            ecs_cpu_minutes=options.ecs_cpu_minutes, unhealthy_host_minutes=options.unhealthy_host_minutes,
            target_5xx_per_minute=options.target_5xx_per_minute,
        )
        return self.monitoring
