"""The stack of one environment: provider, remote state, and the modules wired together."""

from __future__ import annotations

from backend.wiring import configure_backend
from environments.settings import EnvironmentSettings
from environments.validation import validate
from modules.framework import Construct, TerraformOutput, TerraformStack, aws
from modules.naming import Naming
from modules.networking.security_groups import SecurityGroups
from modules.networking.vpc import Vpc


class EnvironmentStack(TerraformStack):
    """One environment (``dev``, ``staging``, ``prod``), built from its settings only.

    The stack's name is the environment's name, so its output lands in
    ``cdktf.out/stacks/<env>`` and ``cdktf deploy <env>`` deploys it.
    """

    def __init__(self, scope: Construct, settings: EnvironmentSettings) -> None:
        validate(settings)
        super().__init__(scope, settings.name)
        self.settings = settings
        project = settings.project
        naming = Naming(project.name, settings.name)
        self.naming = naming
        self.notes: list[str] = []

        aws.provider.AwsProvider(
            self, "aws", region=project.region,
            default_tags=[{"tags": {
                "Environment": settings.name,
                "Project": project.name,
                "ManagedBy": project.managed_by,
                **settings.extra_tags,
            }}],
        )
        configure_backend(
            self, bucket=project.state_bucket, key=settings.state_key, region=project.region,
            lock_table=project.lock_table, native_lock_file=settings.native_state_lock,
        )

        net = settings.network
        self.vpc = Vpc(
            self, "network", naming=naming, region=project.region, cidr=net.vpc_cidr,
            availability_zones=project.availability_zones, public_subnet_cidrs=net.public_subnet_cidrs,
            private_app_subnet_cidrs=net.private_app_subnet_cidrs, database_subnet_cidrs=net.database_subnet_cidrs,
            nat_mode=net.nat_mode, s3_gateway_endpoint=net.s3_gateway_endpoint, flow_logs=net.flow_logs,
            flow_log_retention_days=settings.log_retention_days,
        )
        self.security_groups = SecurityGroups(
            self, "security-groups", naming=naming, vpc_id=self.vpc.vpc_id,
            service_ports=[s.port for s in settings.services],
            database_port=settings.database.effective_port, cache_port=settings.cache.port,
        )

        self._output("vpc_id", self.vpc.vpc_id, "VPC of the environment")
        self._output("public_subnet_ids", self.vpc.public_subnet_ids, "Public subnets (ALB, NAT)")
        self._output("private_app_subnet_ids", self.vpc.private_app_subnet_ids, "Private app subnets (ECS)")
        self._output("database_subnet_ids", self.vpc.database_subnet_ids, "Isolated database subnets")
        self._output("alb_security_group_id", self.security_groups.alb_security_group_id, "ALB security group")
        self._output("ecs_security_group_id", self.security_groups.ecs_security_group_id, "ECS security group")

    def _output(self, name: str, value: object, description: str) -> None:
        TerraformOutput(self, name, value=value, description=description)
