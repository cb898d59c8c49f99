"""Conduit prod: two tasks of 512 CPU / 1024 MiB (scaling to 4 on CPU), HTTPS, 30 days of logs."""

from environments.conduit.project import ENVIRONMENT, HEALTH_CHECK_PATH, PLACEHOLDER_GITHUB_REPOSITORY, PLACEHOLDER_DOMAIN, PORT, PROJECT, SECRETS
from modules.compute.options import EcsServiceOptions
from modules.iam.options import GithubDeployOptions
from modules.networking.options import LoadBalancerOptions, NatMode, VpcOptions
from modules.secrets.options import SecretsOptions
from systems.conduit.settings import ConduitSettings

SETTINGS = ConduitSettings(
    name="prod",
    project=PROJECT,
    network=VpcOptions(
        vpc_cidr="10.0.0.0/16",
        public_subnet_cidrs=("10.0.1.0/24", "10.0.2.0/24"),
        private_app_subnet_cidrs=(),
        database_subnet_cidrs=(),
        nat_mode=NatMode.NONE,
        flow_log_retention_days=365,
    ),
    service=EcsServiceOptions(
        name="backend", service_name="conduit-backend", port=PORT, cpu=512, memory=1024, health_check_path=HEALTH_CHECK_PATH,
        desired_count=2, min_count=2, max_count=4, cpu_scaling_target=70,
        assign_public_ip=True, environment=ENVIRONMENT, secrets=SECRETS,
    ),
    log_retention_days=30,
    # HTTPS (the document's API has no domain; prod users get TLS), deletion protection; WAF off by
    # the document's budget (about 8 USD/month on a 30 USD system): load_balancer.waf=True turns it on.
    load_balancer=LoadBalancerOptions(deregistration_delay_seconds=30, domain=PLACEHOLDER_DOMAIN, deletion_protection=True, waf=False),
    secrets=SecretsOptions(names=("jwt",), recovery_window_days=30),
    github=GithubDeployOptions(repository=PLACEHOLDER_GITHUB_REPOSITORY, branch="main", environments=("prod",)),
)
