"""Conduit: one environment's composition on the base stack."""

from __future__ import annotations

from modules.framework import Construct
from modules.iam.github_oidc import GithubDeployRole
from modules.patterns.single_service_app import SingleServiceApp
from modules.stack import ProjectStack
from systems.conduit.settings import ConduitSettings, validate


class ConduitStack(ProjectStack):
    """VPC with public subnets only, the ``conduit-backend`` service behind the ALB, its image
    repository, the JWT secret, a logs bucket and alarms. Nothing else: no NAT, no database, no cache."""

    def __init__(self, scope: Construct, settings: ConduitSettings, *, stack_name: str | None = None) -> None:
        validate(settings)
        super().__init__(scope, settings, stack_name=stack_name)
        app = SingleServiceApp(self, options=settings)
        self.app = app
        # the document's backend-deploy.yml: push, update the service, then its verify-deployment script
        self.deploy_role = GithubDeployRole(
            self, "github-deploy", repository=settings.github.repository, branch=settings.github.branch,
            image_repository=app.repository, service=app.service, oidc_provider_arn=settings.github.oidc_provider_arn,
            extra_subjects=settings.github.subjects()[1:], verify=True,
        )
        monitoring = app.add_monitoring(settings.monitoring)

        self.output("vpc_id", app.vpc.vpc_id, "VPC of the environment")
        self.output("public_subnet_ids", app.vpc.public_subnet_ids, "Public subnets (ALB and tasks)")
        self.output("alb_dns_name", app.web.load_balancer.alb_dns_name, "DNS name of the load balancer")
        self.output("app_url", app.web.url, "URL of the API")
        self.output("ecs_cluster_name", app.cluster.cluster_name, "ECS cluster")
        self.output("ecs_service_name", app.service.service_name, "ECS service (deploy here)")
        self.output("ecr_repository_url", app.repository.repository_url, "ECR repository (push images here)")
        self.output("secret_names", app.secrets.secret_names, "Secrets Manager containers (set values out of band)")
        self.output("alarm_topic_arn", monitoring.topic_arn, "SNS topic of every alarm (subscribe here)")
        self.output("github_deploy_role_arn", self.deploy_role.role_arn,
                    "Role backend-deploy.yml assumes (aws-actions/configure-aws-credentials role-to-assume)")
