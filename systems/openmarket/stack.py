"""OpenMarket: one environment's composition on the base stack."""

from __future__ import annotations

from modules.compute.ecr import EcrRepository
from modules.database.elasticache import RedisCache
from modules.database.engines import support_note as database_support_note
from modules.database.rds import RdsDatabase
from modules.framework import Construct
from modules.kubernetes.eks_cluster import EksCluster
from modules.messaging.event_bus import EventBus
from modules.messaging.options import QueueOptions
from modules.messaging.queue import Queue
from modules.serverless.event_sources import BucketNotifications, EventRuleSource, ObjectCreatedTrigger, ScheduleSource
from modules.serverless.function import Function
from modules.kubernetes.options import support_note as kubernetes_support_note
from modules.monitoring.cloudwatch import MonitoredCache, MonitoredDatabase, Monitoring
from modules.networking.security_group import SecurityGroup
from modules.networking.vpc import Vpc
from modules.security.kms import KmsKey
from modules.stack import ProjectStack
from systems.openmarket.buckets import UploadBuckets
from systems.openmarket.database_hours import DatabaseWorkingHours
from systems.openmarket.settings import OpenMarketSettings, validate

REPOSITORIES = ("backend", "frontend-web")
"""ECR repositories ``openmarket/<name>-<env>`` the cluster's workloads run from."""
REPORTS_PREFIX = "reports/"
"""Where ``report-generator`` writes its reports in the uploads bucket (outside the image prefix,
so a report never triggers ``image-processor``)."""
FOURTEEN_DAYS = 14 * 24 * 3600
REDIS_CPU_PERCENT = 80
REDIS_MEMORY_PERCENT = 80
DATABASE_CPU_PERCENT = 80


