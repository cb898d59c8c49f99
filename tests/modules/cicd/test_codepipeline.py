"""CI/CD: connection, artifact bucket, one Docker build per service, stages per environment, ECS deploys, IAM."""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from environments import load
from modules.cicd.codepipeline import IMAGE_DEFINITIONS_FILE, buildspec, to_yaml
from modules.framework import aws
from tests.app_support import ROLE, ROLE_POLICY, SERVICE, TASK, as_list, policy, statements
from tests.support import Synth, synth_settings

PIPELINE = aws.codepipeline.Codepipeline.TF_RESOURCE_TYPE
PROJECT = aws.codebuild_project.CodebuildProject.TF_RESOURCE_TYPE
CONNECTION = aws.codestarconnections_connection.CodestarconnectionsConnection.TF_RESOURCE_TYPE
LOG_GROUP = aws.cloudwatch_log_group.CloudwatchLogGroup.TF_RESOURCE_TYPE
KMS_KEY = aws.kms_key.KmsKey.TF_RESOURCE_TYPE
KMS_ALIAS = aws.kms_alias.KmsAlias.TF_RESOURCE_TYPE
BUCKET = aws.s3_bucket.S3Bucket.TF_RESOURCE_TYPE
BUCKET_POLICY = aws.s3_bucket_policy.S3BucketPolicy.TF_RESOURCE_TYPE
PUBLIC_ACCESS = aws.s3_bucket_public_access_block.S3BucketPublicAccessBlock.TF_RESOURCE_TYPE
OWNERSHIP = aws.s3_bucket_ownership_controls.S3BucketOwnershipControls.TF_RESOURCE_TYPE
ENCRYPTION = aws.s3_bucket_server_side_encryption_configuration.S3BucketServerSideEncryptionConfigurationA \
    .TF_RESOURCE_TYPE
VERSIONING = aws.s3_bucket_versioning.S3BucketVersioningA.TF_RESOURCE_TYPE
LIFECYCLE = aws.s3_bucket_lifecycle_configuration.S3BucketLifecycleConfiguration.TF_RESOURCE_TYPE
LOGGING = aws.s3_bucket_logging.S3BucketLoggingA.TF_RESOURCE_TYPE
REPOSITORY = aws.ecr_repository.EcrRepository.TF_RESOURCE_TYPE
CLUSTER = aws.ecs_cluster.EcsCluster.TF_RESOURCE_TYPE
SECRET = aws.secretsmanager_secret.SecretsmanagerSecret.TF_RESOURCE_TYPE

SERVICES = ("frontend", "backend")
BRANCH = {"dev": "develop", "staging": "staging", "prod": "main"}
STAGES = {
    "dev": ["Source", "Build", "Deploy"],
    "staging": ["Source", "Build", "Deploy"],
    "prod": ["Source", "Build", "Approval", "Deploy"],
}
RETENTION = {"dev": 7, "staging": 14, "prod": 30}
services = pytest.mark.parametrize("service", SERVICES)


# -- helpers ------------------------------------------------------------------------
def pipeline(stack: Synth) -> dict:
    return stack.one(PIPELINE)


def stage(stack: Synth, name: str) -> dict:
    (found,) = [s for s in pipeline(stack)["stage"] if s["name"] == name]
    return found


def actions(stack: Synth) -> list[dict]:
    return [a for s in pipeline(stack)["stage"] for a in s["action"]]


def project(stack: Synth, service: str) -> dict:
    return stack.by_path(PROJECT, f"cicd/build-{service}")


def variables(stack: Synth, service: str) -> dict[str, dict]:
    return {v["name"]: v for v in project(stack, service)["environment"]["environment_variable"]}


def sids(stack: Synth, path: str) -> dict[str, dict]:
    return {s["Sid"]: s for s in statements(policy(stack.by_path(ROLE_POLICY, path)))}


def arn(stack: Synth, type_: str, path: str, attribute: str = "arn") -> str:
    return stack.ref(type_, stack.by_path(type_, path), attribute)


