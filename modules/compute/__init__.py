"""Compute: ECR repositories, the ECS cluster and its Fargate services."""
