"""The stack of one environment: provider, remote state, and the modules wired together."""

from __future__ import annotations

from backend.wiring import configure_backend
from environments.settings import EnvironmentSettings
from environments.validation import validate
from modules.framework import Construct, TerraformOutput, TerraformStack, aws
from modules.naming import Naming
from modules.networking.security_groups import SecurityGroups
from modules.networking.vpc import Vpc
from modules.database.elasticache import RedisCache
from modules.database.engines import support_note
from modules.database.rds import RdsDatabase
from modules.security.kms import KmsKey


class EnvironmentStack(TerraformStack):
    """One environment (``dev``, ``staging``, ``prod``), built from its settings only.

    The stack's name is the environment's name, so its output lands in
    ``cdktf.out/stacks/<env>`` and ``cdktf deploy <env>`` deploys it.
    """

    def __init__(self, scope: Construct, settings: EnvironmentSettings) -> None:
        validate(settings)
        super().__init__(scope, settings.name)
        self.settings = settings
        project = settings.project
        naming = Naming(project.name, settings.name)
        self.naming = naming
        self.notes: list[str] = []

        aws.provider.AwsProvider(
            self, "aws", region=project.region,
            default_tags=[{"tags": {
                "Environment": settings.name,
                "Project": project.name,
                "ManagedBy": project.managed_by,
                **settings.extra_tags,
            }}],
        )
        configure_backend(
            self, bucket=project.state_bucket, key=settings.state_key, region=project.region,
            lock_table=project.lock_table, native_lock_file=settings.native_state_lock,
        )

        net = settings.network
        self.vpc = Vpc(
            self, "network", naming=naming, region=project.region, cidr=net.vpc_cidr,
            availability_zones=project.availability_zones, public_subnet_cidrs=net.public_subnet_cidrs,
            private_app_subnet_cidrs=net.private_app_subnet_cidrs, database_subnet_cidrs=net.database_subnet_cidrs,
            nat_mode=net.nat_mode, s3_gateway_endpoint=net.s3_gateway_endpoint, flow_logs=net.flow_logs,
            flow_log_retention_days=settings.log_retention_days,
        )
        self.security_groups = SecurityGroups(
            self, "security-groups", naming=naming, vpc_id=self.vpc.vpc_id,
            service_ports=[s.port for s in settings.services],
            database_port=settings.database.effective_port, cache_port=settings.cache.port,
        )

        self._output("vpc_id", self.vpc.vpc_id, "VPC of the environment")
        self._output("public_subnet_ids", self.vpc.public_subnet_ids, "Public subnets (ALB, NAT)")
        self._output("private_app_subnet_ids", self.vpc.private_app_subnet_ids, "Private app subnets (ECS)")
        self._output("database_subnet_ids", self.vpc.database_subnet_ids, "Isolated database subnets")
        self._output("alb_security_group_id", self.security_groups.alb_security_group_id, "ALB security group")
        self._output("ecs_security_group_id", self.security_groups.ecs_security_group_id, "ECS security group")

        self._data_tier(settings, naming)

    def _data_tier(self, settings: EnvironmentSettings, naming: Naming) -> None:
        """RDS and Redis in the database subnets, encrypted with one customer-managed key."""
        project, db, cache = settings.project, settings.database, settings.cache
        self.account = aws.data_aws_caller_identity.DataAwsCallerIdentity(self, "account")
        self.data_key = KmsKey(
            self, "data-key", naming=naming, purpose="data", region=project.region,
            account_id=self.account.account_id, description=f"Data tier of {project.name}-{settings.name}: "
            "RDS, ElastiCache, their secrets and log groups",
            service_principals=("rds", "elasticache", "secretsmanager"), cloudwatch_logs=True,
        )
        self.database = RdsDatabase(
            self, "database", naming=naming, engine=db.engine, engine_version=db.engine_version,
            instance_class=db.instance_class, allocated_storage_gb=db.allocated_storage_gb,
            max_allocated_storage_gb=db.max_allocated_storage_gb, multi_az=db.multi_az,
            reader_count=db.aurora_reader_count, port=db.effective_port,
            subnet_ids=self.vpc.database_subnet_ids, availability_zones=project.availability_zones,
            security_group=self.security_groups.database, kms_key=self.data_key,
            database_name=db.database_name, master_username=db.master_username,
            backup_retention_days=db.backup_retention_days, backup_window=db.backup_window,
            maintenance_window=db.maintenance_window, deletion_protection=db.deletion_protection,
            final_snapshot=db.final_snapshot, performance_insights=db.performance_insights,
            performance_insights_retention_days=db.performance_insights_retention_days,
            log_exports=db.effective_log_exports, log_retention_days=settings.log_retention_days,
        )
        self.cache = RedisCache(
            self, "cache", naming=naming, node_type=cache.node_type, num_cache_clusters=cache.num_cache_clusters,
            engine_version=cache.engine_version, port=cache.port,
            subnet_ids=self.vpc.database_subnet_ids, availability_zones=project.availability_zones,
            security_group=self.security_groups.cache, kms_key=self.data_key,
            snapshot_retention_days=cache.snapshot_retention_days, snapshot_window=cache.snapshot_window,
            maintenance_window=cache.maintenance_window, auth_token_secret_name=cache.auth_token_secret_name,
            auth_token_version=cache.auth_token_version,
            auth_token_recovery_window_days=cache.auth_token_recovery_window_days,
            log_retention_days=settings.log_retention_days,
        )
        if note := support_note(db.engine, db.effective_engine_version):
            self.notes.append(note)
        if db.allow_unprotected_prod and not (db.deletion_protection and db.final_snapshot):
            self.notes.append("database: allow_unprotected_prod is set — no deletion protection or final snapshot")

        self._output("database_endpoint", self.database.endpoint_address, "Database writer endpoint (host name)")
        self._output("database_port", self.database.port, "Database port")
        self._output("database_master_secret_arn", self.database.master_user_secret_arn,
                     "Secrets Manager secret of the master user (generated and rotated by RDS)")
        if self.database.reader_endpoint_address is not None:
            self._output("database_reader_endpoint", self.database.reader_endpoint_address,
                         "Aurora reader endpoint (host name)")
        self._output("redis_primary_endpoint", self.cache.primary_endpoint_address, "Redis primary endpoint")
        self._output("redis_auth_token_secret_arn", self.cache.auth_token_secret_arn,
                     "Secrets Manager secret of the Redis AUTH token")
        self._output("data_kms_key_arn", self.data_key.key_arn, "KMS key of the data tier")

    def _output(self, name: str, value: object, description: str) -> None:
        TerraformOutput(self, name, value=value, description=description)
