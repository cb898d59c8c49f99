"""A deploy role that GitHub Actions assumes through GitHub's OIDC provider — no stored AWS keys.

The trust policy admits only tokens for one repository and one branch
(``repo:<owner>/<name>:ref:refs/heads/<branch>``) with the ``sts.amazonaws.com``
audience. The permissions allow exactly what a deploy of one ECS service from
one ECR repository does: push images to that repository, register the next
revision of that service's task definition (passing only its two roles), and
update that service. ``ecr:GetAuthorizationToken`` and
``ecs:RegisterTaskDefinition``/``DescribeTaskDefinition`` do not support
resource-level permissions in IAM, so they name ``*``; every other action is
scoped to an ARN.
"""

from __future__ import annotations

import json
from typing import Sequence

from modules.compute.ecr import EcrRepository
from modules.compute.ecs_service import EcsService
from modules.framework import Construct, aws
from modules.iam.policy import allow, document
from modules.stack import ProjectStack

from modules.account.baseline import GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_URL, github_oidc_provider_arn
ECR_PUSH_ACTIONS = (
    "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload",
    "ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart",
)


VERIFY_ACTIONS = (
    "ecs:DescribeClusters", "ecs:DescribeServices", "ecs:DescribeTaskDefinition", "ecs:DescribeTasks",
    "ecs:ListTasks", "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth",
    "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets",
)
"""What a verify-deployment script reads after a deploy (read-only; IAM scopes these to ``*``)."""


def github_trust(oidc_provider_arn: str, subjects: Sequence[str]) -> dict:
    """Trust for GitHub Actions through the account's OIDC provider: the ``sts.amazonaws.com`` audience
    and exactly these ``sub`` claims (``StringLike`` only when one carries a wildcard)."""
    host = GITHUB_OIDC_URL.removeprefix("https://")
    condition: dict[str, dict] = {"StringEquals": {f"{host}:aud": GITHUB_OIDC_AUDIENCE}}
    if any("*" in s for s in subjects):
        condition["StringLike"] = {f"{host}:sub": list(subjects)}
    else:
        condition["StringEquals"][f"{host}:sub"] = list(subjects)
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": oidc_provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": condition,
        }],
    }


class GithubActionsRole(Construct):
    """A role GitHub Actions workflows assume through the account's OIDC provider, allowed exactly
    ``statements``. Attributes: ``role``, ``role_arn``, ``role_name``. Construct IDs ``role``, ``policy``."""

    def __init__(self, scope: Construct, id: str, *, name: str, subjects: Sequence[str], description: str,
                 statements: Sequence, oidc_provider_arn: str | None = None) -> None:
        """
        :param name: short name: the role is ``<project>-<name>-<env>``.
        :param subjects: the ``sub`` claims admitted (:meth:`GithubDeployOptions.subjects`).
        :param oidc_provider_arn: defaults to the account's provider (its account stack creates it).
        """
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        provider = oidc_provider_arn or github_oidc_provider_arn(stack)
        self.role = aws.iam_role.IamRole(
            self, "role", name=stack.naming.role_name(name), assume_role_policy=json.dumps(github_trust(provider, subjects)),
            description=description, max_session_duration=3600,
        )
        aws.iam_role_policy.IamRolePolicy(self, "policy", role=self.role.id, name=name, policy=document(*statements))
        self.role_arn: str = self.role.arn
        self.role_name: str = self.role.name


class GithubDeployRole(Construct):
    """Attributes: ``role_arn``, ``role_name``, ``oidc_provider_arn``."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        repository: str,
        branch: str,
        image_repository: EcrRepository,
        service: EcsService,
        oidc_provider_arn: str | None = None,
        extra_subjects: Sequence[str] = (),
        verify: bool = False,
    ) -> None:
        """
        :param repository: the GitHub repository ``owner/name`` whose workflows may deploy.
        :param branch: the only branch whose workflow runs may assume the role.
        :param oidc_provider_arn: defaults to the account's GitHub OIDC provider, which its account stack
            (``account-<name>``) creates: an environment stack never creates it (one per account).
        :param extra_subjects: further ``sub`` claims admitted (e.g. ``repo:o/n:environment:prod``);
            defaults to none.
        :param verify: defaults to off; on, the role may also read what a verify-deployment script checks
            (the cluster, its services and tasks, the load balancer and target health, subnets, security
            groups and network interfaces): read-only ``Describe``/``List`` actions, which IAM scopes
            to ``*`` only.
        """
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        if oidc_provider_arn is None:
            oidc_provider_arn = github_oidc_provider_arn(stack)
        self.oidc_provider_arn: str = oidc_provider_arn
        trust = github_trust(oidc_provider_arn, [f"repo:{repository}:ref:refs/heads/{branch}", *extra_subjects])
        self.role = aws.iam_role.IamRole(
            self, "role", name=stack.naming.role_name("github-deploy"), assume_role_policy=json.dumps(trust),
            description=f"GitHub Actions deploys of {repository}@{branch}", max_session_duration=3600,
        )
        aws.iam_role_policy.IamRolePolicy(
            self, "policy", role=self.role.id, name="deploy",
            policy=document(
                allow("EcrLogin", ["ecr:GetAuthorizationToken"], "*"),
                allow("EcrPush", list(ECR_PUSH_ACTIONS), image_repository.repository.arn),
                allow("TaskDefinitions", ["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"], "*"),
                allow("PassTaskRoles", ["iam:PassRole"],
                      [service.execution_role.arn, service.task_role.arn],
                      condition={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}),
                allow("UpdateService", ["ecs:DescribeServices", "ecs:UpdateService"], service.service.id),
                *([allow("VerifyDeployment", list(VERIFY_ACTIONS), "*")] if verify else []),
            ),
        )
        self.role_arn: str = self.role.arn
        self.role_name: str = self.role.name
