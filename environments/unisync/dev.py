"""UniSync dev: one task per service on Fargate Spot, single NAT, single-AZ MySQL, HTTP only, 7 days of logs."""

from modules.database.options import DatabaseOptions
from modules.networking.options import LoadBalancerOptions, NatMode, VpcOptions
from modules.secrets.options import SecretsOptions
from environments.unisync.project import CANVAS_API_BASE_URL, CANVAS_SYNC, PROJECT, QUEUES, services
from modules.database.engines import DatabaseEngine
from modules.serverless.options import ScheduleOptions
from systems.unisync.settings import UniSyncSettings

SETTINGS = UniSyncSettings(
    name="dev",
    project=PROJECT,
    network=VpcOptions(
        vpc_cidr="10.0.0.0/16",
        public_subnet_cidrs=("10.0.1.0/24", "10.0.2.0/24"),
        private_app_subnet_cidrs=("10.0.11.0/24", "10.0.12.0/24"),
        database_subnet_cidrs=("10.0.21.0/24", "10.0.22.0/24"),
        nat_mode=NatMode.SINGLE,
    ),
    services=services(spot=True, count=1),
    log_retention_days=7,
    database=DatabaseOptions(
        engine=DatabaseEngine.MYSQL, instance_class="db.t3.micro", allocated_storage_gb=20, multi_az=False,
        backup_retention_days=7, deletion_protection=False, final_snapshot=False,
    ),
    canvas_sync=CANVAS_SYNC,
    canvas_api_base_url=CANVAS_API_BASE_URL,
    canvas_sync_schedule=ScheduleOptions(name="canvas-sync-hourly", expression="rate(1 hour)",
                                         description="Sync Canvas courses every hour"),
    queues=QUEUES,
    load_balancer=LoadBalancerOptions(domain=None, waf=False),
    secrets=SecretsOptions(names=("encryption-key", "database", "canvas", "cognito"), recovery_window_days=0),
    force_destroy=True,  # one `destroy` removes dev with its logs, uploads and images
)
