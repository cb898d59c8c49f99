"""The NestJS API: one environment's composition on the base stack."""

from __future__ import annotations

from modules.compute.ecr import EcrRepository
from modules.compute.ecs_cluster import EcsCluster
from modules.framework import Construct
from modules.iam.github_oidc import GithubDeployRole
from modules.monitoring.cloudwatch import MonitoredLoadBalancer, Monitoring
from modules.patterns.web_security_groups import WebSecurityGroups
from modules.networking.vpc import Vpc
from modules.patterns.load_balanced_service import LoadBalancedFargateService
from modules.secrets.secrets_manager import Secrets
from modules.stack import ProjectStack
from modules.storage.log_bucket import LogBucket
from modules.storage.s3 import ALB_LOG_PREFIX
from systems.nest_api.settings import NestApiSettings, validate


class NestApiStack(ProjectStack):
    """VPC with public and private subnets and NAT, the API service in the private subnets behind an
    HTTPS load balancer with its certificate and alias record, the app's secrets, its image
    repository, a deploy role for GitHub Actions (OIDC), a logs bucket and alarms. No database
    (external), no cache, no pipeline."""

    def __init__(self, scope: Construct, settings: NestApiSettings, *, stack_name: str | None = None) -> None:
        validate(settings)
        super().__init__(scope, stack_name or f"nest-api-{settings.name}", project=settings.project,
                         environment=settings.name, native_state_lock=settings.native_state_lock,
                         extra_tags=settings.extra_tags)
        self.settings = settings
        naming, net, svc = self.naming, settings.network, settings.service

        self.vpc = Vpc(
            self, "network", naming=naming, region=self.region, cidr=net.vpc_cidr,
            availability_zones=self.project.availability_zones, public_subnet_cidrs=net.public_subnet_cidrs,
            private_app_subnet_cidrs=net.private_app_subnet_cidrs, nat_mode=net.nat_mode,
            s3_gateway_endpoint=net.s3_gateway_endpoint, flow_logs=net.flow_logs,
            flow_log_retention_days=net.flow_log_retention_days or settings.log_retention_days,
            flow_log_key=self.logs_key, account_id=self.account_id,
        )
        self.security_groups = WebSecurityGroups(
            self, "security-groups", naming=naming, vpc_id=self.vpc.vpc_id, service_ports=[svc.port],
            database_port=None, cache_port=None, public_http=True,
        )
        self.secrets = Secrets(
            self, "secrets", naming=naming, names=settings.secrets.names, region=self.region,
            account_id=self.account_id, recovery_window_days=settings.secrets.recovery_window_days,
            customer_managed_key=settings.secrets.customer_managed_key,
        )
        self.logs = LogBucket(self, "logs") if settings.load_balancer.access_logs else None
        self.repository = EcrRepository(
            self, f"ecr-{svc.name}", name=naming.repository_name(svc.image_repository or f"nest-api-{svc.name}"),
            images_to_keep=settings.images_to_keep,
        )
        self.cluster = EcsCluster(self, "cluster", name=naming.ecs_cluster_name(),
                                  container_insights=settings.cluster.container_insights)
        self.web = LoadBalancedFargateService(
            self, services=settings.services, options=settings.load_balancer, cluster=self.cluster,
            repositories={svc.name: self.repository}, vpc=self.vpc,
            load_balancer_security_group_id=self.security_groups.alb_security_group_id,
            service_security_group_id=self.security_groups.ecs_security_group_id,
            log_retention_days=settings.log_retention_days, secrets=self.secrets,
            access_logs_bucket_name=self.logs.bucket_name if self.logs else None,
            access_logs_prefix=ALB_LOG_PREFIX, access_logs_ready=[self.logs.policy] if self.logs else (),
        )
        service = self.web.services[svc.name]
        self.deploy_role = GithubDeployRole(
            self, "github-deploy", repository=settings.github.repository, branch=settings.github.branch,
            image_repository=self.repository, service=service, oidc_provider_arn=settings.github.oidc_provider_arn,
        )
        lb, m = self.web.load_balancer, settings.monitoring
        self.monitoring = Monitoring(
            self, "monitoring", naming=naming, region=self.region, account_id=self.account_id,
            cluster_name=self.cluster.cluster_name,
            services={name: s.service_name for name, s in self.web.services.items()},
            load_balancer=MonitoredLoadBalancer(
                arn_suffix=lb.load_balancer.arn_suffix,
                target_groups={name: tg.arn_suffix for name, tg in lb.target_groups.items()},
            ),
            alarm_email=m.alarm_email, ecs_cpu_percent=m.ecs_cpu_percent, ecs_cpu_minutes=m.ecs_cpu_minutes,
            unhealthy_host_minutes=m.unhealthy_host_minutes, target_5xx_per_minute=m.target_5xx_per_minute,
        )

        self.output("vpc_id", self.vpc.vpc_id, "VPC of the environment")
        self.output("public_subnet_ids", self.vpc.public_subnet_ids, "Public subnets (ALB, NAT)")
        self.output("private_app_subnet_ids", self.vpc.private_app_subnet_ids, "Private subnets (tasks)")
        self.output("alb_dns_name", lb.alb_dns_name, "DNS name of the load balancer")
        self.output("app_url", self.web.url, "URL of the API")
        self.output("ecs_cluster_name", self.cluster.cluster_name, "ECS cluster")
        self.output("ecs_service_name", self.web.services[svc.name].service_name, "ECS service (deploy here)")
        self.output("ecr_repository_url", self.repository.repository_url, "ECR repository (push images here)")
        self.output("secret_names", self.secrets.secret_names, "Secrets Manager containers (set values out of band)")
        self.output("github_deploy_role_arn", self.deploy_role.role_arn,
                    "Role GitHub Actions assumes (aws-actions/configure-aws-credentials role-to-assume)")
        self.output("ecs_cluster_and_service", {"cluster": self.cluster.cluster_name, "service": service.service_name},
                    "What the deploy workflow updates")
        self.output("alarm_topic_arn", self.monitoring.topic_arn, "SNS topic of every alarm (subscribe here)")
