"""The Fargate services: task definitions, containers, secrets, IAM roles, service, autoscaling."""

from __future__ import annotations

import pytest

from modules.framework import aws
from tests.app_support import (
    ROLE,
    ROLE_POLICY,
    SERVICE,
    TASK,
    as_list,
    container,
    every_policy_document,
    execution_policy,
    policy,
    statements,
)

LOG_GROUP = aws.cloudwatch_log_group.CloudwatchLogGroup.TF_RESOURCE_TYPE
SCALING_TARGET = aws.appautoscaling_target.AppautoscalingTarget.TF_RESOURCE_TYPE
SCALING_POLICY = aws.appautoscaling_policy.AppautoscalingPolicy.TF_RESOURCE_TYPE
SECRET = aws.secretsmanager_secret.SecretsmanagerSecret.TF_RESOURCE_TYPE
SECRET_VERSION = aws.secretsmanager_secret_version.SecretsmanagerSecretVersion.TF_RESOURCE_TYPE
REPOSITORY = aws.ecr_repository.EcrRepository.TF_RESOURCE_TYPE
CLUSTER = aws.ecs_cluster.EcsCluster.TF_RESOURCE_TYPE
SUBNET = aws.subnet.Subnet.TF_RESOURCE_TYPE
SECURITY_GROUP = aws.security_group.SecurityGroup.TF_RESOURCE_TYPE
TARGET_GROUP = aws.lb_target_group.LbTargetGroup.TF_RESOURCE_TYPE
KMS_KEY = aws.kms_key.KmsKey.TF_RESOURCE_TYPE
BUCKET = aws.s3_bucket.S3Bucket.TF_RESOURCE_TYPE
LISTENER = aws.lb_listener.LbListener.TF_RESOURCE_TYPE
RULE = aws.lb_listener_rule.LbListenerRule.TF_RESOURCE_TYPE

SIZES = {"frontend": ("512", "1024", 3000), "backend": ("1024", "2048", 3001)}  # SPEC §3
COUNTS = {  # SPEC §3 (dev, prod); staging chosen between them
    ("dev", "frontend"): (1, 1, 2), ("dev", "backend"): (1, 1, 2),
    ("staging", "frontend"): (1, 1, 3), ("staging", "backend"): (1, 1, 3),
    ("prod", "frontend"): (2, 2, 5), ("prod", "backend"): (2, 2, 6),
}
RETENTION = {"dev": 7, "staging": 14, "prod": 30}
SECRETS = {  # variable -> (secret, JSON key)
    "frontend": {"NEXTAUTH_SECRET": ("nextauth", None), "GITHUB_ID": ("github-oauth", "client_id"),
                 "GITHUB_SECRET": ("github-oauth", "client_secret")},
    "backend": {"DATABASE_USER": ("database", "username"), "DATABASE_PASSWORD": ("database", "password"),
                "NEXTAUTH_SECRET": ("nextauth", None), "ANTHROPIC_API_KEY": ("anthropic", None),
                # data_tier_access: the stack-generated Redis AUTH token, from the data tier's secret
                "REDIS_AUTH_TOKEN": ("cache/auth-secret", None)},
}
DATA_TIER_PLAIN = {"DATABASE_HOST", "DATABASE_PORT", "DATABASE_NAME", "REDIS_HOST", "REDIS_PORT", "REDIS_TLS"}
services = pytest.mark.parametrize("service", ["frontend", "backend"])


def secret_arn(stack, name: str) -> str:
    path = name if "/" in name else f"secrets/{name}"
    return stack.ref(SECRET, stack.by_path(SECRET, path), "arn")


# -- task definition ------------------------------------------------------------
@services
def test_task_definition_is_fargate_awsvpc_with_the_spec_size(env, stack, service):
    cpu, memory, _ = SIZES[service]
    task = stack.by_path(TASK, f"svc-{service}/task")
    assert task["family"] == f"codemate-{service}-{env}"
    assert (task["network_mode"], task["requires_compatibilities"]) == ("awsvpc", ["FARGATE"])
    assert (task["cpu"], task["memory"]) == (cpu, memory)
    assert task["execution_role_arn"] == stack.ref(ROLE, stack.by_path(ROLE, f"svc-{service}/execution-role"), "arn")
    assert task["task_role_arn"] == stack.ref(ROLE, stack.by_path(ROLE, f"svc-{service}/task-role"), "arn")
    # a revision a pipeline may still run is never deregistered by Terraform
    assert task["skip_destroy"] is True


@services
def test_container_maps_its_port_and_runs_its_repository_image(stack, service):
    port = SIZES[service][2]
    c = container(stack, service)
    repo = stack.by_path(REPOSITORY, f"ecr-{service}/repository")
    assert c["name"] == service and c["essential"] is True
    assert c["image"] == stack.ref(REPOSITORY, repo, "repository_url") + ":bootstrap"
    assert c["portMappings"] == [{"name": service, "containerPort": port, "hostPort": port, "protocol": "tcp"}]


