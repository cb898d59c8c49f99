"""UniSync prod: two on-demand tasks per service, NAT per AZ, Multi-AZ MySQL, HTTPS and WAF, 30 days of logs."""

from modules.database.options import BackupReplicaOptions, DatabaseOptions
from modules.networking.options import LoadBalancerOptions, NatMode, VpcOptions
from modules.secrets.options import SecretsOptions
from environments.unisync.project import (
    CANVAS_API_BASE_URL,
    CANVAS_SYNC,
    PLACEHOLDER_DOMAIN,
    PROJECT,
    QUEUES,
    services,
)
from modules.database.engines import DatabaseEngine
from modules.serverless.options import ScheduleOptions
from systems.unisync.settings import UniSyncSettings

SETTINGS = UniSyncSettings(
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
    services=services(spot=False, count=2),
    log_retention_days=30,
    database=DatabaseOptions(
        # DR (document 001: RPO 24 h, RTO 1 h): the backups also kept in Tokyo, a week
        backup_replica=BackupReplicaOptions(region="ap-northeast-1", retention_days=7),
        engine=DatabaseEngine.MYSQL, instance_class="db.t3.micro", allocated_storage_gb=20, multi_az=True,
        backup_retention_days=7, enhanced_monitoring_interval=60,
    ),
    canvas_sync=CANVAS_SYNC,
    canvas_api_base_url=CANVAS_API_BASE_URL,
    canvas_sync_schedule=ScheduleOptions(name="canvas-sync-hourly", expression="rate(1 hour)",
                                         description="Sync Canvas courses every hour"),
    queues=QUEUES,
    load_balancer=LoadBalancerOptions(domain=PLACEHOLDER_DOMAIN, deletion_protection=True, waf=True),
    secrets=SecretsOptions(names=("encryption-key", "database", "canvas", "cognito"), recovery_window_days=30),
)
