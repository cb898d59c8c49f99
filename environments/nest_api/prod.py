"""NestJS API prod: 0.5 vCPU / 1 GB tasks (desired_count=2, min_count=2, max_count=4), HTTPS, 30 days of logs."""

from environments.nest_api.project import (
    ENVIRONMENT,
    HEALTH_CHECK_PATH,
    PLACEHOLDER_DOMAIN,
    PLACEHOLDER_GITHUB_REPOSITORY,
    PORT,
    PROJECT,
    SECRETS,
)
from modules.compute.options import EcsServiceOptions
from modules.networking.options import LoadBalancerOptions, NatMode, VpcOptions
from modules.secrets.options import SecretsOptions
from modules.iam.options import GithubDeployOptions
from systems.nest_api.settings import NestApiSettings

SETTINGS = NestApiSettings(
    name="prod",
    project=PROJECT,
    network=VpcOptions(
        vpc_cidr="10.0.0.0/16",
        public_subnet_cidrs=("10.0.1.0/24", "10.0.2.0/24"),
        private_app_subnet_cidrs=("10.0.11.0/24", "10.0.12.0/24"),
        database_subnet_cidrs=(),
        nat_mode=NatMode.ONE_PER_AZ,
        flow_log_retention_days=365,
    ),
    service=EcsServiceOptions(
        name="api", port=PORT, cpu=512, memory=1024, health_check_path=HEALTH_CHECK_PATH,
        desired_count=2, min_count=2, max_count=4, cpu_scaling_target=70,
        environment=ENVIRONMENT, secrets=SECRETS,
    ),
    log_retention_days=30,
    load_balancer=LoadBalancerOptions(domain=PLACEHOLDER_DOMAIN, deletion_protection=True, waf=True),
    github=GithubDeployOptions(repository=PLACEHOLDER_GITHUB_REPOSITORY, branch="main"),
    secrets=SecretsOptions(names=("database", "api-keys"), recovery_window_days=30),
)