@services
def test_container_health_check_calls_the_spec_health_path(stack, service):
    path = {"frontend": "localhost:3000/api/health", "backend": "localhost:3001/health"}[service]
    check = container(stack, service)["healthCheck"]
    assert check["command"][0] == "CMD-SHELL" and path in check["command"][1]
    assert (check["interval"], check["retries"]) == (30, 3)


@services
def test_container_logs_to_its_own_log_group_with_the_environment_retention(env, stack, service):
    group = stack.by_path(LOG_GROUP, f"svc-{service}/logs")
    # SPEC's /aws/ecs/codemate-<service> plus the env: environments may share an account
    assert group["name"] == f"/aws/ecs/codemate-{service}-{env}"
    assert group["retention_in_days"] == RETENTION[env]
    log = container(stack, service)["logConfiguration"]
    assert log == {"logDriver": "awslogs", "options": {
        "awslogs-group": stack.ref(LOG_GROUP, group, "name"), "awslogs-region": "ap-northeast-2",
        "awslogs-stream-prefix": service,
    }}


@services
def test_secrets_reach_the_container_by_arn_and_by_json_key(stack, service):
    expected = [
        {"name": variable, "valueFrom": secret_arn(stack, secret) + (f":{key}::" if key else "")}
        for variable, (secret, key) in SECRETS[service].items()
    ]
    assert container(stack, service)["secrets"] == expected


@services
def test_no_task_definition_holds_a_secret_value(stack, service):
    c = container(stack, service)
    plain = {e["name"]: e["value"] for e in c["environment"]}
    # THEN no secret variable is also a plain value, every secret is a Secrets Manager reference ...
    assert not set(plain) & set(SECRETS[service])
    assert all(s["valueFrom"].startswith(f"${{{SECRET}.") for s in c["secrets"])
    # ... plain values are only non-secret configuration
    assert set(plain) <= {"NODE_ENV", "PORT", "HOSTNAME", "NEXTAUTH_URL"} | (
        DATA_TIER_PLAIN | {"AWS_S3_BUCKET", "AWS_REGION"} if service == "backend" else set())
    # ... and the stack creates no secret version, so no value can be in the JSON or the state
    # the only secret version is the generated Redis token, written write-only (never a value in the JSON)
    assert [stack.path(v) for v in stack.resources(SECRET_VERSION).values()] == ["cache/auth-value"]
    assert all("secret_string" not in v for v in stack.resources(SECRET_VERSION).values())


def test_backend_gets_the_files_bucket_name_and_region_by_the_applications_names_and_frontend_does_not(env, stack):
    # SPEC §7 (Codemate): AWS_S3_BUCKET, AWS_REGION; NEXTAUTH_URL is the environment's HTTPS host
    files = stack.by_path(BUCKET, "storage/files")
    backend = {e["name"]: e["value"] for e in container(stack, "backend")["environment"]}
    frontend = {e["name"]: e["value"] for e in container(stack, "frontend")["environment"]}
    assert backend["AWS_S3_BUCKET"] == stack.ref(BUCKET, files, "bucket")
    assert backend["AWS_REGION"] == "ap-northeast-2"
    assert not {"AWS_S3_BUCKET", "AWS_REGION", "FILES_BUCKET"} & set(frontend)
    host = {"dev": "codemate-dev", "staging": "codemate-staging", "prod": "codemate"}[env]
    assert backend["NEXTAUTH_URL"] == frontend["NEXTAUTH_URL"] == f"https://{host}.code1398.io"


# -- service --------------------------------------------------------------------
@services
def test_service_runs_in_the_private_app_subnets_without_public_ip(stack, service):
    svc = stack.by_path(SERVICE, f"svc-{service}/service")
    app_subnets = [stack.ref(SUBNET, stack.by_path(SUBNET, f"network/app-{z}")) for z in "ac"]
    ecs_group = stack.ref(SECURITY_GROUP, stack.by_path(SECURITY_GROUP, "security-groups/ecs"))
    assert svc["network_configuration"] == {
        "subnets": app_subnets, "security_groups": [ecs_group], "assign_public_ip": False,
    }


def test_no_service_of_the_primary_system_has_a_public_ip(stack):
    public = {stack.ref(SUBNET, stack.by_path(SUBNET, f"network/public-{z}")) for z in "ac"}
    for svc in stack.resources(SERVICE).values():
        assert svc["network_configuration"]["assign_public_ip"] is False
        assert not public & set(svc["network_configuration"]["subnets"])


