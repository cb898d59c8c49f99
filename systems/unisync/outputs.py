"""UniSync: what one environment's stack tells its users (the outputs.tf of the composition).

Read after the composition is built (``add_outputs(stack)`` ends the stack's constructor); names and
descriptions are the stack's interface for CI (``ecs_service_names``, ``ecr_repository_urls``, ...) and
for a reader of ``terraform output``.
"""

from __future__ import annotations


def add_outputs(stack) -> None:
    stack.output("vpc_id", stack.vpc.vpc_id, "VPC of the environment")
    stack.output("alb_dns_name", stack.web.load_balancer.alb_dns_name, "DNS name of the load balancer")
    stack.output("app_url", stack.web.url, "URL of the API gateway")
    stack.output("ecs_cluster_name", stack.cluster.cluster_name, "ECS cluster")
    stack.output("ecs_service_names", {n: s.service_name for n, s in stack.services.items()},
                 "ECS service of each service (CI/CD deploys to these)")
    stack.output("ecr_repository_urls", {n: r.repository_url for n, r in stack.repositories.items()},
                 "ECR repository of each service (CI/CD pushes here)")
    stack.output("service_urls", {s.name: stack.service_url(s) for s in stack.settings.services if s.discovery_name},
                 "Internal services by name (Cloud Map)")
    stack.output("database_endpoint", stack.database.endpoint_address, "MySQL endpoint (host name)")
    stack.output("database_master_secret_arn", stack.database.master_user_secret_arn,
                 "Secrets Manager secret of the master user (generated and rotated by RDS)")
    stack.output("secret_names", stack.secrets.secret_names, "Secrets Manager containers (set values out of band)")
    stack.output("queue_urls", {n: q.queue_url for n, q in stack.queues.items()}, "SQS queues")
    stack.output("canvas_sync_function_name", stack.canvas_sync.function_name, "The Canvas sync Lambda")
    stack.output("alarm_topic_arn", stack.monitoring.topic_arn, "SNS topic of every alarm (subscribe here)")
