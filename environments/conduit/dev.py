"""Conduit dev: one task of 256 CPU / 512 MiB, public subnets only, a week of logs."""

from environments.conduit.project import ENVIRONMENT, HEALTH_CHECK_PATH, PLACEHOLDER_GITHUB_REPOSITORY, PORT, PROJECT, SECRETS
from modules.compute.options import EcsServiceOptions
from modules.iam.options import GithubDeployOptions
from modules.networking.options import LoadBalancerOptions, NatMode, VpcOptions
from modules.secrets.options import SecretsOptions
from systems.conduit.settings import ConduitSettings

SETTINGS = ConduitSettings(
    name="dev",
    project=PROJECT,
    network=VpcOptions(
        vpc_cidr="10.0.0.0/16",
        public_subnet_cidrs=("10.0.1.0/24", "10.0.2.0/24"),
        private_app_subnet_cidrs=(),
        database_subnet_cidrs=(),
        nat_mode=NatMode.NONE,
    ),
    service=EcsServiceOptions(
        name="backend", service_name="conduit-backend", port=PORT, cpu=256, memory=512, health_check_path=HEALTH_CHECK_PATH,
        desired_count=1, min_count=1, max_count=1, cpu_scaling_target=None,
        assign_public_ip=True, environment=ENVIRONMENT, secrets=SECRETS,
    ),
    log_retention_days=7,
    # no WebSockets: a stopping task drains in 30 s, not ALB's 300 (every deploy waited five minutes)
    load_balancer=LoadBalancerOptions(waf=False, deregistration_delay_seconds=30),
    secrets=SecretsOptions(names=("jwt",), recovery_window_days=0),
    force_destroy=True,  # one `destroy` removes dev with its logs, uploads and images
    github=GithubDeployOptions(repository=PLACEHOLDER_GITHUB_REPOSITORY, branch="develop"),
)