@services
def test_service_is_named_for_ci_cd_and_attached_to_its_target_group(stack, service):
    svc = stack.by_path(SERVICE, f"svc-{service}/service")
    tg = stack.by_path(TARGET_GROUP, f"alb/tg-{service}")
    assert svc["name"] == f"codemate-{service}-service"
    assert svc["cluster"] == stack.ref(CLUSTER, stack.one(CLUSTER), "arn")
    assert svc["load_balancer"] == [{
        "target_group_arn": stack.ref(TARGET_GROUP, tg, "arn"), "container_name": service,
        "container_port": SIZES[service][2],
    }]
    assert svc["health_check_grace_period_seconds"] == 60


@services
def test_service_waits_for_the_listeners_and_rules_that_attach_its_target_group(stack, service):
    depends = stack.by_path(SERVICE, f"svc-{service}/service")["depends_on"]
    assert {d.split(".")[0] for d in depends} >= {LISTENER, RULE}


@services
def test_failed_deployments_roll_back(stack, service):
    svc = stack.by_path(SERVICE, f"svc-{service}/service")
    assert svc["deployment_circuit_breaker"] == {"enable": True, "rollback": True}
    assert (svc["deployment_minimum_healthy_percent"], svc["deployment_maximum_percent"]) == (100, 200)


@services
def test_service_runs_on_on_demand_fargate(stack, service):
    svc = stack.by_path(SERVICE, f"svc-{service}/service")
    assert svc["capacity_provider_strategy"] == [{"capacity_provider": "FARGATE", "weight": 1}]
    assert "launch_type" not in svc


@services
def test_ci_cd_deploys_are_not_rolled_back_by_terraform(stack, service):
    # GIVEN a pipeline registered a new task definition and autoscaling changed the count
    svc = stack.by_path(SERVICE, f"svc-{service}/service")
    # THEN the next apply ignores both
    assert svc["lifecycle"] == {"ignore_changes": ["task_definition", "desired_count"]}


@services
def test_desired_min_max_follow_the_environment(env, stack, service):
    desired, low, high = COUNTS[(env, service)]
    svc = stack.by_path(SERVICE, f"svc-{service}/service")
    target = stack.by_path(SCALING_TARGET, f"svc-{service}/scaling-target")
    assert svc["desired_count"] == desired
    assert (target["min_capacity"], target["max_capacity"]) == (low, high)
    cluster = stack.ref(CLUSTER, stack.one(CLUSTER), "name")
    assert target["resource_id"] == f"service/{cluster}/{stack.ref(SERVICE, svc, 'name')}"
    assert (target["scalable_dimension"], target["service_namespace"]) == ("ecs:service:DesiredCount", "ecs")


def test_frontend_scales_on_cpu_70_only(stack):
    policies = stack.under(SCALING_POLICY, "svc-frontend")
    assert [p["target_tracking_scaling_policy_configuration"]["predefined_metric_specification"]
            ["predefined_metric_type"] for p in policies] == ["ECSServiceAverageCPUUtilization"]
    assert policies[0]["target_tracking_scaling_policy_configuration"]["target_value"] == 70


def test_backend_scales_on_cpu_70_or_memory_80(stack):
    target = stack.by_path(SCALING_TARGET, "svc-backend/scaling-target")
    cpu = stack.by_path(SCALING_POLICY, "svc-backend/scale-on-cpu")
    memory = stack.by_path(SCALING_POLICY, "svc-backend/scale-on-memory")
    for policy_, metric, value in ((cpu, "ECSServiceAverageCPUUtilization", 70),
                                   (memory, "ECSServiceAverageMemoryUtilization", 80)):
        config = policy_["target_tracking_scaling_policy_configuration"]
        assert policy_["policy_type"] == "TargetTrackingScaling"
        assert policy_["resource_id"] == stack.ref(SCALING_TARGET, target, "resource_id")
        assert config["predefined_metric_specification"] == {"predefined_metric_type": metric}
        assert config["target_value"] == value


# -- IAM --------------------------------------------------------------------------
@services
def test_execution_role_pulls_only_from_its_repository(stack, service):
    sids = execution_policy(stack, service)
    repo = stack.by_path(REPOSITORY, f"ecr-{service}/repository")
    # GetAuthorizationToken cannot be scoped: its resource wildcard is the only one
    assert sids["EcrLogin"]["Action"] == ["ecr:GetAuthorizationToken"] and sids["EcrLogin"]["Resource"] == "*"
    assert sids["EcrPull"]["Resource"] == stack.ref(REPOSITORY, repo, "arn")
    assert sorted(sids["EcrPull"]["Action"]) == [
        "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
    ]


