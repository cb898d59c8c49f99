"""CI/CD of one environment: GitHub -> one Docker build per service -> (approval) -> ECS rolling deploy.

* **Source**: a CodeStar connection to GitHub (``aws_codestarconnections_connection``,
  created ``PENDING``: someone with access to the GitHub organisation completes it
  once in the console) or an existing connection given by ARN. The pipeline
  (type V2) starts on every push to the environment's branch.
* **Artifacts**: a bucket of the environment (private, SSE-KMS with its own
  rotated key, public access blocked, ACLs disabled, TLS only, versioned, old
  artifacts expire, access logs to the logs bucket when there is one). The
  pipeline's ``encryption_key`` and every build's ``encryption_key`` are that key.
* **Build**: one CodeBuild project per service (privileged: it runs the Docker
  daemon), Amazon Linux standard image. Its buildspec logs in to ECR, builds the
  service's directory, tags the image with the commit's first 7 characters
  (``CODEBUILD_RESOLVED_SOURCE_VERSION``), pushes it, and writes
  ``imagedefinitions.json``. The ECR repositories have immutable tags, so a
  commit that was already built (a re-run) reuses its image instead of failing
  on the push. Build logs go to a KMS-encrypted log group with the
  environment's retention.
* **Approval** (only when asked, i.e. prod): a manual approval between build and deploy.
* **Deploy**: the ECS standard (rolling) deploy action per service: CodePipeline
  registers a new revision of the service's task definition with the new image
  and updates the service; the service's circuit breaker rolls a failed
  deployment back. The services ignore task-definition drift (CI/CD owns the
  running image).

IAM, nothing wider than this:

* pipeline role: the artifact bucket's objects and its key, ``UseConnection`` on
  its connection, start/watch its build projects, describe/update exactly its
  ECS services, register task definitions (no resource scoping exists for
  that call) and tag only revisions of its services' families while they are
  registered, and ``iam:PassRole`` on exactly the services' execution and task
  roles, only to ``ecs-tasks.amazonaws.com``;
* one build role per project: its own log group, the artifact bucket and key,
  push to (and look up in) its own repository, ``ecr:GetAuthorizationToken``
  (AWS offers no resource scoping), and the Docker Hub secret when one is given.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Protocol, Sequence

from modules.compute.ecr import EcrRepository
from modules.compute.ecs_cluster import EcsCluster
from modules.compute.ecs_service import EcsService
from modules.cicd.options import PipelineOptions
from modules.secrets.secrets_manager import Secrets
from modules.stack import ProjectStack
from modules.framework import Construct, aws
from modules.iam.policy import Statement, allow, document, service_trust
from modules.security.kms import KmsKey, partition_of
from modules.storage.secure_bucket import SecureBucket
from modules.storage.s3 import ACCESS_LOG_PREFIX
from modules.terraform_strings import terraform_literal

DEFAULT_BUILD_IMAGE = "aws/codebuild/amazonlinux-x86_64-standard:5.0"
"""CodeBuild's curated Amazon Linux 2023 image (Docker, AWS CLI v2)."""
IMAGE_DEFINITIONS_FILE = "imagedefinitions.json"
SOURCE_ACTION = "GitHub"
SOURCE_ARTIFACT = "source"
SOURCE_NAMESPACE = "SourceVariables"
STAGE_SOURCE, STAGE_BUILD, STAGE_APPROVAL, STAGE_DEPLOY = "Source", "Build", "Approval", "Deploy"
APPROVAL_ACTION = "Approve"
COMMIT_TAG_LENGTH = 7

_lc = aws.s3_bucket_lifecycle_configuration
_cb = aws.codebuild_project
_cp = aws.codepipeline

# What S3 (on behalf of CodePipeline and CodeBuild) calls on the artifact key.
ARTIFACT_KEY_ACTIONS = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey")


class AccessLogTarget(Protocol):
    """A logs bucket that accepts S3 server access logs (``s3-access/<bucket>/``)."""

    logs_bucket_name: str
    logs_bucket_policy: Any


@dataclass(frozen=True)
class DeployTarget:
    """One service the pipeline builds and deploys: its image repository, its ECS service and where its
    Dockerfile is in the GitHub repository. ``name`` is the service's short name, which is also its
    container's name in the task definition (``imagedefinitions.json`` names the container)."""

    name: str
    repository: EcrRepository
    service: EcsService
    source_directory: str = "."


