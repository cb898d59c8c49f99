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
from modules.monitoring.cloudwatch import Monitoring
from modules.monitoring.options import MonitoringOptions
from modules.networking.vpc import Vpc
from modules.patterns.load_balanced_service import LoadBalancedFargateService
from modules.patterns.options import SingleServiceSettings
from modules.patterns.web_security_groups import WebSecurityGroups
from modules.secrets.secrets_manager import Secrets
from modules.stack import ProjectStack
from modules.storage.log_bucket import LogBucket
from modules.storage.s3 import ALB_LOG_PREFIX


class SingleServiceApp:
    """Attributes: ``vpc``, ``security_groups``, ``secrets``, ``logs`` (``None`` without access logs),
    ``repository``, ``cluster``, ``web`` (the :class:`LoadBalancedFargateService`), ``service`` (its
    one ``EcsService``), ``monitoring`` (after :meth:`add_monitoring`)."""

    def __init__(self, stack: ProjectStack, *, options: SingleServiceSettings) -> None:
        """
        :param options: one environment's :class:`SingleServiceSettings` (or a system's extension): the
            network, the service, the load balancer, secrets, cluster and images to keep. Logs are kept
            the stack's ``log_retention_days``; the stack's ``force_destroy`` lets destroy delete the logs
            bucket and the repository with their contents.
        """
        network, service, load_balancer = options.network, options.service, options.load_balancer
        secrets, cluster, images_to_keep = options.secrets, options.cluster, options.images_to_keep
        naming, project = stack.naming, stack.project
        self._stack = stack
        self.vpc = Vpc(stack, "network", options=network, flow_log_key=stack.logs_key)
        self.security_groups = WebSecurityGroups(stack, "security-groups", vpc=self.vpc, services=[service])
        self.secrets = Secrets(stack, "secrets", options=secrets)
        self.logs = LogBucket(stack, "logs") if load_balancer.access_logs else None
        self.repository = EcrRepository(
            stack, f"ecr-{service.name}",
            name=naming.repository_name(service.image_repository or f"{project.name}-{service.name}"),
            images_to_keep=images_to_keep,
        )
        self.cluster = EcsCluster(stack, "cluster", options=cluster, vpc=self.vpc, services=[service])
        self.web = LoadBalancedFargateService(
            stack, services=[service], options=load_balancer, cluster=self.cluster,
            repositories={service.name: self.repository}, vpc=self.vpc,
            load_balancer_security_group_id=self.security_groups.alb_security_group_id,
            service_security_group_id=self.security_groups.ecs_security_group_id, secrets=self.secrets,
            access_logs_bucket_name=self.logs.bucket_name if self.logs else None,
            access_logs_prefix=ALB_LOG_PREFIX, access_logs_ready=[self.logs.policy] if self.logs else (),
        )
        self.service = self.web.services[service.name]
        self.monitoring: Monitoring | None = None

    def add_monitoring(self, options: MonitoringOptions) -> Monitoring:
        """CPU, unhealthy-host and 5XX alarms to an encrypted SNS topic, and a dashboard (``monitoring``)."""
        stack, lb = self._stack, self.web.load_balancer
        self.monitoring = Monitoring(stack, "monitoring", options=options, cluster=self.cluster,
                                     services=self.web.services, load_balancer=lb)
        return self.monitoring
