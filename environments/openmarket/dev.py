"""OpenMarket dev: one NAT, 2-4 t3.medium nodes and the Aurora writer + reader (db.t4g.medium) only
on weekdays 09:00-18:00 KST, Redis primary + replica, 7 days of logs, nothing protected from destroy."""

from environments.openmarket.project import (
    FUNCTIONS,
    PLACEHOLDER_OFFICE_CIDR,
    PLACEHOLDER_WEB_ORIGIN,
    PLATFORM_ADMIN_ROLE,
    PROJECT,
    WORKING_HOURS_DATA_SYNC_SCHEDULE,
    WORKING_HOURS_REPORT_SCHEDULE,
    github,
)
from modules.database.engines import DatabaseEngine
from modules.database.options import CacheOptions, DatabaseOptions
from modules.networking.options import NatMode, VpcOptions
from modules.kubernetes.options import EksClusterOptions, NodeGroupOptions, WorkingHoursOptions
from systems.openmarket.settings import OpenMarketSettings, UploadsOptions

SETTINGS = OpenMarketSettings(
    name="dev",
    project=PROJECT,
    network=VpcOptions(
        vpc_cidr="10.10.0.0/16",
        public_subnet_cidrs=("10.10.1.0/24", "10.10.2.0/24"),
        private_app_subnet_cidrs=("10.10.16.0/20", "10.10.32.0/20"),
        database_subnet_cidrs=("10.10.201.0/24", "10.10.202.0/24"),
        nat_mode=NatMode.SINGLE,
    ),
    eks=EksClusterOptions(admin_roles=(PLATFORM_ADMIN_ROLE,), endpoint_public_access=True,
                          public_access_cidrs=(PLACEHOLDER_OFFICE_CIDR,)),
    node_group=NodeGroupOptions(instance_types=("t3.medium",), min_size=2, desired_size=2, max_size=4,
                                working_hours=WorkingHoursOptions()),
    database=DatabaseOptions(
        engine=DatabaseEngine.AURORA_MYSQL, instance_class="db.t4g.medium", allocated_storage_gb=20,
        multi_az=True, aurora_reader_count=1, backup_retention_days=7,
        deletion_protection=False, final_snapshot=False, performance_insights=True,
    ),
    cache=CacheOptions(node_type="cache.t4g.micro", num_cache_clusters=2, snapshot_retention_days=1,
                        auth_token_recovery_window_days=0),
    uploads=UploadsOptions(cors_origins=(PLACEHOLDER_WEB_ORIGIN, "http://localhost:3000")),
    database_working_hours=True,
    functions=FUNCTIONS,
    report_schedule=WORKING_HOURS_REPORT_SCHEDULE,
    data_sync_schedule=WORKING_HOURS_DATA_SYNC_SCHEDULE,
    github=github("develop"),
    log_retention_days=7,
    force_destroy=True,  # one `destroy` removes dev with its logs, uploads and images
)