def image_artifact(service: str) -> str:
    """Name of the build output of ``service`` (``imagedefinitions.json``) between Build and Deploy."""
    return f"{service}_image"


# -- the buildspec -----------------------------------------------------------------

def buildspec(*, docker_hub_login: bool = False) -> dict[str, Any]:
    """The buildspec of every service (as data; :func:`to_yaml` renders it).

    It reads only the project's environment variables: ``REPOSITORY_URI``,
    ``REPOSITORY_NAME``, ``AWS_DEFAULT_REGION``, ``AWS_ACCOUNT_ID``, ``CONTAINER_NAME``,
    ``BUILD_CONTEXT``, ``DOCKERFILE`` (the build file, relative to the context) (and ``DOCKERHUB_USERNAME`` / ``DOCKERHUB_TOKEN`` from Secrets Manager
    with ``docker_hub_login``). No ``${...}``: Terraform would take it for an interpolation.
    Variables persist across phases (buildspec 0.2), and
    ``on-failure: ABORT`` stops the build at the first failing phase, so no
    ``imagedefinitions.json`` is written for an image that was not pushed.
    """
    pre_build = [
        '[ -n "$CODEBUILD_RESOLVED_SOURCE_VERSION" ] || { echo "no source commit to tag the image with" >&2; false; }',
        f'IMAGE_TAG="$(printf %s "$CODEBUILD_RESOLVED_SOURCE_VERSION" | cut -c 1-{COMMIT_TAG_LENGTH})"',
        'IMAGE_URI="$REPOSITORY_URI:$IMAGE_TAG"',
        'ECR_REGISTRY="$(printf %s "$REPOSITORY_URI" | cut -d / -f 1)"',
    ]
    if docker_hub_login:
        pre_build.append(
            'printf %s "$DOCKERHUB_TOKEN" | docker login --username "$DOCKERHUB_USERNAME" --password-stdin')
    pre_build += [
        'aws ecr get-login-password --region "$AWS_DEFAULT_REGION"'
        ' | docker login --username AWS --password-stdin "$ECR_REGISTRY"',
        # Tags are immutable: a commit that was already pushed (a re-run) reuses its image.
        'if aws ecr describe-images --repository-name "$REPOSITORY_NAME" --image-ids imageTag="$IMAGE_TAG"'
        ' > /dev/null 2>&1; then IMAGE_EXISTS=yes; else IMAGE_EXISTS=no; fi',
    ]
    return {
        "version": 0.2,
        "env": {"shell": "bash"},
        "phases": {
            "pre_build": {"on-failure": "ABORT", "commands": pre_build},
            "build": {"on-failure": "ABORT", "commands": [
                'if [ "$IMAGE_EXISTS" = yes ]; then echo "$IMAGE_URI exists (immutable tag): reusing it";'
                ' else docker build --file "$BUILD_CONTEXT/$DOCKERFILE" --tag "$IMAGE_URI" "$BUILD_CONTEXT"; fi',
                'if [ "$IMAGE_EXISTS" = no ]; then docker push "$IMAGE_URI"; fi',
            ]},
            "post_build": {"on-failure": "ABORT", "commands": [
                f'printf \'[{{"name":"%s","imageUri":"%s"}}]\' "$CONTAINER_NAME" "$IMAGE_URI"'
                f' > {IMAGE_DEFINITIONS_FILE}',
            ]},
        },
        "artifacts": {"files": [IMAGE_DEFINITIONS_FILE]},
    }


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def to_yaml(value: Any, indent: int = 0) -> str:
    """Block-style YAML of dicts, lists and scalars; every scalar is written JSON-quoted (a valid YAML
    double-quoted scalar), so no command text can change the document's structure."""
    pad = "  " * indent
    lines: list[str] = []
    if "${" in json.dumps(value) or "%{" in json.dumps(value):
        # Terraform would read these as its own template syntax inside the JSON it is given.
        raise ValueError("a buildspec may not contain '${' or '%{' (Terraform template syntax)")
    if isinstance(value, dict):
        for key, item in value.items():
            if not _PLAIN_KEY.match(key):
                raise ValueError(f"buildspec key {key!r} needs quoting")
            if isinstance(item, (dict, list)):
                lines.append(f"{pad}{key}:")
                lines.append(to_yaml(item, indent + 1))
            else:
                lines.append(f"{pad}{key}: {json.dumps(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)):
                raise ValueError("nested collections in lists are not needed by a buildspec")
            lines.append(f"{pad}- {json.dumps(item)}")
    else:
        raise ValueError("to_yaml renders a dict or a list")
    return "\n".join(lines)


# -- the construct -------------------------------------------------------------------

class CodePipeline(Construct):
    """Attributes: ``connection`` (``None`` with ``connection_arn``), ``connection_arn``,
    ``artifact_key`` (:class:`KmsKey`), ``artifact_bucket``, ``artifact_bucket_name``,
    ``build_projects``, ``build_log_groups``, ``build_roles`` (by service), ``pipeline_role``,
    ``pipeline``, ``pipeline_name``, ``pipeline_arn``, ``stage_names``."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        options: PipelineOptions,
        cluster: EcsCluster,
        targets: Sequence[DeployTarget],
        secrets: Secrets | None = None,
        access_logs: AccessLogTarget | None = None,
        bucket_prefix: str | None = None,
        build_image: str = DEFAULT_BUILD_IMAGE,
    ) -> None:
        """
        :param options: repository, branch, approval, connection, build size and timeout, artifact
            retention, Docker Hub login (see :class:`~modules.cicd.options.PipelineOptions`; the
            defaults are its).
        :param targets: the services to build and deploy, in stage order (at least one).
        :param secrets: the stack's secrets, where ``options.docker_hub_secret`` is (JSON keys
            ``username`` and ``token``); defaults to none.
        :param access_logs: the environment's buckets; defaults to none: no S3 access logs of the
            artifact bucket (with buckets: to the logs bucket under ``s3-access-logs/``).
        :param bucket_prefix: first part of the artifact bucket's name; defaults to the project name.
        :param build_image: defaults to CodeBuild's Amazon Linux 2023 standard image.
        The build log groups are kept the stack's ``log_retention_days``; the stack's ``force_destroy`` lets
        a destroy delete the artifact bucket with its artifacts (off: ``BucketNotEmpty``).
        """
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        naming, region, account_id = stack.naming, stack.region, stack.account_id
        log_retention_days, force_destroy = stack.log_retention_days, stack.force_destroy
        self.options = o = options
        repository, branch, manual_approval, connection_arn = o.repository, o.branch, o.manual_approval, \
            o.connection_arn
        artifact_retention_days, build_compute_type, build_timeout_minutes = (o.artifact_retention_days,
                                                                              o.build_compute_type,
                                                                              o.build_timeout_minutes)
        log_kms_key_arn = stack.logs_key.key_arn
        docker_hub_secret_arn = secrets.secret_arns[o.docker_hub_secret] if o.docker_hub_secret else None
        docker_hub_secret_kms_key_arn = secrets.kms_key_arn if o.docker_hub_secret else None
        self._force_destroy = force_destroy
        if not targets:
            raise ValueError("a pipeline needs at least one service to build and deploy")
        self._naming = naming
        self._region = region
        self._account_id = account_id
        self._partition = partition_of(region)

        # -- source connection -------------------------------------------------------
        self.connection = None
        if connection_arn is None:
            self.connection = aws.codestarconnections_connection.CodestarconnectionsConnection(
                self, "connection", name=naming.connection_name(), provider_type="GitHub",
            )
            connection_arn = self.connection.arn
        self.connection_arn: str = connection_arn

        # -- artifact store ----------------------------------------------------------
        self.artifact_key = KmsKey(
            self, "artifact-key", purpose="artifacts",
            description=f"CI/CD artifacts of {naming.project}-{naming.environment}",
        )
        self.artifact_bucket = self._artifact_bucket(bucket_prefix, artifact_retention_days, access_logs)
        self.artifact_bucket_name: str = self.artifact_bucket.bucket

        # -- builds ------------------------------------------------------------------
        self.build_projects: dict[str, Any] = {}
        self.build_log_groups: dict[str, Any] = {}
        self.build_roles: dict[str, Any] = {}
        for target in targets:
            self._build(
                target, log_retention_days=log_retention_days, log_kms_key_arn=log_kms_key_arn,
                image=build_image, compute_type=build_compute_type, timeout_minutes=build_timeout_minutes,
                docker_hub_secret_arn=docker_hub_secret_arn, docker_hub_kms_key_arn=docker_hub_secret_kms_key_arn,
            )

        # -- pipeline ----------------------------------------------------------------
        self.pipeline_role = aws.iam_role.IamRole(
            self, "pipeline-role", name=naming.role_name("pipeline"),
            description=f"CodePipeline {naming.pipeline_name()}: source, builds, ECS deploys",
            assume_role_policy=service_trust("codepipeline.amazonaws.com"),
        )
        pipeline_policy = aws.iam_role_policy.IamRolePolicy(
            self, "pipeline-policy", role=self.pipeline_role.id, name="pipeline",
            policy=document(*self._pipeline_statements(cluster, targets)),
        )
        repository, branch = terraform_literal(repository), terraform_literal(branch)
        stages = [self._source_stage(repository, branch), self._build_stage(targets)]
        if manual_approval:
            stages.append(self._approval_stage(repository, branch))
        stages.append(self._deploy_stage(cluster, targets))
        self.stage_names: list[str] = [s.name for s in stages]

        self.pipeline = _cp.Codepipeline(
            self, "pipeline", name=naming.pipeline_name(), role_arn=self.pipeline_role.arn,
            pipeline_type="V2", execution_mode="SUPERSEDED",
            artifact_store=[_cp.CodepipelineArtifactStore(
                type="S3", location=self.artifact_bucket.bucket,
                encryption_key=_cp.CodepipelineArtifactStoreEncryptionKey(id=self.artifact_key.key_arn, type="KMS"),
            )],
            stage=stages,
            trigger=[_cp.CodepipelineTrigger(
                provider_type="CodeStarSourceConnection",
                git_configuration=_cp.CodepipelineTriggerGitConfiguration(
                    source_action_name=SOURCE_ACTION,
                    push=[_cp.CodepipelineTriggerGitConfigurationPush(
                        branches=_cp.CodepipelineTriggerGitConfigurationPushBranches(includes=[branch]),
                    )],
                ),
            )],
            depends_on=[pipeline_policy],
        )
        self.pipeline_name: str = self.pipeline.name
        self.pipeline_arn: str = self.pipeline.arn

    # -- artifact bucket ---------------------------------------------------------------
    def _artifact_bucket(self, prefix: str | None, retention_days: int, access_logs: AccessLogTarget | None):
        naming = self._naming
        bucket = SecureBucket(
            self, "artifacts", name=naming.bucket_name("artifacts", self._account_id, prefix=prefix),
            tags=naming.tag("artifacts"), versioned=True, kms_key_arn=self.artifact_key.key_arn,
            abort_incomplete_uploads_days=None,
            lifecycle_rules=[
                _lc.S3BucketLifecycleConfigurationRule(
                    id="expire-artifacts", status="Enabled",
                    filter=[_lc.S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                    expiration=[_lc.S3BucketLifecycleConfigurationRuleExpiration(days=retention_days)],
                    noncurrent_version_expiration=[
                        _lc.S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(noncurrent_days=1),
                    ],
                    abort_incomplete_multipart_upload=[
                        _lc.S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(days_after_initiation=1),
                    ],
                ),
                _lc.S3BucketLifecycleConfigurationRule(
                    id="remove-expired-delete-markers", status="Enabled",
                    filter=[_lc.S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                    expiration=[_lc.S3BucketLifecycleConfigurationRuleExpiration(expired_object_delete_marker=True)],
                ),
            ],
        ).bucket
        if access_logs is not None:
            aws.s3_bucket_logging.S3BucketLoggingA(
                self, "artifacts-logging", bucket=bucket.id, target_bucket=access_logs.logs_bucket_name,
                target_prefix=f"{ACCESS_LOG_PREFIX}/{bucket.bucket}/",
                depends_on=[access_logs.logs_bucket_policy],
            )
        return bucket

    # -- builds ------------------------------------------------------------------------
    def _build(
        self, target: DeployTarget, *, log_retention_days: int, log_kms_key_arn: str | None, image: str,
        compute_type: str, timeout_minutes: int, docker_hub_secret_arn: str | None,
        docker_hub_kms_key_arn: str | None,
    ) -> None:
        naming, name = self._naming, target.name
        log_group = aws.cloudwatch_log_group.CloudwatchLogGroup(
            self, f"build-{name}-logs", name=naming.build_log_group_name(name),
            retention_in_days=log_retention_days, kms_key_id=log_kms_key_arn,
        )
        role = aws.iam_role.IamRole(
            self, f"build-{name}-role", name=naming.role_name(name, "build"),
            description=f"CodeBuild {naming.build_project_name(name)}: build and push the {name} image",
            assume_role_policy=service_trust("codebuild.amazonaws.com", source_account=self._account_id),
        )
        statements = [
            allow("WriteBuildLogs", ["logs:CreateLogStream", "logs:PutLogEvents"],
                  [log_group.arn, f"{log_group.arn}:*"]),
            *self._artifact_statements(),
            # GetAuthorizationToken has no resource-level scoping: AWS requires "*".
            allow("EcrLogin", ["ecr:GetAuthorizationToken"], "*"),
            allow("EcrPush", [
                "ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
                "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage", "ecr:DescribeImages",
            ], target.repository.repository_arn),
        ]
        variables = [
            ("REPOSITORY_URI", target.repository.repository_url),
            ("REPOSITORY_NAME", target.repository.repository_name),
            ("AWS_DEFAULT_REGION", self._region),
            ("AWS_ACCOUNT_ID", self._account_id),
            ("CONTAINER_NAME", name),
            ("BUILD_CONTEXT", terraform_literal(target.source_directory)),
            ("DOCKERFILE", terraform_literal(self.options.dockerfile)),
        ]
        environment_variables = [
            _cb.CodebuildProjectEnvironmentEnvironmentVariable(name=k, value=v, type="PLAINTEXT")
            for k, v in variables
        ]
        if docker_hub_secret_arn:
            environment_variables += [
                _cb.CodebuildProjectEnvironmentEnvironmentVariable(
                    name=variable, value=f"{docker_hub_secret_arn}:{key}", type="SECRETS_MANAGER",
                )
                for variable, key in (("DOCKERHUB_USERNAME", "username"), ("DOCKERHUB_TOKEN", "token"))
            ]
            statements.append(allow("ReadDockerHubSecret", ["secretsmanager:GetSecretValue"], docker_hub_secret_arn))
            if docker_hub_kms_key_arn:
                statements.append(allow(
                    "DecryptDockerHubSecret", ["kms:Decrypt"], docker_hub_kms_key_arn,
                    condition={"StringEquals": {"kms:ViaService": f"secretsmanager.{self._region}.amazonaws.com"}},
                ))
        policy = aws.iam_role_policy.IamRolePolicy(
            self, f"build-{name}-policy", role=role.id, name="build-and-push", policy=document(*statements),
        )
        project = _cb.CodebuildProject(
            self, f"build-{name}", name=naming.build_project_name(name),
            description=f"Docker image of {name}: build, tag with the commit, push to ECR, "
                        f"write {IMAGE_DEFINITIONS_FILE}",
            service_role=role.arn, build_timeout=timeout_minutes, encryption_key=self.artifact_key.key_arn,
            source=_cb.CodebuildProjectSource(
                type="CODEPIPELINE", buildspec=to_yaml(buildspec(docker_hub_login=bool(docker_hub_secret_arn))),
            ),
            artifacts=_cb.CodebuildProjectArtifacts(type="CODEPIPELINE"),
            environment=_cb.CodebuildProjectEnvironment(
                type="LINUX_CONTAINER", compute_type=compute_type, image=image,
                image_pull_credentials_type="CODEBUILD",
                privileged_mode=True,  # the Docker daemon needs it: the build runs `docker build`
                environment_variable=environment_variables,
            ),
            logs_config=_cb.CodebuildProjectLogsConfig(
                cloudwatch_logs=_cb.CodebuildProjectLogsConfigCloudwatchLogs(
                    status="ENABLED", group_name=log_group.name,
                ),
                s3_logs=_cb.CodebuildProjectLogsConfigS3Logs(status="DISABLED"),
            ),
            depends_on=[policy],
        )
        self.build_log_groups[name] = log_group
        self.build_roles[name] = role
        self.build_projects[name] = project

    # -- IAM ---------------------------------------------------------------------------
    def _artifact_statements(self) -> list[Statement]:
        bucket = self.artifact_bucket.arn
        return [
            allow("ArtifactBucket", ["s3:GetBucketVersioning", "s3:GetBucketAcl", "s3:GetBucketLocation"], bucket),
            allow("ArtifactObjects", ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"], f"{bucket}/*"),
            allow("ArtifactKey", list(ARTIFACT_KEY_ACTIONS), self.artifact_key.key_arn),
        ]

    def _ecs_arn(self, resource: str) -> str:
        return f"arn:{self._partition}:ecs:{self._region}:{self._account_id}:{resource}"

    def _pipeline_statements(self, cluster: EcsCluster, targets: Sequence[DeployTarget]) -> list[Statement]:
        services = [t.service for t in targets]
        roles = [arn for s in services for arn in (s.execution_role.arn, s.task_role.arn)]
        return [
            *self._artifact_statements(),
            allow("UseGitHubConnection", ["codestar-connections:UseConnection"], self.connection_arn),
            allow("RunBuilds", ["codebuild:StartBuild", "codebuild:BatchGetBuilds"],
                  [p.arn for p in self.build_projects.values()]),
            allow("DeployServices", ["ecs:DescribeServices", "ecs:UpdateService"], [s.service_arn for s in services]),
            allow("WatchDeployments", ["ecs:DescribeTasks"], self._ecs_arn(f"task/{cluster.cluster_name}/*")),
            allow("ListClusterTasks", ["ecs:ListTasks"], "*",
                  condition={"ArnEquals": {"ecs:cluster": cluster.cluster_arn}}),
            # Task definitions have no resource-level permission for these two: AWS requires "*".
            allow("RegisterTaskDefinitions", ["ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition"], "*"),
            allow("TagNewRevisions", ["ecs:TagResource"],
                  [self._ecs_arn(f"task-definition/{s.task_definition.family}:*") for s in services],
                  condition={"StringEquals": {"ecs:CreateAction": "RegisterTaskDefinition"}}),
            allow("PassServiceRoles", ["iam:PassRole"], roles,
                  condition={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}),
        ]

    # -- stages ------------------------------------------------------------------------
    def _source_stage(self, repository: str, branch: str):
        return _cp.CodepipelineStage(name=STAGE_SOURCE, action=[_cp.CodepipelineStageAction(
            name=SOURCE_ACTION, category="Source", owner="AWS", provider="CodeStarSourceConnection", version="1",
            namespace=SOURCE_NAMESPACE, output_artifacts=[SOURCE_ARTIFACT],
            configuration={
                "ConnectionArn": self.connection_arn,
                "FullRepositoryId": repository,
                "BranchName": branch,
                "OutputArtifactFormat": "CODE_ZIP",
            },
        )])

    def _build_stage(self, targets: Sequence[DeployTarget]):
        return _cp.CodepipelineStage(name=STAGE_BUILD, action=[
            _cp.CodepipelineStageAction(
                name=t.name, category="Build", owner="AWS", provider="CodeBuild", version="1", run_order=1,
                input_artifacts=[SOURCE_ARTIFACT], output_artifacts=[image_artifact(t.name)],
                configuration={"ProjectName": self.build_projects[t.name].name},
            )
            for t in targets
        ])

    def _approval_stage(self, repository: str, branch: str):
        commit = f"#{{{SOURCE_NAMESPACE}.CommitId}}"
        return _cp.CodepipelineStage(name=STAGE_APPROVAL, action=[_cp.CodepipelineStageAction(
            name=APPROVAL_ACTION, category="Approval", owner="AWS", provider="Manual", version="1",
            configuration={
                "CustomData": f"Deploy {repository}@{branch} commit {commit} to {self._naming.environment}?",
                "ExternalEntityLink": f"https://github.com/{repository}/commit/{commit}",
            },
        )])

    def _deploy_stage(self, cluster: EcsCluster, targets: Sequence[DeployTarget]):
        return _cp.CodepipelineStage(name=STAGE_DEPLOY, action=[
            _cp.CodepipelineStageAction(
                name=t.name, category="Deploy", owner="AWS", provider="ECS", version="1", run_order=1,
                input_artifacts=[image_artifact(t.name)],
                configuration={
                    "ClusterName": cluster.cluster_name,
                    "ServiceName": t.service.service_name,
                    "FileName": IMAGE_DEFINITIONS_FILE,
                },
            )
            for t in targets
        ])