class OpenMarketStack(ProjectStack):
    """VPC with public, private and database subnets; EKS control plane and a managed node group in
    the private subnets; Aurora MySQL (writer + reader) and Redis (primary + replica) in the
    database subnets, reachable only from the nodes' security group; the uploads and logs buckets;
    the two image repositories; the four functions and their triggers; alarms to SNS."""

    def __init__(self, scope: Construct, settings: OpenMarketSettings, *, stack_name: str | None = None) -> None:
        validate(settings)
        super().__init__(scope, settings, stack_name=stack_name)
        naming, net = self.naming, settings.network

        self.vpc = Vpc(self, "network", options=net, flow_log_key=self.logs_key)
        # One group per tier: the nodes (and their pods) reach the database and Redis; nothing else does.
        self.node_security_group = SecurityGroup(
            self, "nodes-sg", vpc_id=self.vpc.vpc_id, role="eks-nodes", allow_all_outbound=True,
            description="EKS nodes and their pods (besides the cluster security group)",
        )
        self.database_security_group = SecurityGroup(
            self, "database-sg", vpc_id=self.vpc.vpc_id, role="db", description="Aurora MySQL: from the EKS nodes only",
        )
        self.cache_security_group = SecurityGroup(
            self, "cache-sg", vpc_id=self.vpc.vpc_id, role="redis", description="Redis: from the EKS nodes only",
        )

        self._kubernetes(settings)
        self._data_tier(settings)
        self._storage(settings)
        self._functions(settings)
        self._monitoring(settings)

    # -- Kubernetes --------------------------------------------------------------------------
    def _kubernetes(self, settings: OpenMarketSettings) -> None:
        self.eks = EksCluster(self, "eks", options=settings.eks, vpc=self.vpc)
        self.node_group = self.eks.add_node_group(settings.node_group, security_group=self.node_security_group)
        self.repositories = {
            name: EcrRepository(self, f"ecr-{name}", name=self.naming.repository_name(f"openmarket/{name}"),
                                images_to_keep=settings.images_to_keep)
            for name in REPOSITORIES
        }
        if note := kubernetes_support_note(settings.eks.version):
            self.notes.append(note)
        if settings.eks.version != "1.28":
            self.notes.append(f"eks: Kubernetes {settings.eks.version} — the document's 1.28 left extended support on "
                              "2025-11-26 and can no longer be created")
        if settings.node_group.working_hours:
            w = settings.node_group.working_hours
            self.notes.append(f"eks: nodes run only {w.scale_up} to {w.scale_down} ({w.time_zone})")

        self.output("vpc_id", self.vpc.vpc_id, "VPC of the environment")
        self.output("private_subnet_ids", self.vpc.private_app_subnet_ids, "Private subnets (EKS nodes)")
        self.output("eks_cluster_name", self.eks.cluster_name,
                    "aws eks update-kubeconfig --region ap-northeast-2 --name <this>")
        self.output("eks_cluster_endpoint", self.eks.cluster_endpoint, "Kubernetes API server endpoint")
        self.output("eks_cluster_certificate_authority", self.eks.certificate_authority_data,
                    "Cluster CA (base64) for a kubeconfig written by hand")
        self.output("eks_oidc_provider_arn", self.eks.oidc_provider_arn,
                    "IAM OIDC provider: trust it in IAM roles for service accounts (IRSA)")
        self.output("eks_oidc_issuer_url", self.eks.oidc_issuer_url, "OIDC issuer (the :sub condition's prefix)")
        self.output("eks_node_role_arn", self.node_group.role_arn, "IAM role of the nodes")
        self.output("eks_node_security_group_id", self.node_security_group.security_group_id,
                    "Security group of the nodes (admitted by Aurora and Redis)")
        self.output("ecr_repository_urls", {n: r.repository_url for n, r in self.repositories.items()},
                    "ECR repositories (push images here, reference them in Helm values)")

    # -- data --------------------------------------------------------------------------------
    def _data_tier(self, settings: OpenMarketSettings) -> None:
        naming, db, cache, azs = self.naming, settings.database, settings.cache, self.project.availability_zones
        self.data_key = KmsKey(
            self, "data-key", purpose="data",
            description=f"Data tier of openmarket-{settings.name}: Aurora, Redis, their secrets and log groups",
            service_principals=("rds", "elasticache", "secretsmanager"), cloudwatch_logs=True,
        )
        self.database = RdsDatabase(self, "database", options=db, vpc=self.vpc,
                                    security_group=self.database_security_group.security_group, kms_key=self.data_key)
        self.cache = RedisCache(self, "cache", options=cache, vpc=self.vpc,
                                security_group=self.cache_security_group.security_group, kms_key=self.data_key)
        self.database_security_group.allow_from(self.node_security_group, self.database.port,
                                                "MySQL from the EKS nodes")
        self.cache_security_group.allow_from(self.node_security_group, cache.port, "Redis from the EKS nodes")
        self.database_hours = None
        if settings.database_working_hours:
            self.database_hours = DatabaseWorkingHours(self, "database-hours", cluster=self.database.cluster,
                                                       hours=settings.node_group.working_hours)
            self.notes.append("database: Aurora is stopped outside working hours; apply changes to it in working hours")
        if note := database_support_note(db.engine, db.effective_engine_version):
            self.notes.append(note)

        self.output("database_endpoint", self.database.endpoint_address, "Aurora writer endpoint")
        self.output("database_reader_endpoint", self.database.reader_endpoint_address, "Aurora reader endpoint")
        self.output("database_master_secret_arn", self.database.master_user_secret_arn,
                    "Secrets Manager secret of the master user (generated and rotated by RDS)")
        self.output("redis_primary_endpoint", self.cache.primary_endpoint_address, "Redis primary endpoint")
        self.output("redis_auth_token_secret_arn", self.cache.auth_token_secret_arn,
                    "Secrets Manager secret of the Redis AUTH token")

    # -- storage -----------------------------------------------------------------------------
    def _storage(self, settings: OpenMarketSettings) -> None:
        self.buckets = UploadBuckets(self, "storage", options=settings.uploads)
        self.output("uploads_bucket_name", self.buckets.uploads_bucket_name, "User uploads (product images)")
        self.output("logs_bucket_name", self.buckets.logs_bucket_name, "S3 server access logs")

    # -- functions ---------------------------------------------------------------------------
    def _functions(self, settings: OpenMarketSettings) -> None:
        """The four functions, outside the VPC (the data tier admits only the nodes), each with its trigger."""
        options = {f.name: f for f in settings.functions}
        uploads = self.buckets
        # Every trigger invokes asynchronously: an event that still fails after Lambda's retries
        # lands here (kept 14 days) instead of being dropped.
        self.dead_letter_queue = Queue(self, "function-dlq", options=QueueOptions(
            name="function-dlq", retention_seconds=FOURTEEN_DAYS))
        dlq = self.dead_letter_queue
        self.functions = {
            "image-processor": Function(
                self, "fn-image-processor", options=options["image-processor"], dead_letter_queue=dlq,
                environment={"UPLOADS_BUCKET": uploads.uploads_bucket_name,
                             "IMAGE_PREFIX": settings.uploads.image_prefix}),
            "order-notification": Function(
                self, "fn-order-notification", options=options["order-notification"], dead_letter_queue=dlq),
            "report-generator": Function(
                self, "fn-report-generator", options=options["report-generator"], dead_letter_queue=dlq,
                environment={"UPLOADS_BUCKET": uploads.uploads_bucket_name, "REPORTS_PREFIX": REPORTS_PREFIX}),
            "data-sync": Function(
                self, "fn-data-sync", options=options["data-sync"], dead_letter_queue=dlq),
        }
        fn = self.functions
        runtimes = sorted({o.runtime for o in settings.functions})
        if all(r.startswith("nodejs") and r != "nodejs18.x" for r in runtimes):
            self.notes.append(f"functions: {', '.join(runtimes)} — the document's Node.js 18 is deprecated and AWS "
                              "no longer lets you create functions on it")
        uploads.grant_read_write(fn["image-processor"])
        uploads.grant_read_write(fn["report-generator"])
        BucketNotifications(self, "uploads-notifications", bucket=uploads.uploads, triggers=[
            ObjectCreatedTrigger(fn["image-processor"], prefix=settings.uploads.image_prefix)])
        self.event_bus = EventBus(self, "event-bus")
        EventRuleSource(
            self, "order-created", function=fn["order-notification"], event_bus=self.event_bus, name="order-created",
            event_pattern={"source": [settings.order_event_source],
                           "detail-type": [settings.order_created_detail_type]},
            description=f"{settings.order_created_detail_type} from {settings.order_event_source} -> order-notification",
        )
        ScheduleSource(self, "report-schedule", function=fn["report-generator"], options=settings.report_schedule)
        ScheduleSource(self, "data-sync-schedule", function=fn["data-sync"], options=settings.data_sync_schedule)

        self.output("event_bus_name", self.event_bus.event_bus_name,
                    "EventBridge bus: put order events here (source openmarket.orders)")
        self.output("function_names", {n: f.function_name for n, f in fn.items()}, "Lambda functions")
        self.output("function_dlq_url", dlq.queue_url, "Events the functions failed on after every retry")

    # -- monitoring --------------------------------------------------------------------------
    def _monitoring(self, settings: OpenMarketSettings) -> None:
        m = settings.monitoring
        self.monitoring = Monitoring(self, "monitoring", options=m, database=self.database, cache=self.cache,
                                     functions=self.functions)
        cluster_id = self.database.cluster.cluster_identifier
        self.monitoring.alarm(
            "db-cpu", ("db", "cpu-high"), f"Aurora cluster: average CPU above {DATABASE_CPU_PERCENT} % for 5 minutes",
            namespace="AWS/RDS", metric_name="CPUUtilization", statistic="Average",
            dimensions={"DBClusterIdentifier": cluster_id}, threshold=DATABASE_CPU_PERCENT, evaluation_periods=5,
        )
        members = MonitoredCache.of_replication_group(self.cache.replication_group.replication_group_id,
                                                      settings.cache.num_cache_clusters).member_cluster_ids
        for n, member in enumerate(members, start=1):
            # ElastiCache publishes per node (CacheClusterId): one alarm per node, whichever is primary.
            self.monitoring.alarm(
                f"redis-{n}-cpu", ("redis", str(n), "cpu-high"),
                f"Redis node {n}: engine CPU above {REDIS_CPU_PERCENT} % for 5 minutes (Redis runs on one core)",
                namespace="AWS/ElastiCache", metric_name="EngineCPUUtilization", statistic="Average",
                dimensions={"CacheClusterId": member}, threshold=REDIS_CPU_PERCENT, evaluation_periods=5,
                widget_title=f"Redis node {n} engine CPU (%)",
            )
            self.monitoring.alarm(
                f"redis-{n}-memory", ("redis", str(n), "memory-high"),
                f"Redis node {n}: memory above {REDIS_MEMORY_PERCENT} % of maxmemory for 5 minutes (evictions follow)",
                namespace="AWS/ElastiCache", metric_name="DatabaseMemoryUsagePercentage", statistic="Maximum",
                dimensions={"CacheClusterId": member}, threshold=REDIS_MEMORY_PERCENT, evaluation_periods=5,
                widget_title=f"Redis node {n} memory (% of maxmemory)",
            )
        self.monitoring.alarm(
            "function-dlq-messages", ("function-dlq", "messages"),
            "Function dead-letter queue: an event failed every retry and waits there for inspection",
            namespace="AWS/SQS", metric_name="ApproximateNumberOfMessagesVisible", statistic="Maximum",
            dimensions={"QueueName": self.dead_letter_queue.queue_name}, threshold=0,
            widget_title="Function dead-letter queue: messages",
        )
        self.output("alarm_topic_arn", self.monitoring.topic_arn, "SNS topic of every alarm (subscribe here)")
