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
        super().__init__(scope, settings, stack_name=stack_name or settings.name)
        project = settings.project
        naming = self.naming

        net = settings.network
        self.vpc = Vpc(self, "network", options=net, flow_log_key=self.logs_key)
        self.security_groups = WebSecurityGroups(self, "security-groups", vpc=self.vpc, services=settings.services,
                                                 database=settings.database, cache=settings.cache)

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
            self, "data-key", purpose="data", description=f"Data tier of {project.name}-{settings.name}: "
            "RDS, ElastiCache, their secrets and log groups",
            service_principals=("rds", "elasticache", "secretsmanager"), cloudwatch_logs=True,
        )
        self.database = RdsDatabase(self, "database", options=db, vpc=self.vpc,
                                    security_group=self.security_groups.database, kms_key=self.data_key)
        self.cache = RedisCache(self, "cache", options=cache, vpc=self.vpc, security_group=self.security_groups.cache,
                                kms_key=self.data_key)
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

        self.secrets = Secrets(self, "secrets", options=settings.secrets)
        self.buckets = None
        if settings.storage is not None:
            self.buckets = Buckets(
                self, "storage",
                files_noncurrent_version_days=settings.storage.files_noncurrent_version_days,
                bucket_prefix=settings.storage.bucket_prefix,
                # the CI/CD artifact bucket sends its server access logs here too
                access_log_sources=[naming.bucket_name("artifacts", account_id, prefix=settings.storage.bucket_prefix)]
                if settings.cicd else (),
            )
        self.repositories = {
            s.name: EcrRepository(
                self, f"ecr-{s.name}", name=naming.repository_name(s.image_repository or f"{project.name}-{s.name}"),
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
            service_security_group_id=self.security_groups.ecs_security_group_id, secrets=self.secrets,
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
        self.cdn = StaticSiteCdn(self, "cdn", buckets=self.buckets) \
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
        self.monitoring = Monitoring(self, "monitoring", options=m, cluster=self.cluster, services=self.services,
                                     load_balancer=lb, database=self.database, cache=self.cache)
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
        self.pipeline = CodePipeline(
            self, "cicd", options=cicd, cluster=self.cluster, secrets=self.secrets, access_logs=self.buckets,
            bucket_prefix=settings.storage.bucket_prefix if settings.storage else None,
            targets=[DeployTarget(name=s.name, repository=self.repositories[s.name], service=self.services[s.name],
                                  source_directory=cicd.source_directories.get(s.name, s.name))
                     for s in settings.services],
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
