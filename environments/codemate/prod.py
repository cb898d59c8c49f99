"""prod: Multi-AZ everything, one NAT per AZ, longer retention (SPEC §3-4)."""

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
from modules.database.options import BackupReplicaOptions, CacheOptions, DatabaseOptions
from modules.networking.options import LoadBalancerOptions, NatMode, VpcOptions
from modules.secrets.options import SecretsOptions
from systems.codemate.settings import PipelineOptions, CodemateSettings

SETTINGS = CodemateSettings(
    name="prod",
    project=PROJECT,
    network=VpcOptions(
        vpc_cidr="10.0.0.0/16",
        public_subnet_cidrs=("10.0.1.0/24", "10.0.2.0/24"),
        private_app_subnet_cidrs=("10.0.11.0/24", "10.0.12.0/24"),
        database_subnet_cidrs=("10.0.21.0/24", "10.0.22.0/24"),
        nat_mode=NatMode.ONE_PER_AZ,
        flow_log_retention_days=365,
    ),
    services=(
        EcsServiceOptions(
            name="frontend", port=3000, cpu=512, memory=1024, health_check_path="/api/health",
            desired_count=2, min_count=2, max_count=5,
            environment=FRONTEND_ENVIRONMENT, secrets=FRONTEND_SECRETS,
            container_health_check=FRONTEND_HEALTH_CHECK, cpu_scaling_target=70,
        ),
        EcsServiceOptions(
            name="backend", port=3001, cpu=1024, memory=2048, health_check_path="/health",
            desired_count=2, min_count=2, max_count=6,
            path_patterns=BACKEND_PATHS, listener_priority=100,
            environment=BACKEND_ENVIRONMENT, secrets=BACKEND_SECRETS,
            container_health_check=BACKEND_HEALTH_CHECK, cpu_scaling_target=70, memory_scaling_target=80,
            files_bucket_access=True,
            data_tier_access=True,
        ),
    ),
    database=DatabaseOptions(
        engine_version=POSTGRES_VERSION,
        # DR (document 001: RPO 24 h, RTO 1 h): the backups also kept in Tokyo, a week
        backup_replica=BackupReplicaOptions(region="ap-northeast-1", retention_days=7),
        instance_class="db.t4g.small",
        allocated_storage_gb=50,
        max_allocated_storage_gb=100,
        multi_az=True,
        backup_retention_days=7,
        deletion_protection=True,
        final_snapshot=True,
        performance_insights=True,
        enhanced_monitoring_interval=60,
    ),
    cache=CacheOptions(
        node_type="cache.t4g.small", num_cache_clusters=2, snapshot_retention_days=5,
        auth_token_recovery_window_days=30,
    ),
    log_retention_days=30,
    load_balancer=LoadBalancerOptions(
        domain=DOMAIN,
        host_name="codemate.code1398.io",
        idle_timeout_seconds=3600,
        deregistration_delay_seconds=300,
        stickiness=True,
        deletion_protection=True,
    ),
    secrets=SecretsOptions(names=SECRET_NAMES, recovery_window_days=30),
    cicd=PipelineOptions(repository=PLACEHOLDER_GITHUB_REPOSITORY, branch="main", dockerfile=DOCKERFILE, manual_approval=True),
)
