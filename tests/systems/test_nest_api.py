"""The NestJS API (document 004) as synthesized: private tasks behind HTTPS, GitHub OIDC deploy role."""

from __future__ import annotations

import json

import pytest

STACKS = ["nest-api-dev", "nest-api-prod"]


@pytest.fixture(params=STACKS)
def api(request, stack_of):
    return stack_of(request.param)


def env_of(synth) -> str:
    return synth.doc["terraform"]["backend"]["s3"]["key"].split("/")[0]


@pytest.mark.parametrize("type_", ["aws_db_instance", "aws_rds_cluster", "aws_elasticache_replication_group",
                                   "aws_codepipeline", "aws_codebuild_project", "aws_codestarconnections_connection"])
def test_no_database_cache_or_pipeline(api, type_):
    assert api.count(type_) == 0


@pytest.mark.parametrize("stack, nats, tasks", [("nest-api-dev", 1, 1), ("nest-api-prod", 2, 2)])
def test_nat_and_task_count_per_environment(stack_of, stack, nats, tasks):
    synth = stack_of(stack)
    assert synth.count("aws_nat_gateway") == nats
    assert synth.one("aws_ecs_service")["desired_count"] == tasks
    task = synth.one("aws_ecs_task_definition")
    assert (task["cpu"], task["memory"]) == ("512", "1024")


def test_tasks_run_in_private_subnets_without_public_ip(api):
    network = api.one("aws_ecs_service")["network_configuration"]
    assert network["assign_public_ip"] is False
    private = {api.ref("aws_subnet", s) for s in api.under("aws_subnet", "network") if s["cidr_block"].startswith("10.0.1")
               and s["cidr_block"] in ("10.0.11.0/24", "10.0.12.0/24")}
    assert set(network["subnets"]) == private and len(private) == 2


def test_https_with_a_dns_validated_certificate_redirect_and_alias(api):
    env = env_of(api)
    listeners = {l["port"]: l for l in api.resources("aws_lb_listener").values()}
    assert listeners[443]["protocol"] == "HTTPS"
    assert listeners[80]["default_action"][0]["type"] == "redirect"
    assert api.one("aws_acm_certificate")["validation_method"] == "DNS"
    alias = api.one("aws_route53_record", type="A")
    assert alias["name"] == f"nest-api-{env}.nest-api.example.com"
    assert api.one("aws_lb_target_group")["health_check"]["path"] == "/health"


def test_app_secrets_are_injected_from_secrets_manager(api):
    container = json.loads(api.one("aws_ecs_task_definition")["container_definitions"])[0]
    assert {s["name"] for s in container["secrets"]} == {"DATABASE_URL", "OPENAI_API_KEY", "SUPABASE_SERVICE_ROLE_KEY"}
    assert not {"DATABASE_URL", "OPENAI_API_KEY"} & {e["name"] for e in container["environment"]}


def test_deploy_role_trusts_only_the_repository_branch_through_github_oidc(api):
    branch = {"dev": "develop", "prod": "main"}[env_of(api)]
    role = api.by_path("aws_iam_role", "github-deploy/role")
    [statement] = json.loads(role["assume_role_policy"])["Statement"]
    # the account's provider, created by its account stack (account-shared), named by its ARN: never created here
    assert api.count("aws_iam_openid_connect_provider") == 0
    assert statement["Principal"] == {"Federated": "arn:aws:iam::${data.aws_caller_identity.account.account_id}:"
                                                   "oidc-provider/token.actions.githubusercontent.com"}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {"StringEquals": {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": [f"repo:nest-api-dev/nest-api:ref:refs/heads/{branch}"],
    }}


def test_deploy_role_may_only_push_to_its_repository_and_update_its_service(api):
    policy = json.loads(api.by_path("aws_iam_role_policy", "github-deploy/policy")["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    repository = api.ref("aws_ecr_repository", api.one("aws_ecr_repository"), "arn")
    service = api.ref("aws_ecs_service", api.one("aws_ecs_service"), "id")
    assert by_sid["EcrPush"]["Resource"] == repository
    assert by_sid["UpdateService"] == {"Sid": "UpdateService", "Effect": "Allow",
                                       "Action": ["ecs:DescribeServices", "ecs:UpdateService"], "Resource": service}
    assert by_sid["PassTaskRoles"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}
    # only the actions IAM cannot scope name "*"
    wildcard = sorted(a for s in policy["Statement"] if s["Resource"] == "*" for a in s["Action"])
    assert wildcard == ["ecr:GetAuthorizationToken", "ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"]
    assert not [a for s in policy["Statement"] for a in s["Action"] if "*" in a]


def test_outputs_give_ci_what_it_needs(api):
    assert {"github_deploy_role_arn", "ecr_repository_url", "ecs_cluster_and_service", "app_url"} <= set(api.outputs)
