"""The document's alarms beyond the shared ones (document 003: seven CloudWatch alarms to SNS e-mail):
Aurora CPU, Redis engine CPU and memory per node, the functions' dead-letter queue."""

from __future__ import annotations

from modules.monitoring.cloudwatch import MonitoredCache

REDIS_CPU_PERCENT = 80
REDIS_MEMORY_PERCENT = 80
DATABASE_CPU_PERCENT = 80


def add_alarms(stack, settings) -> None:
    monitoring = stack.monitoring
    cluster_id = stack.database.cluster.cluster_identifier
    monitoring.alarm(
        "db-cpu", ("db", "cpu-high"), f"Aurora cluster: average CPU above {DATABASE_CPU_PERCENT} % for 5 minutes",
        namespace="AWS/RDS", metric_name="CPUUtilization", statistic="Average",
        dimensions={"DBClusterIdentifier": cluster_id}, threshold=DATABASE_CPU_PERCENT, evaluation_periods=5,
    )
    members = MonitoredCache.of_replication_group(stack.cache.replication_group.replication_group_id,
                                                  settings.cache.num_cache_clusters).member_cluster_ids
    for n, member in enumerate(members, start=1):
        # ElastiCache publishes per node (CacheClusterId): one alarm per node, whichever is primary.
        monitoring.alarm(
            f"redis-{n}-cpu", ("redis", str(n), "cpu-high"),
            f"Redis node {n}: engine CPU above {REDIS_CPU_PERCENT} % for 5 minutes (Redis runs on one core)",
            namespace="AWS/ElastiCache", metric_name="EngineCPUUtilization", statistic="Average",
            dimensions={"CacheClusterId": member}, threshold=REDIS_CPU_PERCENT, evaluation_periods=5,
            widget_title=f"Redis node {n} engine CPU (%)",
        )
        monitoring.alarm(
            f"redis-{n}-memory", ("redis", str(n), "memory-high"),
            f"Redis node {n}: memory above {REDIS_MEMORY_PERCENT} % of maxmemory for 5 minutes (evictions follow)",
            namespace="AWS/ElastiCache", metric_name="DatabaseMemoryUsagePercentage", statistic="Maximum",
            dimensions={"CacheClusterId": member}, threshold=REDIS_MEMORY_PERCENT, evaluation_periods=5,
            widget_title=f"Redis node {n} memory (% of maxmemory)",
        )
    monitoring.alarm(
        "function-dlq-messages", ("function-dlq", "messages"),
        "Function dead-letter queue: an event failed every retry and waits there for inspection",
        namespace="AWS/SQS", metric_name="ApproximateNumberOfMessagesVisible", statistic="Maximum",
        dimensions={"QueueName": stack.dead_letter_queue.queue_name}, threshold=0,
        widget_title="Function dead-letter queue: messages",
    )