def cicd_documents(stack: Synth):
    for path in ("cicd/pipeline-policy", *(f"cicd/build-{s}-policy" for s in SERVICES)):
        yield path, policy(stack.by_path(ROLE_POLICY, path))


_VARIANTS: dict[str, Synth] = {}


def variant(name: str, **cicd_changes) -> Synth:
    """prod with its ``cicd`` settings changed (synthesized once per session)."""
    if name not in _VARIANTS:
        settings = load("prod")
        _VARIANTS[name] = synth_settings(replace(settings, cicd=replace(settings.cicd, **cicd_changes)))
    return _VARIANTS[name]


# -- pipeline and stages ----------------------------------------------------------------
def test_pipeline_is_a_v2_pipeline_named_for_the_environment(env, stack):
    p = pipeline(stack)
    assert p["name"] == f"codemate-pipeline-{env}"
    assert (p["pipeline_type"], p["execution_mode"]) == ("V2", "SUPERSEDED")
    assert p["role_arn"] == arn(stack, ROLE, "cicd/pipeline-role")


def test_stages_run_in_order_for_each_environment(env, stack):
    assert [s["name"] for s in pipeline(stack)["stage"]] == STAGES[env]


@pytest.mark.parametrize("env_name", ["dev", "staging"])
def test_dev_and_staging_deploy_without_any_approval(request, env_name):
    stack = request.getfixturevalue(env_name)
    assert [a for a in actions(stack) if a["category"] == "Approval"] == []
    assert "Approval" not in [s["name"] for s in pipeline(stack)["stage"]]


def test_prod_waits_for_a_manual_approval_between_build_and_deploy(prod):
    (approval,) = stage(prod, "Approval")["action"]
    assert (approval["category"], approval["owner"], approval["provider"], approval["version"]) == (
        "Approval", "AWS", "Manual", "1")
    assert "#{SourceVariables.CommitId}" in approval["configuration"]["CustomData"]
    assert approval["configuration"]["ExternalEntityLink"] == (
        "https://github.com/codemate-dev/codemate/commit/#{SourceVariables.CommitId}")
    names = [s["name"] for s in pipeline(prod)["stage"]]
    assert names.index("Build") < names.index("Approval") == names.index("Deploy") - 1


def test_source_is_the_environment_branch_through_the_github_connection(env, stack):
    (source,) = stage(stack, "Source")["action"]
    assert (source["category"], source["owner"], source["provider"]) == ("Source", "AWS", "CodeStarSourceConnection")
    assert source["configuration"] == {
        "ConnectionArn": arn(stack, CONNECTION, "cicd/connection"),
        "FullRepositoryId": "codemate-dev/codemate",
        "BranchName": BRANCH[env],
        "OutputArtifactFormat": "CODE_ZIP",
    }
    assert source["output_artifacts"] == ["source"] and source["namespace"] == "SourceVariables"


def test_a_push_to_the_environment_branch_and_no_other_starts_the_pipeline(env, stack):
    (trigger,) = pipeline(stack)["trigger"]
    assert trigger == {
        "provider_type": "CodeStarSourceConnection",
        "git_configuration": {"source_action_name": "GitHub",
                              "push": [{"branches": {"includes": [BRANCH[env]]}}]},
    }


def test_connection_is_a_github_connection_per_environment(env, stack):
    assert stack.one(CONNECTION) == {"name": f"codemate-github-{env}", "provider_type": "GitHub"}


def test_an_existing_connection_is_used_instead_of_creating_one():
    given = "arn:aws:codestar-connections:ap-northeast-2:111122223333:connection/0123abcd-0123-4567-89ab-0123456789ab"
    stack = variant("shared-connection", connection_arn=given)
    assert stack.count(CONNECTION) == 0
    (source,) = stage(stack, "Source")["action"]
    assert source["configuration"]["ConnectionArn"] == given
    assert sids(stack, "cicd/pipeline-policy")["UseGitHubConnection"]["Resource"] == given


