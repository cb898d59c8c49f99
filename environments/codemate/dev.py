"""dev: smallest sizes, a single NAT gateway, short retention (SPEC §3-4)."""

from environments.codemate.project import (
    BACKEND_ENVIRONMENT,
    BACKEND_HEALTH_CHECK,
    BACKEND_PATHS,
    BACKEND_SECRETS,
    DOCKERFILE,
    DOMAIN,
    FRONTEND_ENVIRONMENT,
    FRONTEND_HEALTH_CHECK,
    FRONTEND_SECRETS,
    PLACEHOLDER_GITHUB_REPOSITORY,
    POSTGRES_VERSION,
    PROJECT,
    SECRET_NAMES,
)
from modules.compute.options import EcsServiceOptions
from modules.database.options import CacheOptions, DatabaseOptions
from modules.networking.options import LoadBalancerOptions, NatMode, VpcOptions
from modules.secrets.options import SecretsOptions
from systems.codemate.settings import PipelineOptions, CodemateSettings, StorageSettings

SETTINGS = CodemateSettings(
    name="dev",
    project=PROJECT,
    network=VpcOptions(
        vpc_cidr="10.0.0.0/16",
        public_subnet_cidrs=("10.0.1.0/24", "10.0.2.0/24"),
        private_app_subnet_cidrs=("10.0.11.0/24", "10.0.12.0/24"),
        database_subnet_cidrs=("10.0.21.0/24", "10.0.22.0/24"),
        nat_mode=NatMode.SINGLE,
    ),
    services=(
        EcsServiceOptions(
            name="frontend", port=3000, cpu=512, memory=1024, health_check_path="/api/health",
            desired_count=1, min_count=1, max_count=2,
            environment=FRONTEND_ENVIRONMENT, secrets=FRONTEND_SECRETS,
            container_health_check=FRONTEND_HEALTH_CHECK, cpu_scaling_target=70,
        ),
        EcsServiceOptions(
            name="backend", port=3001, cpu=1024, memory=2048, health_check_path="/health",
            desired_count=1, min_count=1, max_count=2,
            path_patterns=BACKEND_PATHS, listener_priority=100,
            environment=BACKEND_ENVIRONMENT, secrets=BACKEND_SECRETS,
            container_health_check=BACKEND_HEALTH_CHECK, cpu_scaling_target=70, memory_scaling_target=80,
            files_bucket_access=True,
            data_tier_access=True,
        ),
    ),
    database=DatabaseOptions(
        engine_version=POSTGRES_VERSION,
        instance_class="db.t4g.micro",
        allocated_storage_gb=20,
        multi_az=False,
        backup_retention_days=3,
        deletion_protection=False,  # torn down and rebuilt at will: one `destroy`, no leftovers
        final_snapshot=False,
        performance_insights=False,
    ),
    cache=CacheOptions(
        node_type="cache.t4g.micro", num_cache_clusters=1, snapshot_retention_days=1,
        auth_token_recovery_window_days=0,  # a rebuilt dev reuses the secret name at once
    ),
    log_retention_days=7,
    load_balancer=LoadBalancerOptions(
        domain=DOMAIN,  # codemate-dev.code1398.io: HTTPS in dev too
        idle_timeout_seconds=3600,
        deregistration_delay_seconds=300,
        stickiness=True,
        deletion_protection=False,
        waf=False,  # cost: dev serves no users (staging and prod have it)
    ),
    secrets=SecretsOptions(names=SECRET_NAMES, recovery_window_days=0),
    storage=StorageSettings(cors_origins=("http://localhost:3000",)),
    cicd=PipelineOptions(repository=PLACEHOLDER_GITHUB_REPOSITORY, branch="develop", dockerfile=DOCKERFILE),
    force_destroy=True,  # one `destroy` removes dev with its uploads, logs, artifacts and images
)