@services
def test_execution_role_writes_only_its_log_group(stack, service):
    group = stack.by_path(LOG_GROUP, f"svc-{service}/logs")
    logs = execution_policy(stack, service)["WriteLogs"]
    assert logs["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert logs["Resource"] == stack.ref(LOG_GROUP, group, "arn") + ":log-stream:*"


@services
def test_execution_role_reads_exactly_its_secrets_and_decrypts_only_through_secrets_manager(stack, service):
    sids = execution_policy(stack, service)
    wanted = sorted({secret_arn(stack, secret) for secret, _ in SECRETS[service].values()})
    assert sids["ReadSecrets"]["Action"] == ["secretsmanager:GetSecretValue"]
    assert sorted(as_list(sids["ReadSecrets"]["Resource"])) == wanted
    key = stack.ref(KMS_KEY, stack.by_path(KMS_KEY, "secrets/key"), "arn")
    if service == "backend":  # the Redis token secret is encrypted with the data tier's key
        key = [key, stack.ref(KMS_KEY, stack.by_path(KMS_KEY, "data-key/key"), "arn")]
    assert sids["DecryptSecrets"] == {
        "Sid": "DecryptSecrets", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": key,
        "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.ap-northeast-2.amazonaws.com"}},
    }
    assert set(sids) == {"EcrLogin", "EcrPull", "WriteLogs", "ReadSecrets", "DecryptSecrets"}


def test_backend_task_role_gets_the_files_bucket_and_its_key_and_nothing_wider(stack):
    arn = stack.ref(BUCKET, stack.by_path(BUCKET, "storage/files"), "arn")
    key = stack.ref(KMS_KEY, stack.by_path(KMS_KEY, "storage/files-key/key"), "arn")
    document = policy(stack.by_path(ROLE_POLICY, "svc-backend/task-policy"))
    assert statements(document) == [
        {"Sid": "FilesObjects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
         "Resource": f"{arn}/*"},
        {"Sid": "FilesList", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": arn},
        # SSE-KMS uploads: S3 asks KMS as the caller; only these two actions, only on this key, only via S3
        {"Sid": "FilesKey", "Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": key,
         "Condition": {"StringEquals": {"kms:ViaService": "s3.ap-northeast-2.amazonaws.com"}}},
    ]


def test_frontend_task_role_has_no_permission(stack):
    assert [p["name"] for p in stack.under(ROLE_POLICY, "svc-frontend")] == ["pull-log-read-secrets"]


@services
def test_only_ecs_tasks_of_this_account_assume_the_roles(stack, service):
    for role in ("execution-role", "task-role"):
        (trust,) = statements(policy(stack.by_path(ROLE, f"svc-{service}/{role}"), "assume_role_policy"))
        assert trust["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        assert trust["Action"] == "sts:AssumeRole"
        assert trust["Condition"]["StringEquals"]["aws:SourceAccount"].startswith(
            "${data.aws_caller_identity.")


def test_no_allow_statement_anywhere_has_a_wildcard_action(stack):
    checked = 0
    for where, document in every_policy_document(stack):
        for statement in statements(document):
            if statement["Effect"] != "Allow":
                continue  # the buckets' Deny of s3:* without TLS is the safe direction
            checked += 1
            assert not [a for a in as_list(statement["Action"]) if "*" in a], where
    assert checked >= 20  # the policies above were really inspected


def test_no_aws_managed_policy_is_attached_to_any_role(stack):
    assert stack.count(aws.iam_role_policy_attachment.IamRolePolicyAttachment.TF_RESOURCE_TYPE) == 0
    assert all("managed_policy_arns" not in r for r in stack.resources(ROLE).values())


def test_backend_connects_to_the_database_and_redis_of_its_environment(stack):
    # GIVEN data_tier_access on the backend WHEN synthesized THEN the connection settings are plain
    # references to the environment's own database and Redis, and the token comes by secret ARN
    plain = {e["name"]: e["value"] for e in container(stack, "backend")["environment"]}
    db = stack.by_path("aws_db_instance", "database/instance")
    redis = stack.by_path("aws_elasticache_replication_group", "cache/group")
    assert plain["DATABASE_HOST"] == stack.ref("aws_db_instance", db, "address")
    assert (plain["DATABASE_PORT"], plain["DATABASE_NAME"]) == ("5432", "codemate")
    assert plain["REDIS_HOST"] == stack.ref("aws_elasticache_replication_group", redis, "primary_endpoint_address")
    assert (plain["REDIS_PORT"], plain["REDIS_TLS"]) == ("6379", "true")
    (token,) = [s for s in container(stack, "backend")["secrets"] if s["name"] == "REDIS_AUTH_TOKEN"]
    assert token["valueFrom"] == secret_arn(stack, "cache/auth-secret")


def test_frontend_gets_no_data_tier_connection(stack):
    c = container(stack, "frontend")
    names = {e["name"] for e in c["environment"]} | {s["name"] for s in c["secrets"]}
    assert not names & (DATA_TIER_PLAIN | {"REDIS_AUTH_TOKEN"})