def test_build_stage_runs_one_build_per_service_in_parallel(stack):
    build = stage(stack, "Build")["action"]
    assert [a["name"] for a in build] == list(SERVICES)
    for action in build:
        service = action["name"]
        assert (action["category"], action["provider"], action["run_order"]) == ("Build", "CodeBuild", 1)
        assert action["configuration"] == {"ProjectName": stack.ref(PROJECT, project(stack, service), "name")}
        assert (action["input_artifacts"], action["output_artifacts"]) == (["source"], [f"{service}_image"])


def test_deploy_stage_rolls_each_image_out_to_its_own_ecs_service(stack):
    deploy = stage(stack, "Deploy")["action"]
    assert [a["name"] for a in deploy] == list(SERVICES)
    cluster = stack.ref(CLUSTER, stack.one(CLUSTER), "name")
    for action in deploy:
        service = action["name"]
        assert (action["category"], action["owner"], action["provider"], action["version"]) == (
            "Deploy", "AWS", "ECS", "1")
        assert action["configuration"] == {
            "ClusterName": cluster,
            "ServiceName": arn(stack, SERVICE, f"svc-{service}/service", "name"),
            "FileName": IMAGE_DEFINITIONS_FILE,
        }
        assert action["input_artifacts"] == [f"{service}_image"]  # the image its own build pushed


def test_deployed_services_are_the_spec_service_names(stack):
    # SPEC §3 CI/CD: ECS rolling deploy to codemate-frontend-service / codemate-backend-service
    for service in SERVICES:
        assert stack.by_path(SERVICE, f"svc-{service}/service")["name"] == f"codemate-{service}-service"


# -- build projects -------------------------------------------------------------------
def test_one_build_project_per_service_and_no_other(env, stack):
    assert sorted(p["name"] for p in stack.resources(PROJECT).values()) == sorted(
        f"codemate-{s}-build-{env}" for s in SERVICES)


@services
def test_build_runs_docker_privileged_on_an_amazon_linux_standard_image(stack, service):
    environment = project(stack, service)["environment"]
    assert environment["privileged_mode"] is True
    assert environment["type"] == "LINUX_CONTAINER"
    assert re.fullmatch(r"aws/codebuild/amazonlinux-x86_64-standard:\d+\.\d+", environment["image"])
    assert environment["image_pull_credentials_type"] == "CODEBUILD"
    assert environment["compute_type"] == "BUILD_GENERAL1_SMALL"


@services
def test_build_gets_its_own_repository_region_account_and_container(stack, service):
    found = variables(stack, service)
    account = next(iter(stack.data(aws.data_aws_caller_identity.DataAwsCallerIdentity.TF_RESOURCE_TYPE)))
    assert {name: v["value"] for name, v in found.items()} == {
        "REPOSITORY_URI": arn(stack, REPOSITORY, f"ecr-{service}/repository", "repository_url"),
        "REPOSITORY_NAME": arn(stack, REPOSITORY, f"ecr-{service}/repository", "name"),
        "AWS_DEFAULT_REGION": "ap-northeast-2",
        "AWS_ACCOUNT_ID": f"${{data.aws_caller_identity.{account}.account_id}}",
        "CONTAINER_NAME": service,  # the container's name in the task definition
        "BUILD_CONTEXT": service,
        "DOCKERFILE": "Dockerfile.prod",  # SPEC §7: docker build -f Dockerfile.prod . per service
    }
    assert {v["type"] for v in found.values()} == {"PLAINTEXT"}  # none of them is a secret


@services
def test_build_is_fed_by_the_pipeline_and_encrypts_its_output_with_the_artifact_key(stack, service):
    p = project(stack, service)
    assert p["source"]["type"] == p["artifacts"]["type"] == "CODEPIPELINE"
    assert p["encryption_key"] == arn(stack, KMS_KEY, "cicd/artifact-key/key")
    assert p["service_role"] == arn(stack, ROLE, f"cicd/build-{service}-role")
    assert p["build_timeout"] == 30


