"""prod: Multi-AZ everything, one NAT per AZ, longer retention (SPEC §3-4)."""

from environments.project import PROJECT
from environments.settings import (
    CacheSettings,
    DatabaseSettings,
    EnvironmentSettings,
    NatMode,
    NetworkSettings,
    ServiceSettings,
)

SETTINGS = EnvironmentSettings(
    name="prod",
    project=PROJECT,
    network=NetworkSettings(
        vpc_cidr="10.0.0.0/16",
        public_subnet_cidrs=("10.0.1.0/24", "10.0.2.0/24"),
        private_app_subnet_cidrs=("10.0.11.0/24", "10.0.12.0/24"),
        database_subnet_cidrs=("10.0.21.0/24", "10.0.22.0/24"),
        nat_mode=NatMode.ONE_PER_AZ,
    ),
    services=(
        ServiceSettings(
            name="frontend", port=3000, cpu=512, memory=1024, health_check_path="/api/health",
            desired_count=2, min_count=2, max_count=5,
        ),
        ServiceSettings(
            name="backend", port=3001, cpu=1024, memory=2048, health_check_path="/health",
            desired_count=2, min_count=2, max_count=6,
        ),
    ),
    database=DatabaseSettings(
        instance_class="db.t4g.small",
        allocated_storage_gb=50,
        max_allocated_storage_gb=100,
        multi_az=True,
        backup_retention_days=7,
        deletion_protection=True,
        final_snapshot=True,
        performance_insights=True,
    ),
    cache=CacheSettings(
        node_type="cache.t4g.small", num_cache_clusters=2, snapshot_retention_days=5,
        auth_token_recovery_window_days=30,
    ),
    log_retention_days=30,
)
