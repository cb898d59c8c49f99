"""OpenMarket: what one environment's stack tells its users (the outputs.tf of the composition).

Read after the composition is built (``add_outputs(stack)`` ends the stack's constructor); names and
descriptions are the stack's interface for CI (``ecs_service_names``, ``ecr_repository_urls``, ...) and
for a reader of ``terraform output``.
"""

from __future__ import annotations


def add_outputs(stack) -> None:
    stack.output("vpc_id", stack.vpc.vpc_id, "VPC of the environment")
    stack.output("private_subnet_ids", stack.vpc.private_app_subnet_ids, "Private subnets (EKS nodes)")
    stack.output("eks_cluster_name", stack.eks.cluster_name,
                 "aws eks update-kubeconfig --region ap-northeast-2 --name <this>")
    stack.output("eks_cluster_endpoint", stack.eks.cluster_endpoint, "Kubernetes API server endpoint")
    stack.output("eks_cluster_certificate_authority", stack.eks.certificate_authority_data,
                 "Cluster CA (base64) for a kubeconfig written by hand")
    stack.output("eks_oidc_provider_arn", stack.eks.oidc_provider_arn,
                 "IAM OIDC provider: trust it in IAM roles for service accounts (IRSA)")
    stack.output("eks_oidc_issuer_url", stack.eks.oidc_issuer_url, "OIDC issuer (the :sub condition's prefix)")
    stack.output("eks_node_role_arn", stack.node_group.role_arn, "IAM role of the nodes")
    stack.output("eks_node_security_group_id", stack.node_security_group.security_group_id,
                 "Security group of the nodes (admitted by Aurora and Redis)")
    stack.output("ecr_repository_urls", {n: r.repository_url for n, r in stack.repositories.items()},
                 "ECR repositories (push images here, reference them in Helm values)")
    stack.output("database_endpoint", stack.database.endpoint_address, "Aurora writer endpoint")
    stack.output("database_reader_endpoint", stack.database.reader_endpoint_address, "Aurora reader endpoint")
    stack.output("database_master_secret_arn", stack.database.master_user_secret_arn,
                 "Secrets Manager secret of the master user (generated and rotated by RDS)")
    stack.output("redis_primary_endpoint", stack.cache.primary_endpoint_address, "Redis primary endpoint")
    stack.output("redis_auth_token_secret_arn", stack.cache.auth_token_secret_arn,
                 "Secrets Manager secret of the Redis AUTH token")
    stack.output("uploads_bucket_name", stack.buckets.uploads_bucket_name, "User uploads (product images)")
    stack.output("logs_bucket_name", stack.buckets.logs_bucket_name, "S3 server access logs")
    stack.output("event_bus_name", stack.event_bus.event_bus_name,
                 "EventBridge bus: put order events here (source openmarket.orders)")
    stack.output("function_names", {n: f.function_name for n, f in stack.functions.items()}, "Lambda functions")
    stack.output("function_dlq_url", stack.dead_letter_queue.queue_url, "Events the functions failed on after every retry")
    stack.output("alarm_topic_arn", stack.monitoring.topic_arn, "SNS topic of every alarm (subscribe here)")
    stack.output("github_ci_role_arn", stack.ci_role.role_arn,
                 "Role of backend-ci, frontend-ci and lambda-ci (aws-actions/configure-aws-credentials role-to-assume)")
    stack.output("kubernetes_namespace", stack.settings.namespace, "The application's namespace (the CI role deploys here only)")
    stack.output("ingress_security_group_id", stack.ingress.security_group_id,
                 "The ALB's group: alb.ingress.kubernetes.io/security-groups on the Ingress")
    stack.output("lb_controller_role_arn", stack.lb_controller.role_arn,
                 "AWS Load Balancer Controller role (bound to kube-system/aws-load-balancer-controller)")
    stack.output("application_log_group", stack.application_logs.log_group_name,
                 "Container logs (Fluent Bit writes here through its Pod Identity role)")
