"""The NestJS API: one environment's composition on the base stack."""

from __future__ import annotations

from modules.framework import Construct
from modules.iam.github_oidc import GithubDeployRole
from modules.patterns.single_service_app import SingleServiceApp
from modules.stack import ProjectStack
from systems.nest_api.settings import NestApiSettings, validate


class NestApiStack(ProjectStack):
    """VPC with public and private subnets and NAT, the API service in the private subnets behind an
    HTTPS load balancer with its certificate and alias record, the app's secrets, its image
    repository, a deploy role for GitHub Actions (OIDC), a logs bucket and alarms. No database
    (external), no cache, no pipeline."""

    def __init__(self, scope: Construct, settings: NestApiSettings, *, stack_name: str | None = None) -> None:
        validate(settings)
        super().__init__(scope, settings, stack_name=stack_name)
        app = SingleServiceApp(self, options=settings)
        self.app = app
        self.deploy_role = GithubDeployRole(
            self, "github-deploy", repository=settings.github.repository, branch=settings.github.branch,
            image_repository=app.repository, service=app.service, oidc_provider_arn=settings.github.oidc_provider_arn,
        )
        monitoring = app.add_monitoring(settings.monitoring)

        self.output("vpc_id", app.vpc.vpc_id, "VPC of the environment")
        self.output("public_subnet_ids", app.vpc.public_subnet_ids, "Public subnets (ALB, NAT)")
        self.output("private_app_subnet_ids", app.vpc.private_app_subnet_ids, "Private subnets (tasks)")
        self.output("alb_dns_name", app.web.load_balancer.alb_dns_name, "DNS name of the load balancer")
        self.output("app_url", app.web.url, "URL of the API")
        self.output("ecs_cluster_name", app.cluster.cluster_name, "ECS cluster")
        self.output("ecs_service_name", app.service.service_name, "ECS service (deploy here)")
        self.output("ecr_repository_url", app.repository.repository_url, "ECR repository (push images here)")
        self.output("secret_names", app.secrets.secret_names, "Secrets Manager containers (set values out of band)")
        self.output("github_deploy_role_arn", self.deploy_role.role_arn,
                    "Role GitHub Actions assumes (aws-actions/configure-aws-credentials role-to-assume)")
        self.output("ecs_cluster_and_service", {"cluster": app.cluster.cluster_name, "service": app.service.service_name},
                    "What the deploy workflow updates")
        self.output("alarm_topic_arn", monitoring.topic_arn, "SNS topic of every alarm (subscribe here)")