@services
def test_build_writes_to_its_log_group_with_the_environment_retention_and_kms(env, stack, service):
    group = stack.by_path(LOG_GROUP, f"cicd/build-{service}-logs")
    assert group == {
        "name": f"/aws/codebuild/codemate-{service}-build-{env}",
        "retention_in_days": RETENTION[env],
        "kms_key_id": arn(stack, KMS_KEY, "logs-key/key"),
    }
    logs = project(stack, service)["logs_config"]
    assert logs["cloudwatch_logs"] == {"status": "ENABLED", "group_name": stack.ref(LOG_GROUP, group, "name")}
    assert logs["s3_logs"] == {"status": "DISABLED"}


# -- the buildspec --------------------------------------------------------------------
@services
def test_project_buildspec_is_the_yaml_of_the_buildspec(stack, service):
    assert yaml.safe_load(project(stack, service)["source"]["buildspec"]) == buildspec()


def test_buildspec_logs_in_to_ecr_builds_tags_with_the_commit_pushes_and_writes_image_definitions():
    spec = buildspec()
    assert spec["version"] == 0.2
    pre, build, post = (spec["phases"][p]["commands"] for p in ("pre_build", "build", "post_build"))
    assert any("cut -c 1-7" in c and "CODEBUILD_RESOLVED_SOURCE_VERSION" in c for c in pre)
    assert any(c.startswith("aws ecr get-login-password") and "docker login --username AWS --password-stdin" in c
               for c in pre)
    assert any('docker build --file "$BUILD_CONTEXT/$DOCKERFILE" --tag "$IMAGE_URI" "$BUILD_CONTEXT"' in c for c in build)
    assert any('docker push "$IMAGE_URI"' in c for c in build)
    assert post == ['printf \'[{"name":"%s","imageUri":"%s"}]\' "$CONTAINER_NAME" "$IMAGE_URI" > imagedefinitions.json']
    assert spec["artifacts"] == {"files": ["imagedefinitions.json"]}
    assert {spec["phases"][p]["on-failure"] for p in spec["phases"]} == {"ABORT"}


def test_buildspec_has_no_terraform_template_syntax(stack):
    # "${" would be read by Terraform as an interpolation, "%{" as a directive
    for p in stack.resources(PROJECT).values():
        assert "${" not in p["source"]["buildspec"] and "%{" not in p["source"]["buildspec"]
    with pytest.raises(ValueError, match="Terraform template syntax"):
        to_yaml({"commands": ["echo ${HOME}"]})


# The buildspec's commands, run for real in bash with `aws` and `docker` stubs that record their calls.
STUB_AWS = """#!/bin/sh
echo "aws $*" >> "$CALLS"
case "$1 $2" in
  "ecr get-login-password") echo ecr-password ;;
  "ecr describe-images") [ "$IMAGE_IN_ECR" = yes ] || { echo "ImageNotFoundException" >&2; exit 254; } ;;
esac
"""
STUB_DOCKER = """#!/bin/sh
if [ "$1" = login ]; then echo "docker $* <stdin:$(cat)>" >> "$CALLS"; else echo "docker $*" >> "$CALLS"; fi
"""
URI = "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/codemate-backend-dev"


