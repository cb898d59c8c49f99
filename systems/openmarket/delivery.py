"""OpenMarket's CI identity: the role the document's ``backend-ci``, ``frontend-ci`` and ``lambda-ci``
workflows assume through the account's GitHub OIDC provider.

It may push to the environment's two image repositories, find the cluster (``eks:DescribeCluster``,
for ``aws eks update-kubeconfig``), deploy inside the namespace ``openmarket-<env>`` only (an EKS
access entry with ``AmazonEKSEditPolicy`` scoped to that namespace: no other namespace, nothing
cluster-wide), and update the code of the four functions, nothing else. ``ecr:GetAuthorizationToken``
has no resource-level permission in IAM and names ``*``.

Built into the stack's scope: construct IDs ``ci`` (``role``, ``policy``) and the cluster's ``access-ci``.
"""

from __future__ import annotations

from modules.iam.github_oidc import ECR_PUSH_ACTIONS, GithubActionsRole
from modules.iam.policy import allow

FUNCTION_DELIVERY_ACTIONS = ("lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:UpdateFunctionCode")
"""``update-function-code``, and ``aws lambda wait function-updated`` after it."""


def add_ci_role(stack, settings) -> None:
    """Sets ``stack.ci_role`` (:class:`GithubActionsRole`)."""
    gh = settings.github
    stack.ci_role = GithubActionsRole(
        stack, "ci", name="github-ci", subjects=gh.subjects(),
        description=f"backend-ci, frontend-ci, lambda-ci of {gh.repository}@{gh.branch}",
        oidc_provider_arn=gh.oidc_provider_arn,
        statements=[
            allow("EcrLogin", ["ecr:GetAuthorizationToken"], "*"),
            allow("EcrPush", list(ECR_PUSH_ACTIONS), [r.repository.arn for r in stack.repositories.values()]),
            allow("FindTheCluster", ["eks:DescribeCluster"], stack.eks.cluster_arn),
            allow("UpdateFunctionCode", list(FUNCTION_DELIVERY_ACTIONS),
                  [f.function_arn for f in stack.functions.values()]),
        ],
    )
    stack.eks.grant_namespace("ci", principal_arn=stack.ci_role.role_arn, namespaces=[settings.namespace])
