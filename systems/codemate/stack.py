"""Codemate (the web IDE): one environment's composition on the base stack."""

from __future__ import annotations

from systems.codemate.settings import CodemateSettings
from systems.codemate.settings import validate
from modules.cdn.cloudfront import StaticSiteCdn
from modules.compute.ecr import EcrRepository
from modules.compute.ecs_cluster import EcsCluster
from modules.compute.ecs_service import ContainerSecret, EcsService
from modules.patterns.load_balanced_service import LoadBalancedFargateService
from modules.framework import Construct
from modules.monitoring.cloudwatch import Monitoring
from modules.naming import Naming
from modules.stack import ProjectStack
from systems.codemate.delivery import add_pipeline
from systems.codemate.outputs import add_outputs
from modules.patterns.web_security_groups import WebSecurityGroups
from modules.networking.vpc import Vpc
from modules.database.elasticache import RedisCache
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
        naming = self.naming

        net = settings.network
        self.vpc = Vpc(self, "network", options=net, flow_log_key=self.logs_key)
        self.security_groups = WebSecurityGroups(self, "security-groups", vpc=self.vpc, services=settings.services,
                                                 database=settings.database, cache=settings.cache)

        self._data_tier(settings, naming)  # first: the services connect to the database and Redis
        self._application_tier(settings, naming)
        add_pipeline(self, settings)
        self._monitoring(settings, naming)
        add_outputs(self)

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
        self.repositories = EcrRepository.for_services(self, settings.services, prefix=f"{project.name}-")
        self.cluster = EcsCluster(self, "cluster", options=settings.cluster, vpc=self.vpc, services=settings.services)

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


    def _service_environment(self, settings: CodemateSettings, service) -> dict[str, str]:
        """What the composition adds to a service's plain variables: data-tier connection settings
        and the files bucket's name, for the services that use them."""
        environment = self._data_tier_environment(settings) if service.data_tier_access else {}
        if service.files_bucket_access and self.buckets:
            environment["AWS_S3_BUCKET"] = self.buckets.files_bucket_name
        lb = settings.load_balancer
        if lb.domain and any(r.variable == "NEXTAUTH_SECRET" for r in service.secrets):
            host = lb.host_name or f"{settings.project.name}-{settings.name}.{lb.domain}"  # the load balancer's
            environment["NEXTAUTH_URL"] = f"https://{host}"  # NextAuth does not start without it
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