def run_buildspec(tmp_path: Path, *, commit: str | None, image_in_ecr: bool = False, docker_hub: bool = False):
    """Run each phase's commands in one bash, like CodeBuild; return (exit status, calls, files written)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("aws", STUB_AWS), ("docker", STUB_DOCKER)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    spec = yaml.safe_load(to_yaml(buildspec(docker_hub_login=docker_hub)))
    script = ["set -e"]
    for phase in ("pre_build", "build", "post_build"):
        script += spec["phases"][phase]["commands"]
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}", "CALLS": str(tmp_path / "calls"),
        "IMAGE_IN_ECR": "yes" if image_in_ecr else "no", "REPOSITORY_URI": URI,
        "REPOSITORY_NAME": "codemate-backend-dev", "AWS_DEFAULT_REGION": "ap-northeast-2",
        "AWS_ACCOUNT_ID": "123456789012", "CONTAINER_NAME": "backend", "BUILD_CONTEXT": "backend",
        "DOCKERFILE": "Dockerfile.prod", "DOCKERHUB_USERNAME": "codemate", "DOCKERHUB_TOKEN": "hub-token",
    }
    if commit is not None:
        env["CODEBUILD_RESOLVED_SOURCE_VERSION"] = commit
    work = tmp_path / "src"
    work.mkdir()
    done = subprocess.run(["bash", "-c", "\n".join(script)], cwd=work, env=env, capture_output=True, text=True,
                          timeout=30, check=False)
    calls_file = tmp_path / "calls"
    calls = calls_file.read_text().splitlines() if calls_file.exists() else []
    return done.returncode, calls, {p.name: p.read_text() for p in work.iterdir()}


def test_buildspec_pushes_the_commit_tagged_image_and_names_it_for_the_ecs_deploy(tmp_path):
    status, calls, files = run_buildspec(tmp_path, commit="3f9c2ab8d41e07c5a9b1f0e2d3c4b5a6f7e8d9c0")
    assert status == 0
    assert calls == [
        "aws ecr get-login-password --region ap-northeast-2",
        "docker login --username AWS --password-stdin 123456789012.dkr.ecr.ap-northeast-2.amazonaws.com "
        "<stdin:ecr-password>",
        "aws ecr describe-images --repository-name codemate-backend-dev --image-ids imageTag=3f9c2ab",
        f"docker build --file backend/Dockerfile.prod --tag {URI}:3f9c2ab backend",
        f"docker push {URI}:3f9c2ab",
    ]
    assert json.loads(files[IMAGE_DEFINITIONS_FILE]) == [{"name": "backend", "imageUri": f"{URI}:3f9c2ab"}]


def test_buildspec_reuses_an_image_already_pushed_for_the_commit(tmp_path):
    # GIVEN the commit's image is already in ECR (a re-run; tags are immutable, a second push would fail)
    status, calls, files = run_buildspec(tmp_path, commit="3f9c2ab8d41e", image_in_ecr=True)
    # THEN nothing is built or pushed, and the deploy still gets the commit's image
    assert status == 0
    assert not [c for c in calls if c.startswith(("docker build", "docker push"))]
    assert json.loads(files[IMAGE_DEFINITIONS_FILE]) == [{"name": "backend", "imageUri": f"{URI}:3f9c2ab"}]


def test_buildspec_fails_without_a_commit_to_tag_with(tmp_path):
    status, calls, files = run_buildspec(tmp_path, commit=None)
    assert status != 0
    assert calls == [] and IMAGE_DEFINITIONS_FILE not in files


def test_buildspec_logs_in_to_docker_hub_first_when_it_has_credentials(tmp_path):
    status, calls, _ = run_buildspec(tmp_path, commit="3f9c2ab8d41e", docker_hub=True)
    assert status == 0
    assert calls[0] == "docker login --username codemate --password-stdin <stdin:hub-token>"


# -- artifact bucket -------------------------------------------------------------------
def artifacts(stack: Synth) -> dict:
    return stack.by_path(BUCKET, "cicd/artifacts")


def of_artifacts(stack: Synth, type_: str) -> list[dict]:
    ref = stack.ref(BUCKET, artifacts(stack))
    return [r for r in stack.resources(type_).values() if r["bucket"] == ref]


def test_artifact_bucket_is_named_for_the_environment_and_account(env, stack):
    account = next(iter(stack.data(aws.data_aws_caller_identity.DataAwsCallerIdentity.TF_RESOURCE_TYPE)))
    assert artifacts(stack)["bucket"] == f"codemate-artifacts-{env}-${{data.aws_caller_identity.{account}.account_id}}"
    assert artifacts(stack)["force_destroy"] is load(env).force_destroy  # dev only: one destroy, no leftovers


def test_artifact_bucket_is_private_with_acls_disabled(stack):
    (block,) = of_artifacts(stack, PUBLIC_ACCESS)
    assert all(block[k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls",
                                         "restrict_public_buckets"))
    (ownership,) = of_artifacts(stack, OWNERSHIP)
    assert ownership["rule"] == {"object_ownership": "BucketOwnerEnforced"}


def test_artifact_bucket_is_encrypted_with_its_own_rotated_kms_key(env, stack):
    (encryption,) = of_artifacts(stack, ENCRYPTION)
    key = stack.by_path(KMS_KEY, "cicd/artifact-key/key")
    assert encryption["rule"] == [{
        "apply_server_side_encryption_by_default": {
            "sse_algorithm": "aws:kms", "kms_master_key_id": stack.ref(KMS_KEY, key, "arn")},
        "bucket_key_enabled": True,
    }]
    assert key["enable_key_rotation"] is True
    assert stack.by_path(KMS_ALIAS, "cicd/artifact-key/alias")["name"] == f"alias/codemate-artifacts-{env}"


def test_pipeline_stores_its_artifacts_in_the_bucket_under_the_artifact_key(stack):
    assert pipeline(stack)["artifact_store"] == [{
        "type": "S3", "location": stack.ref(BUCKET, artifacts(stack), "bucket"),
        "encryption_key": {"id": arn(stack, KMS_KEY, "cicd/artifact-key/key"), "type": "KMS"},
    }]


def test_artifact_bucket_is_versioned_and_old_artifacts_expire(stack):
    (versioning,) = of_artifacts(stack, VERSIONING)
    assert versioning["versioning_configuration"] == {"status": "Enabled"}
    (lifecycle,) = of_artifacts(stack, LIFECYCLE)
    rules = {r["id"]: r for r in lifecycle["rule"]}
    expire = rules["expire-artifacts"]
    assert expire["status"] == "Enabled" and expire["expiration"] == [{"days": 30}]
    assert expire["noncurrent_version_expiration"] == [{"noncurrent_days": 1}]
    assert expire["abort_incomplete_multipart_upload"] == [{"days_after_initiation": 1}]
    assert rules["remove-expired-delete-markers"]["expiration"] == [{"expired_object_delete_marker": True}]


def test_artifact_bucket_refuses_requests_without_tls(stack):
    (bucket_policy,) = of_artifacts(stack, BUCKET_POLICY)
    bucket_arn = stack.ref(BUCKET, artifacts(stack), "arn")
    assert statements(policy(bucket_policy)) == [{
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }]


def test_artifact_bucket_access_is_logged_to_the_logs_bucket_which_accepts_it(stack):
    (logging,) = of_artifacts(stack, LOGGING)
    logs = stack.by_path(BUCKET, "storage/logs")
    assert logging["target_bucket"] == stack.ref(BUCKET, logs, "bucket")
    assert logging["target_prefix"] == f"s3-access/{stack.ref(BUCKET, artifacts(stack), 'bucket')}/"
    (logs_policy,) = [r for r in stack.resources(BUCKET_POLICY).values() if r["bucket"] == stack.ref(BUCKET, logs)]
    (grant,) = [s for s in statements(policy(logs_policy)) if s["Sid"] == "S3ServerAccessLogs"]
    assert grant["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert grant["Action"] == ["s3:PutObject"]
    assert grant["Resource"] == f"{stack.ref(BUCKET, logs, 'arn')}/s3-access/*"
    assert list(grant["Condition"]["StringEquals"]) == ["aws:SourceAccount"]


# -- IAM ------------------------------------------------------------------------------
def test_no_ci_cd_policy_allows_a_wildcard_action(stack):
    checked = 0
    for where, document in cicd_documents(stack):
        for statement in statements(document):
            assert statement["Effect"] == "Allow", where
            assert not [a for a in as_list(statement["Action"]) if "*" in a or "?" in a], (where, statement)
            checked += 1
    assert checked >= 15


def test_only_unscopable_actions_have_a_resource_wildcard(stack):
    # AWS offers no resource-level permission for these: "*" is the only way to grant them
    unscopable = {"ecr:GetAuthorizationToken", "ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition"}
    for where, document in cicd_documents(stack):
        for statement in statements(document):
            if "*" in as_list(statement["Resource"]):
                if statement["Action"] == ["ecs:ListTasks"]:  # scoped by the cluster condition instead
                    assert statement["Condition"] == {
                        "ArnEquals": {"ecs:cluster": stack.ref(CLUSTER, stack.one(CLUSTER), "arn")}}
                else:
                    assert set(statement["Action"]) <= unscopable, (where, statement)


def test_pipeline_passes_only_the_services_roles_and_only_to_ecs_tasks(stack):
    pass_role = sids(stack, "cicd/pipeline-policy")["PassServiceRoles"]
    assert pass_role["Action"] == ["iam:PassRole"]
    assert sorted(pass_role["Resource"]) == sorted(
        arn(stack, ROLE, f"svc-{s}/{kind}") for s in SERVICES for kind in ("execution-role", "task-role"))
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}
    # Negative: no other CI/CD statement (pipeline or builds) may pass a role
    passing = [(where, s["Sid"]) for where, d in cicd_documents(stack) for s in statements(d)
               if "iam:PassRole" in as_list(s["Action"])]
    assert passing == [("cicd/pipeline-policy", "PassServiceRoles")]


def test_pipeline_deploys_exactly_its_services(stack):
    found = sids(stack, "cicd/pipeline-policy")
    assert found["DeployServices"]["Action"] == ["ecs:DescribeServices", "ecs:UpdateService"]
    # ``id`` is the service ARN in provider 5.x and 6.x; ``arn`` exists only in 6.x (5.100 rejects it)
    assert sorted(found["DeployServices"]["Resource"]) == sorted(
        arn(stack, SERVICE, f"svc-{s}/service", "id") for s in SERVICES)
    tag = found["TagNewRevisions"]
    assert tag["Action"] == ["ecs:TagResource"]
    assert tag["Condition"] == {"StringEquals": {"ecs:CreateAction": "RegisterTaskDefinition"}}
    families = [arn(stack, TASK, f"svc-{s}/task", "family") for s in SERVICES]
    assert [r.rsplit("task-definition/", 1)[1] for r in tag["Resource"]] == [f"{f}:*" for f in families]


def test_pipeline_uses_its_connection_runs_its_builds_and_reads_its_artifacts(stack):
    found = sids(stack, "cicd/pipeline-policy")
    assert found["UseGitHubConnection"] == {
        "Sid": "UseGitHubConnection", "Effect": "Allow", "Action": ["codestar-connections:UseConnection"],
        "Resource": arn(stack, CONNECTION, "cicd/connection")}
    assert found["RunBuilds"]["Action"] == ["codebuild:StartBuild", "codebuild:BatchGetBuilds"]
    assert sorted(found["RunBuilds"]["Resource"]) == sorted(arn(stack, PROJECT, f"cicd/build-{s}") for s in SERVICES)
    bucket_arn = stack.ref(BUCKET, artifacts(stack), "arn")
    assert found["ArtifactObjects"]["Resource"] == f"{bucket_arn}/*"
    assert found["ArtifactKey"]["Resource"] == arn(stack, KMS_KEY, "cicd/artifact-key/key")


@services
def test_build_role_pushes_only_to_its_own_repository(stack, service):
    other = next(s for s in SERVICES if s != service)
    found = sids(stack, f"cicd/build-{service}-policy")
    assert found["EcrPush"]["Resource"] == arn(stack, REPOSITORY, f"ecr-{service}/repository")
    assert "ecr:PutImage" in found["EcrPush"]["Action"]
    assert found["EcrLogin"]["Action"] == ["ecr:GetAuthorizationToken"] and found["EcrLogin"]["Resource"] == "*"
    text = json.dumps(policy(stack.by_path(ROLE_POLICY, f"cicd/build-{service}-policy")))
    assert arn(stack, REPOSITORY, f"ecr-{other}/repository") not in text


@services
def test_build_role_writes_only_its_own_log_group_and_the_artifacts(stack, service):
    found = sids(stack, f"cicd/build-{service}-policy")
    group = arn(stack, LOG_GROUP, f"cicd/build-{service}-logs")
    assert found["WriteBuildLogs"]["Resource"] == [group, f"{group}:*"]
    assert set(found) == {"WriteBuildLogs", "ArtifactBucket", "ArtifactObjects", "ArtifactKey", "EcrLogin", "EcrPush"}


def test_roles_trust_only_their_service(stack):
    pipeline_trust = statements(policy(stack.by_path(ROLE, "cicd/pipeline-role"), "assume_role_policy"))
    assert [(s["Principal"], s["Action"]) for s in pipeline_trust] == [
        ({"Service": "codepipeline.amazonaws.com"}, "sts:AssumeRole")]
    for service in SERVICES:
        (trust,) = statements(policy(stack.by_path(ROLE, f"cicd/build-{service}-role"), "assume_role_policy"))
        assert trust["Principal"] == {"Service": "codebuild.amazonaws.com"}
        assert trust["Condition"]["StringEquals"]["aws:SourceAccount"].startswith("${data.aws_caller_identity.")


# -- variants --------------------------------------------------------------------------
def test_docker_hub_credentials_come_from_secrets_manager_never_as_plaintext():
    # GIVEN prod whose builds log in to Docker Hub with the credentials in codemate/prod/dockerhub
    settings = load("prod")
    settings = replace(settings, secrets=replace(settings.secrets, names=(*settings.secrets.names, "dockerhub")),
                       cicd=replace(settings.cicd, docker_hub_secret="dockerhub"))
    stack = synth_settings(settings)
    secret = arn(stack, SECRET, "secrets/dockerhub")
    for service in SERVICES:
        found = variables(stack, service)
        # THEN the build reads them from Secrets Manager at build time: no value in the project
        assert found["DOCKERHUB_USERNAME"] == {"name": "DOCKERHUB_USERNAME", "type": "SECRETS_MANAGER",
                                               "value": f"{secret}:username"}
        assert found["DOCKERHUB_TOKEN"] == {"name": "DOCKERHUB_TOKEN", "type": "SECRETS_MANAGER",
                                            "value": f"{secret}:token"}
        # AND the build role may read that secret only
        read = sids(stack, f"cicd/build-{service}-policy")["ReadDockerHubSecret"]
        assert (read["Action"], read["Resource"]) == (["secretsmanager:GetSecretValue"], secret)
        # AND the buildspec logs in to Docker Hub with them
        assert yaml.safe_load(project(stack, service)["source"]["buildspec"]) == buildspec(docker_hub_login=True)


def test_a_service_directory_setting_becomes_the_docker_build_context():
    stack = variant("directories", source_directories={"backend": "apps/api"})
    assert variables(stack, "backend")["BUILD_CONTEXT"]["value"] == "apps/api"
    assert variables(stack, "frontend")["BUILD_CONTEXT"]["value"] == "frontend"


def test_without_storage_the_artifact_bucket_has_no_access_logs_but_still_synthesizes():
    settings = load("dev")
    settings = replace(settings, storage=None, load_balancer=replace(settings.load_balancer, access_logs=False),
                       services=tuple(replace(s, files_bucket_access=False) for s in settings.services))
    stack = synth_settings(settings)
    assert stack.count(LOGGING) == 0
    assert stack.count(PIPELINE) == 1 and stack.by_path(BUCKET, "cicd/artifacts")


def test_an_environment_without_cicd_settings_has_no_pipeline_at_all():
    stack = synth_settings(replace(load("dev"), cicd=None))
    for type_ in (PIPELINE, PROJECT, CONNECTION):
        assert stack.count(type_) == 0
    assert [p for t in (BUCKET, ROLE, LOG_GROUP, KMS_KEY) for p in map(stack.path, stack.resources(t).values())
            if p.startswith("cicd/")] == []
    assert not {"pipeline_name", "codestar_connection_arn", "build_project_names"} & set(stack.outputs)
