"""IAM: the AWS managed policies exist in every account."""

from __future__ import annotations

from rehearsal.emulator.core import Patch, Replace, client_error, constant


def _probe_aws_managed_policies(session) -> bool:
    iam = session.client("iam")
    iam.create_role(RoleName="probe-managed", AssumeRolePolicyDocument="{}")
    return client_error(lambda: iam.attach_role_policy(
        RoleName="probe-managed", PolicyArn="arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"), "NoSuchEntity")


IAM_AWS_MANAGED_POLICIES = Patch(
    name="iam-aws-managed-policies",
    moto="has no AWS managed policies unless MOTO_IAM_LOAD_MANAGED_POLICIES is set: AttachRolePolicy of "
         "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy (or AmazonEKS_CNI_Policy, AmazonEKSWorkerNodePolicy, "
         "AmazonEC2ContainerRegistryPullOnly) fails with NoSuchEntity",
    aws="AWS managed policies exist in every account and are attached by ARN (the layer turns on moto's own "
        "copy of them, the same documents)",
    reference="https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html#aws-managed-policies ; "
              "https://docs.aws.amazon.com/eks/latest/userguide/security-iam-awsmanpol.html",
    probe=_probe_aws_managed_policies,
    replaces=(Replace("moto.iam.models", "load_iam_aws_managed_policies", constant(lambda: True)),),
)
