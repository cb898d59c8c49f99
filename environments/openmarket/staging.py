"""OpenMarket staging: like prod in shape (one NAT to save cost), 2-4 t3.medium nodes always on,
Aurora writer + reader, Redis primary + replica, 14 days of logs."""

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
from modules.database.options import CacheOptions, DatabaseOptions
from modules.networking.options import NatMode, VpcOptions
from modules.kubernetes.options import EksClusterOptions, NodeGroupOptions
from systems.openmarket.settings import OpenMarketSettings, UploadsOptions

SETTINGS = OpenMarketSettings(
    name="staging",
    project=PROJECT,
    network=VpcOptions(
        vpc_cidr="10.20.0.0/16",
        public_subnet_cidrs=("10.20.1.0/24", "10.20.2.0/24"),
        private_app_subnet_cidrs=("10.20.16.0/20", "10.20.32.0/20"),
        database_subnet_cidrs=("10.20.201.0/24", "10.20.202.0/24"),
        nat_mode=NatMode.SINGLE,
    ),
    eks=EksClusterOptions(admin_roles=(PLATFORM_ADMIN_ROLE,)),
    node_group=NodeGroupOptions(instance_types=("t3.medium",), min_size=2, desired_size=2, max_size=4),
    database=DatabaseOptions(
        engine=DatabaseEngine.AURORA_MYSQL, instance_class="db.t4g.medium", allocated_storage_gb=20,
        multi_az=True, aurora_reader_count=1, backup_retention_days=7,
        deletion_protection=True, final_snapshot=True, performance_insights=True,
    ),
    cache=CacheOptions(node_type="cache.t4g.micro", num_cache_clusters=2, snapshot_retention_days=1),
    uploads=UploadsOptions(cors_origins=(PLACEHOLDER_WEB_ORIGIN,)),
    functions=FUNCTIONS,
    report_schedule=REPORT_SCHEDULE,
    data_sync_schedule=DATA_SYNC_SCHEDULE,
    github=github("main", "staging"),
    log_retention_days=14,
)
