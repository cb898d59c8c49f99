"""staging: between dev and prod — prod's topology where failover is tested, dev's cost elsewhere."""

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
from systems.codemate.settings import PipelineOptions, CodemateSettings

SETTINGS = CodemateSettings(
    name="staging",
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
            desired_count=1, min_count=1, max_count=3,
            environment=FRONTEND_ENVIRONMENT, secrets=FRONTEND_SECRETS,
            container_health_check=FRONTEND_HEALTH_CHECK, cpu_scaling_target=70,
        ),
        EcsServiceOptions(
            name="backend", port=3001, cpu=1024, memory=2048, health_check_path="/health",
            desired_count=1, min_count=1, max_count=3,
            path_patterns=BACKEND_PATHS, listener_priority=100,
            environment=BACKEND_ENVIRONMENT, secrets=BACKEND_SECRETS,
            container_health_check=BACKEND_HEALTH_CHECK, cpu_scaling_target=70, memory_scaling_target=80,
            files_bucket_access=True,
            data_tier_access=True,
        ),
    ),
    database=DatabaseOptions(
        engine_version=POSTGRES_VERSION,
        instance_class="db.t4g.small",
        allocated_storage_gb=20,
        max_allocated_storage_gb=50,
        multi_az=False,
        backup_retention_days=5,
        deletion_protection=False,  # rebuilt from scratch for rehearsals ...
        final_snapshot=True,  # ... but its data survives a destroy as a snapshot
        performance_insights=True,
        enhanced_monitoring_interval=60,
    ),
    cache=CacheOptions(
        node_type="cache.t4g.micro", num_cache_clusters=2, snapshot_retention_days=3,
        auth_token_recovery_window_days=7,
    ),
    log_retention_days=14,
    load_balancer=LoadBalancerOptions(
        domain=DOMAIN,
        idle_timeout_seconds=3600,
        deregistration_delay_seconds=300,
        stickiness=True,
        deletion_protection=False,
    ),
    secrets=SecretsOptions(names=SECRET_NAMES, recovery_window_days=7),
    cicd=PipelineOptions(repository=PLACEHOLDER_GITHUB_REPOSITORY, branch="staging", dockerfile=DOCKERFILE),
)
