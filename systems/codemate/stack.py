"""Codemate (the web IDE): one environment's composition on the base stack."""

from __future__ import annotations

from systems.codemate.settings import CodemateSettings
from systems.codemate.settings import validate
from modules.cdn.cloudfront import StaticSiteCdn
from modules.cicd.codepipeline import CodePipeline, DeployTarget
from modules.compute.ecr import EcrRepository
from modules.compute.ecs_cluster import EcsCluster
from modules.compute.ecs_service import ContainerSecret, EcsService
from modules.patterns.load_balanced_service import LoadBalancedFargateService
from modules.framework import Construct
from modules.monitoring.cloudwatch import MonitoredCache, MonitoredDatabase, MonitoredLoadBalancer, Monitoring
from modules.naming import Naming
from modules.stack import ProjectStack
from modules.patterns.web_security_groups import WebSecurityGroups
from modules.networking.vpc import Vpc
from modules.database.elasticache import RedisCache
from modules.database.engines import support_note
from modules.database.rds import RdsDatabase
from modules.secrets.secrets_manager import Secrets
from modules.security.kms import KmsKey
from modules.storage.s3 import ALB_LOG_PREFIX
from systems.codemate.buckets import Buckets


class CodemateStack(ProjectStack):
    """One environment of the web IDE (``dev``, ``staging``, ``prod``), built from its settings only.

    The stack's name is the environment's name (the primary system keeps its
    historical stack names and state keys), so its output lands in
    ``cdktf.out/stacks/<env>`` and ``cdktf deploy <env>`` deploys it.
    """

    def __init__(self, scope: Construct, settings: CodemateSettings, *, stack_name: str | None = None) -> None:
        validate(settings)
        super().__init__(
            scope, stack_name or settings.name, project=settings.project, environment=settings.name,
            native_state_lock=settings.native_state_lock, extra_tags=settings.extra_tags,
        )
        self.settings = settings
        project = settings.project
        naming = self.naming

        net = settings.network
        flow_log_retention = (net.flow_log_retention_days if net.flow_log_retention_days is not None
                              else settings.log_retention_days)
        self.vpc = Vpc(
            self, "network", naming=naming, region=project.region, cidr=net.vpc_cidr,
            availability_zones=project.availability_zones, public_subnet_cidrs=net.public_subnet_cidrs,
            private_app_subnet_cidrs=net.private_app_subnet_cidrs, database_subnet_cidrs=net.database_subnet_cidrs,
            nat_mode=net.nat_mode, s3_gateway_endpoint=net.s3_gateway_endpoint, flow_logs=net.flow_logs,
            flow_log_retention_days=flow_log_retention, flow_log_key=self.logs_key,
            account_id=self.account.account_id,
        )
        self.security_groups = WebSecurityGroups(
            self, "security-groups", naming=naming, vpc_id=self.vpc.vpc_id,
            service_ports=[s.port for s in settings.services if s.load_balanced],
            peer_ports=[s.port for s in settings.services if s.discovery_name],
            database_port=settings.database.effective_port, cache_port=settings.cache.port,
        )

        self.output("vpc_id", self.vpc.vpc_id, "VPC of the environment")
        self.output("public_subnet_ids", self.vpc.public_subnet_ids, "Public subnets (ALB, NAT)")
        self.output("private_app_subnet_ids", self.vpc.private_app_subnet_ids, "Private app subnets (ECS)")
        self.output("database_subnet_ids", self.vpc.database_subnet_ids, "Isolated database subnets")
        self.output("alb_security_group_id", self.security_groups.alb_security_group_id, "ALB security group")
        self.output("ecs_security_group_id", self.security_groups.ecs_security_group_id, "ECS security group")
        self._data_tier(settings, naming)  # first: the services connect to the database and Redis
        self._application_tier(settings, naming)
        self._delivery_tier(settings, naming)
        self._monitoring(settings, naming)

    def _data_tier(self, settings: CodemateSettings, naming: Naming) -> None:
        """RDS and Redis in the database subnets, encrypted with one customer-managed key."""
        project, db, cache = settings.project, settings.database, settings.cache
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
            enhanced_monitoring_interval=db.enhanced_monitoring_interval,
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

        self.output("database_endpoint", self.database.endpoint_address, "Database writer endpoint (host name)")
        self.output("database_port", self.database.port, "Database port")
        self.output("database_master_secret_arn", self.database.master_user_secret_arn,
                     "Secrets Manager secret of the master user (generated and rotated by RDS)")
        if self.database.reader_endpoint_address is not None:
            self.output("database_reader_endpoint", self.database.reader_endpoint_address,
                         "Aurora reader endpoint (host name)")
        self.output("redis_primary_endpoint", self.cache.primary_endpoint_address, "Redis primary endpoint")
        self.output("redis_auth_token_secret_arn", self.cache.auth_token_secret_arn,
                     "Secrets Manager secret of the Redis AUTH token")
        self.output("data_kms_key_arn", self.data_key.key_arn, "KMS key of the data tier")

    def _application_tier(self, settings: CodemateSettings, naming: Naming) -> None:
        """Secrets, buckets, images, cluster, load balancer with TLS and DNS, services (SPEC §3)."""
        project, lb = settings.project, settings.load_balancer
        account_id = self.account.account_id

        self.secrets = Secrets(
            self, "secrets", naming=naming, names=settings.secrets.names, region=project.region,
            account_id=account_id, recovery_window_days=settings.secrets.recovery_window_days,
            customer_managed_key=settings.secrets.customer_managed_key,
        )
        self.buckets = None
        if settings.storage is not None:
            self.buckets = Buckets(
                self, "storage", naming=naming, region=project.region, account_id=account_id,
                files_noncurrent_version_days=settings.storage.files_noncurrent_version_days,
                bucket_prefix=settings.storage.bucket_prefix,
                # the CI/CD artifact bucket sends its server access logs here too
                access_log_sources=[naming.bucket_name("artifacts", account_id, prefix=settings.storage.bucket_prefix)]
                if settings.cicd else (),
                force_destroy=settings.force_destroy,
            )
        self.repositories = {
            s.name: EcrRepository(
                self, f"ecr-{s.name}", name=naming.repository_name(s.image_repository or f"{project.name}-{s.name}"),
                force_delete=settings.force_destroy,
            )
            for s in settings.services
        }
        discovery = any(s.discovery_name for s in settings.services)
        self.cluster = EcsCluster(
            self, "cluster", name=naming.ecs_cluster_name(), container_insights=settings.cluster.container_insights,
            discovery_namespace=(settings.cluster.discovery_namespace or f"{settings.name}.{project.name}.internal")
            if discovery else None,
            vpc_id=self.vpc.vpc_id,
        )

        logs = self.buckets if lb.access_logs else None
        self.web = LoadBalancedFargateService(
            self, services=settings.services, options=lb, cluster=self.cluster, repositories=self.repositories,
            vpc=self.vpc, load_balancer_security_group_id=self.security_groups.alb_security_group_id,
            service_security_group_id=self.security_groups.ecs_security_group_id,
            log_retention_days=settings.log_retention_days, secrets=self.secrets,
            access_logs_bucket_name=logs.logs_bucket_name if logs else None, access_logs_prefix=ALB_LOG_PREFIX,
            access_logs_ready=[logs.logs_bucket_policy] if logs else (),
            extra_environment=lambda s: self._service_environment(settings, s),
            extra_secrets=lambda s: [ContainerSecret("REDIS_AUTH_TOKEN", self.cache.auth_token_secret_arn)]
            if s.data_tier_access else [],
            extra_secret_keys=lambda s: [self.data_key.key_arn] if s.data_tier_access else [],
        )
        for s in settings.services:
            if s.files_bucket_access and self.buckets:
                self.buckets.grant_files_read_write(self.web.services[s.name])
        self.host_name = self.web.host_name
        self.load_balancer = self.web.load_balancer
        self.waf = self.web.waf
        self.services: dict[str, EcsService] = self.web.services
        self.app_url = self.web.url

        if self.buckets:
            origins = [*([self.app_url] if self.app_url else []), *settings.storage.cors_origins]
            if origins:
                self.buckets.allow_cors(origins)
        self.cdn = StaticSiteCdn(self, "cdn", naming=naming, buckets=self.buckets) \
            if self.buckets and settings.storage.cdn else None

        if self.load_balancer:
            self.output("alb_dns_name", self.load_balancer.alb_dns_name, "DNS name of the load balancer")
        if self.app_url:
            self.output("app_url", self.app_url, "URL of the application")
        self.output("ecs_cluster_name", self.cluster.cluster_name, "ECS cluster")
        self.output("ecs_service_names", {n: s.service_name for n, s in self.services.items()},
                     "ECS service of each service (CI/CD deploys to these)")
        self.output("ecr_repository_urls", {n: r.repository_url for n, r in self.repositories.items()},
                     "ECR repository of each service (CI/CD pushes here)")
        if self.secrets.secrets:
            self.output("secret_names", self.secrets.secret_names,
                         "Secrets Manager containers (set values out of band)")
        if self.buckets:
            self.output("files_bucket_name", self.buckets.files_bucket_name, "User uploads")
            self.output("static_bucket_name", self.buckets.static_bucket_name, "Next.js static assets")
            self.output("logs_bucket_name", self.buckets.logs_bucket_name, "ALB access logs and VPC flow logs")
        if self.cdn:
            self.output("static_cdn_domain_name", self.cdn.distribution_domain_name,
                         "CloudFront domain name serving the static bucket")

    def _service_environment(self, settings: CodemateSettings, service) -> dict[str, str]:
        """What the composition adds to a service's plain variables: data-tier connection settings
        and the files bucket's name, for the services that use them."""
        environment = self._data_tier_environment(settings) if service.data_tier_access else {}
        if service.files_bucket_access and self.buckets:
            environment["FILES_BUCKET"] = self.buckets.files_bucket_name
        return environment

    def _data_tier_environment(self, settings: CodemateSettings) -> dict[str, str]:
        """Plain connection settings of the database and Redis (no credential among them)."""
        return {
            "DATABASE_HOST": self.database.endpoint_address,
            "DATABASE_PORT": str(self.database.port),
            "DATABASE_NAME": self.database.database_name,
            "REDIS_HOST": self.cache.primary_endpoint_address,
            "REDIS_PORT": str(settings.cache.port),
            "REDIS_TLS": "true",
        }

    def _monitoring(self, settings: CodemateSettings, naming: Naming) -> None:
        """Alarms to an encrypted SNS topic and the dashboard (SPEC §3 "Monitoring").

        Built after the data tier: the database (connections vs. the class's max_connections) and
        the cache (hit/miss per node) are monitored too (docs/monitoring.md).
        """
        m, lb = settings.monitoring, self.load_balancer
        self.monitoring = Monitoring(
            self, "monitoring", naming=naming, region=settings.project.region, account_id=self.account.account_id,
            cluster_name=self.cluster.cluster_name,
            services={name: service.service_name for name, service in self.services.items()},
            load_balancer=MonitoredLoadBalancer(
                arn_suffix=lb.load_balancer.arn_suffix,
                target_groups={name: tg.arn_suffix for name, tg in lb.target_groups.items()},
            ) if lb else None,
            database=MonitoredDatabase(
                engine=self.database.engine, instance_class=self.database.instance_class,
                instance_identifiers=[i.identifier for i in ([self.database.instance] if self.database.instance
                                                             else self.database.cluster_instances)],
                max_connections=m.database_max_connections,
            ),
            cache=MonitoredCache.of_replication_group(self.cache.replication_group.replication_group_id,
                                                      settings.cache.num_cache_clusters),
            alarm_email=m.alarm_email,
            ecs_cpu_percent=m.ecs_cpu_percent, ecs_cpu_minutes=m.ecs_cpu_minutes,
            unhealthy_host_minutes=m.unhealthy_host_minutes, target_5xx_per_minute=m.target_5xx_per_minute,
            database_connections_percent=m.database_connections_percent,
        )
        region = settings.project.region
        self.output("alarm_topic_arn", self.monitoring.topic_arn, "SNS topic of every alarm (subscribe here)")
        self.output("dashboard_url", f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
                     f"#dashboards/dashboard/{self.monitoring.dashboard_name}", "CloudWatch dashboard")

    def _delivery_tier(self, settings: CodemateSettings, naming: Naming) -> None:
        """CodePipeline from GitHub: a Docker build per service, approval where asked, ECS deploys (SPEC §3)."""
        self.pipeline = None
        cicd = settings.cicd
        if cicd is None:
            return
        docker_hub = self.secrets.secret_arns[cicd.docker_hub_secret] if cicd.docker_hub_secret else None
        self.pipeline = CodePipeline(
            self, "cicd", naming=naming, region=settings.project.region, account_id=self.account.account_id,
            cluster=self.cluster,
            targets=[DeployTarget(name=s.name, repository=self.repositories[s.name], service=self.services[s.name],
                                  source_directory=cicd.source_directories.get(s.name, s.name))
                     for s in settings.services],
            repository=cicd.repository, branch=cicd.branch, manual_approval=cicd.manual_approval,
            connection_arn=cicd.connection_arn, log_retention_days=settings.log_retention_days,
            log_kms_key_arn=self.logs_key.key_arn, access_logs=self.buckets, force_destroy=settings.force_destroy,
            bucket_prefix=settings.storage.bucket_prefix if settings.storage else None,
            artifact_retention_days=cicd.artifact_retention_days, build_compute_type=cicd.build_compute_type,
            build_timeout_minutes=cicd.build_timeout_minutes, docker_hub_secret_arn=docker_hub,
            docker_hub_secret_kms_key_arn=self.secrets.kms_key_arn if docker_hub else None,
        )
        if self.pipeline.connection is not None:
            self.notes.append(
                f"the GitHub connection {naming.connection_name()} is created PENDING: complete it once in the "
                "console (Developer Tools > Settings > Connections > Update pending connection) before the "
                f"pipeline {naming.pipeline_name()} can read {cicd.repository}"
            )
        self.output("pipeline_name", self.pipeline.pipeline_name, "CodePipeline of the environment")
        self.output("codestar_connection_arn", self.pipeline.connection_arn,
                     "GitHub connection of the pipeline (complete it once in the console if PENDING)")
        self.output("build_project_names", {n: p.name for n, p in self.pipeline.build_projects.items()},
                     "CodeBuild project of each service")
        self.output("artifact_bucket_name", self.pipeline.artifact_bucket_name, "CI/CD artifacts")
