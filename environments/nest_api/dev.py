"""NestJS API dev: 0.5 vCPU / 1 GB tasks (desired_count=1, min_count=1, max_count=2), HTTPS, 7 days of logs."""

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
    name="dev",
    project=PROJECT,
    network=VpcOptions(
        vpc_cidr="10.0.0.0/16",
        public_subnet_cidrs=("10.0.1.0/24", "10.0.2.0/24"),
        private_app_subnet_cidrs=("10.0.11.0/24", "10.0.12.0/24"),
        database_subnet_cidrs=(),
        nat_mode=NatMode.SINGLE,
    ),
    service=EcsServiceOptions(
        name="api", port=PORT, cpu=512, memory=1024, health_check_path=HEALTH_CHECK_PATH,
        desired_count=1, min_count=1, max_count=2, cpu_scaling_target=70,
        environment=ENVIRONMENT, secrets=SECRETS,
    ),
    log_retention_days=7,
    load_balancer=LoadBalancerOptions(domain=PLACEHOLDER_DOMAIN, waf=False),
    github=GithubDeployOptions(repository=PLACEHOLDER_GITHUB_REPOSITORY, branch="develop"),
    secrets=SecretsOptions(names=("database", "api-keys"), recovery_window_days=0),
    force_destroy=True,  # one `destroy` removes dev with its logs, uploads and images
)
