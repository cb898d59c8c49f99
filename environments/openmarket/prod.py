"""OpenMarket prod: one NAT per AZ, private API endpoint only, 2-4 t3.medium nodes, Aurora writer +
reader protected from deletion, Redis Multi-AZ with failover, 30 days of logs (flow logs a year)."""

from environments.openmarket.project import (
    DATA_SYNC_SCHEDULE,
    FUNCTIONS,
    PLACEHOLDER_WEB_ORIGIN,
    PLATFORM_ADMIN_ROLE,
    PROJECT,
    REPORT_SCHEDULE,
    github,
)
from modules.database.engines import DatabaseEngine
from modules.database.options import BackupReplicaOptions, CacheOptions, DatabaseOptions
from modules.networking.options import NatMode, VpcOptions
from modules.kubernetes.options import EksClusterOptions, NodeGroupOptions
from systems.openmarket.settings import OpenMarketSettings, UploadsOptions

SETTINGS = OpenMarketSettings(
    name="prod",
    project=PROJECT,
    network=VpcOptions(
        vpc_cidr="10.30.0.0/16",
        public_subnet_cidrs=("10.30.1.0/24", "10.30.2.0/24"),
        private_app_subnet_cidrs=("10.30.16.0/20", "10.30.32.0/20"),
        database_subnet_cidrs=("10.30.201.0/24", "10.30.202.0/24"),
        nat_mode=NatMode.ONE_PER_AZ,
        flow_log_retention_days=365,
    ),
    eks=EksClusterOptions(admin_roles=(PLATFORM_ADMIN_ROLE,)),
    node_group=NodeGroupOptions(instance_types=("t3.medium",), min_size=2, desired_size=2, max_size=4),
    database=DatabaseOptions(
        # DR (document 001: RPO 24 h, RTO 1 h): the backups also kept in Tokyo, a week
        backup_replica=BackupReplicaOptions(region="ap-northeast-1", retention_days=7),
        engine=DatabaseEngine.AURORA_MYSQL, instance_class="db.t4g.medium", allocated_storage_gb=20,
        multi_az=True, aurora_reader_count=1, backup_retention_days=7,
        deletion_protection=True, final_snapshot=True, performance_insights=True,
        enhanced_monitoring_interval=60, log_exports=("audit", "error", "slowquery"),
    ),
    cache=CacheOptions(node_type="cache.t4g.small", num_cache_clusters=2, snapshot_retention_days=7),
    uploads=UploadsOptions(cors_origins=(PLACEHOLDER_WEB_ORIGIN,), noncurrent_version_days=90),
    functions=FUNCTIONS,
    report_schedule=REPORT_SCHEDULE,
    data_sync_schedule=DATA_SYNC_SCHEDULE,
    github=github("main", "production"),
    log_retention_days=30,
)
