"""Codemate: what one environment's stack tells its users (the outputs.tf of the composition).

Read after the composition is built (``add_outputs(stack)`` ends the stack's constructor); names and
descriptions are the stack's interface for CI (``ecs_service_names``, ``ecr_repository_urls``, ...) and
for a reader of ``terraform output``.
"""

from __future__ import annotations


def add_outputs(stack) -> None:
    stack.output("vpc_id", stack.vpc.vpc_id, "VPC of the environment")
    stack.output("public_subnet_ids", stack.vpc.public_subnet_ids, "Public subnets (ALB, NAT)")
    stack.output("private_app_subnet_ids", stack.vpc.private_app_subnet_ids, "Private app subnets (ECS)")
    stack.output("database_subnet_ids", stack.vpc.database_subnet_ids, "Isolated database subnets")
    stack.output("alb_security_group_id", stack.security_groups.alb_security_group_id, "ALB security group")
    stack.output("ecs_security_group_id", stack.security_groups.ecs_security_group_id, "ECS security group")
    stack.output("database_endpoint", stack.database.endpoint_address, "Database writer endpoint (host name)")
    stack.output("database_port", stack.database.port, "Database port")
    stack.output("database_master_secret_arn", stack.database.master_user_secret_arn,
                 "Secrets Manager secret of the master user (generated and rotated by RDS)")
    if stack.database.reader_endpoint_address is not None:
        stack.output("database_reader_endpoint", stack.database.reader_endpoint_address,
                     "Aurora reader endpoint (host name)")
    stack.output("redis_primary_endpoint", stack.cache.primary_endpoint_address, "Redis primary endpoint")
    stack.output("redis_auth_token_secret_arn", stack.cache.auth_token_secret_arn,
                 "Secrets Manager secret of the Redis AUTH token")
    stack.output("data_kms_key_arn", stack.data_key.key_arn, "KMS key of the data tier")
    if stack.load_balancer:
        stack.output("alb_dns_name", stack.load_balancer.alb_dns_name, "DNS name of the load balancer")
    if stack.app_url:
        stack.output("app_url", stack.app_url, "URL of the application")
    stack.output("ecs_cluster_name", stack.cluster.cluster_name, "ECS cluster")
    stack.output("ecs_service_names", {n: s.service_name for n, s in stack.services.items()},
                 "ECS service of each service (CI/CD deploys to these)")
    stack.output("ecr_repository_urls", {n: r.repository_url for n, r in stack.repositories.items()},
                 "ECR repository of each service (CI/CD pushes here)")
    if stack.secrets.secrets:
        stack.output("secret_names", stack.secrets.secret_names,
                     "Secrets Manager containers (set values out of band)")
    if stack.buckets:
        stack.output("files_bucket_name", stack.buckets.files_bucket_name, "User uploads")
        stack.output("static_bucket_name", stack.buckets.static_bucket_name, "Next.js static assets")
        stack.output("logs_bucket_name", stack.buckets.logs_bucket_name, "ALB access logs and VPC flow logs")
    if stack.cdn:
        stack.output("static_cdn_domain_name", stack.cdn.distribution_domain_name,
                     "CloudFront domain name serving the static bucket")
    stack.output("alarm_topic_arn", stack.monitoring.topic_arn, "SNS topic of every alarm (subscribe here)")
    region = stack.region
    stack.output("dashboard_url", f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
                 f"#dashboards/dashboard/{stack.monitoring.dashboard_name}", "CloudWatch dashboard")
    if stack.pipeline is None:
        return
    stack.output("pipeline_name", stack.pipeline.pipeline_name, "CodePipeline of the environment")
    stack.output("codestar_connection_arn", stack.pipeline.connection_arn,
                 "GitHub connection of the pipeline (complete it once in the console if PENDING)")
    stack.output("build_project_names", {n: p.name for n, p in stack.pipeline.build_projects.items()},
                 "CodeBuild project of each service")
    stack.output("artifact_bucket_name", stack.pipeline.artifact_bucket_name, "CI/CD artifacts")
