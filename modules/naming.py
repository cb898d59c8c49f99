"""Physical names: one helper builds them all and enforces AWS's length limits."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from enum import Enum

from modules.errors import ConfigError


class NameKind(Enum):
    """AWS resource kinds whose names are limited, with the limit."""

    ALB = ("ALB name", 32)
    TARGET_GROUP = ("target group name", 32)
    S3_BUCKET = ("S3 bucket name", 63)
    IAM_ROLE = ("IAM role name", 64)
    SECURITY_GROUP = ("security group name", 255)
    ECS_CLUSTER = ("ECS cluster name", 255)
    ECR_REPOSITORY = ("ECR repository name", 256)
    SECRET = ("Secrets Manager secret name", 512)
    DB_PARAMETER_GROUP = ("RDS/ElastiCache parameter or subnet group name", 255)
    ELASTICACHE_GROUP = ("ElastiCache replication group id", 40)
    RDS_IDENTIFIER = ("RDS identifier", 63)
    LOG_GROUP = ("log group name", 512)
    KMS_ALIAS = ("KMS alias name (after alias/)", 250)
    WAF_WEB_ACL = ("WAF web ACL name", 128)
    LOG_RESOURCE_POLICY = ("CloudWatch Logs resource policy name", 255)
    TASK_FAMILY = ("ECS task definition family", 255)
    ECS_SERVICE = ("ECS service name", 255)
    SNS_TOPIC = ("SNS topic name", 256)
    ALARM = ("CloudWatch alarm name", 255)
    DASHBOARD = ("CloudWatch dashboard name", 255)
    CODEBUILD_PROJECT = ("CodeBuild project name", 150)
    CODEPIPELINE = ("CodePipeline name", 100)
    CODESTAR_CONNECTION = ("CodeStar connection name", 32)
    CLOUDFRONT_OAC = ("CloudFront origin access control name", 64)
    CLOUDFRONT_POLICY = ("CloudFront response headers policy name", 128)
    EKS_CLUSTER = ("EKS cluster name", 100)
    EKS_NODE_GROUP = ("EKS node group name", 63)
    LAUNCH_TEMPLATE = ("launch template name", 128)
    SQS_QUEUE = ("SQS queue name", 80)
    LAMBDA_FUNCTION = ("Lambda function name", 64)
    SCHEDULE = ("EventBridge Scheduler schedule name", 64)
    EVENT_RULE = ("EventBridge rule name", 64)
    EVENT_BUS = ("EventBridge event bus name", 256)
    GENERIC = ("name", 255)

    @property
    def label(self) -> str:
        return self.value[0]

    @property
    def limit(self) -> int:
        return self.value[1]


@dataclass(frozen=True)
class Naming:
    """``Naming("shop", "dev")("alb") == "shop-alb-dev"``.

    Every physical name in the project comes from here, so a longer project
    or environment name is caught once, with the fix, before any output.
    """

    project: str
    environment: str

    def __call__(self, *parts: str, kind: NameKind = NameKind.GENERIC, env_suffix: bool = True) -> str:
        pieces = [self.project, *parts] + ([self.environment] if env_suffix else [])
        name = "-".join(p for p in pieces if p)
        return self.check(name, kind)

    def check(self, name: str, kind: NameKind) -> str:
        """Return ``name`` or raise :class:`ConfigError` if AWS would reject its length."""
        if len(name) > kind.limit:
            raise ConfigError(
                self.environment,
                "project.name / environment name",
                name,
                f"{kind.label} is {len(name)} chars; AWS allows {kind.limit}",
                "shorten the project or environment name",
            )
        return name

    def alb_name(self) -> str:
        """``<project>-alb-<env>`` (AWS: at most 32 characters)."""
        return self("alb", kind=NameKind.ALB)

    def target_group_name(self, service: str) -> str:
        """``<project>-<service>-tg-<env>`` (AWS: at most 32 characters, unique per account and region)."""
        return self(service, "tg", kind=NameKind.TARGET_GROUP)

    def secret_name(self, *parts: str) -> str:
        """``<project>/<env>/<parts...>``: the Secrets Manager path (``<project>/<env>/database``)."""
        return self.check("/".join([self.project, self.environment, *parts]), NameKind.SECRET)

    def tag(self, *parts: str) -> dict[str, str]:
        """A ``Name`` tag (not length-checked: tags allow 256 chars)."""
        return {"Name": "-".join([self.project, *parts, self.environment])}

    def ecs_cluster_name(self) -> str:
        """``<project>-cluster-<env>``: cluster names are unique per account and region, and
        environments may share an account."""
        return self("cluster", kind=NameKind.ECS_CLUSTER)

    def ecs_service_name(self, service: str) -> str:
        """``<project>-<service>-service`` (the name a pipeline deploys to): unique within its cluster, which carries the env."""
        return self(service, "service", kind=NameKind.ECS_SERVICE, env_suffix=False)

    def task_family(self, service: str) -> str:
        """``<project>-<service>-<env>``: families are per account and region."""
        return self(service, kind=NameKind.TASK_FAMILY)

    def repository_name(self, base: str) -> str:
        """``<base>-<env>``, e.g. ``shop-frontend-dev``: repositories are per account and region."""
        return self.check(f"{base}-{self.environment}", NameKind.ECR_REPOSITORY)

    def ecs_log_group_name(self, service: str) -> str:
        """``/aws/ecs/<project>-<service>-<env>`` (the service's log group plus the env: envs may share an account)."""
        return self.check(f"/aws/ecs/{self(service)}", NameKind.LOG_GROUP)

    def role_name(self, *parts: str) -> str:
        """``<project>-<parts>-<env>`` (IAM: at most 64 characters, unique per account)."""
        return self(*parts, kind=NameKind.IAM_ROLE)

    def build_project_name(self, service: str) -> str:
        """``<project>-<service>-build-<env>``: the project's build name plus the env, because
        CodeBuild project names are unique per account and region and environments may share an account."""
        return self(service, "build", kind=NameKind.CODEBUILD_PROJECT)

    def build_log_group_name(self, service: str) -> str:
        """``/aws/codebuild/<project>-<service>-build-<env>``: CodeBuild's own default for the project."""
        return self.check(f"/aws/codebuild/{self.build_project_name(service)}", NameKind.LOG_GROUP)

    def pipeline_name(self) -> str:
        """``<project>-pipeline-<env>`` (CodePipeline: at most 100 characters, unique per account and region)."""
        return self("pipeline", kind=NameKind.CODEPIPELINE)

    def connection_name(self) -> str:
        """``<project>-github-<env>`` (CodeStar connections: at most 32 characters)."""
        return self("github", kind=NameKind.CODESTAR_CONNECTION)

    def bucket_name(self, purpose: str, account_id: str, *, prefix: str | None = None) -> str:
        """``<prefix>-<purpose>-<env>-<account_id>``, checked against S3's rules.

        ``prefix`` defaults to the project name. ``account_id`` is usually a token at synth
        time, so the check assumes a 12-digit ID.
        """
        start = prefix or self.project
        probe = f"{start}-{purpose}-{self.environment}-{'0' * 12}"
        if problem := bucket_name_problem(probe):
            raise ConfigError(
                self.environment, "storage.bucket_prefix" if prefix else "project.name / environment name",
                probe.replace("0" * 12, "<account-id>"), problem,
                "use lowercase letters, digits and '-', and keep the name within 63 characters",
            )
        return f"{start}-{purpose}-{self.environment}-{account_id}"


_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")


def bucket_name_problem(name: str) -> str | None:
    """What breaks S3's bucket naming rules in ``name``, or ``None`` if it is valid."""
    if not 3 <= len(name) <= 63:
        return f"S3 bucket names are 3 to 63 characters; this one has {len(name)}"
    if not _BUCKET.match(name):
        return "S3 bucket names use lowercase letters, digits, '.' and '-', and start and end with a letter or digit"
    if ".." in name or ".-" in name or "-." in name:
        return "S3 bucket names may not have '..', '.-' or '-.'"
    try:
        ipaddress.IPv4Address(name)
        return "S3 bucket names may not look like an IP address"
    except ValueError:
        pass
    for prefix in ("xn--", "sthree-", "amzn-s3-demo-"):
        if name.startswith(prefix):
            return f"S3 bucket names may not start with '{prefix}'"
    for suffix in ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"):
        if name.endswith(suffix):
            return f"S3 bucket names may not end with '{suffix}'"
    return None
