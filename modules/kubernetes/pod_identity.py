"""An IAM role for one Kubernetes service account, bound through an EKS Pod Identity association.

* **Trust**: ``pods.eks.amazonaws.com`` only (``sts:AssumeRole`` and ``sts:TagSession``, as EKS
  Pod Identity requires), and only for this account and this cluster (``aws:SourceAccount``,
  ``aws:SourceArn``): another cluster's pods cannot use the role.
* **Binding**: an ``aws_eks_pod_identity_association`` of ``<namespace>/<service account>``:
  the agent (the ``eks-pod-identity-agent`` add-on) hands the pods of that service account the
  role's credentials; the service account needs no annotation.
* **Permissions**: AWS managed policies by name, and/or statements (an inline policy), and/or a
  policy document kept as a reviewed JSON file (a controller's published policy).

Construct IDs (Terraform addresses): ``role``, ``policy``, ``document``, ``managed-<n>``, ``association``.
"""

from __future__ import annotations

import json
from typing import Sequence

from modules.framework import Construct, aws
from modules.iam.policy import Statement, document
from modules.security.kms import partition_of
from modules.stack import ProjectStack

POD_IDENTITY_PRINCIPAL = "pods.eks.amazonaws.com"


def pod_identity_trust(account_id: str, cluster_arn: str) -> str:
    """The trust policy of a Pod Identity role: EKS's pods service, for this account's cluster only."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "EksPodIdentity", "Effect": "Allow", "Principal": {"Service": POD_IDENTITY_PRINCIPAL},
        "Action": ["sts:AssumeRole", "sts:TagSession"],
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id}, "ArnEquals": {"aws:SourceArn": cluster_arn}},
    }]})


class PodIdentityRole(Construct):
    """Attributes: ``role``, ``role_arn``, ``role_name``, ``association``, ``namespace``, ``service_account``."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster,
        namespace: str,
        service_account: str,
        name: str,
        description: str,
        managed_policies: Sequence[str] = (),
        statements: Sequence[Statement] = (),
        policy_document: dict | None = None,
    ) -> None:
        """
        :param cluster: an :class:`~modules.kubernetes.eks_cluster.EksCluster`.
        :param name: short name: the role is ``<project>-<name>-<env>`` (IAM's 64 characters checked).
        :param managed_policies: AWS managed policy names after ``arn:aws:iam::aws:policy/``, e.g.
            ``service-role/AmazonEBSCSIDriverPolicy``. Defaults to none.
        :param statements: an inline policy (``policy``) of these. Defaults to none.
        :param policy_document: a whole policy document as an inline policy (``document``). Defaults to none.
        """
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        partition = partition_of(stack.region)
        self.namespace, self.service_account = namespace, service_account
        self.role = aws.iam_role.IamRole(
            self, "role", name=stack.naming.role_name(name, "pod"), description=description,
            assume_role_policy=pod_identity_trust(stack.account_id, cluster.cluster_arn),
            tags=stack.naming.tag(name, "pod-identity"),
        )
        self.role_arn: str = self.role.arn
        self.role_name: str = self.role.name
        if statements:
            aws.iam_role_policy.IamRolePolicy(self, "policy", role=self.role.id, name=name,
                                              policy=document(*statements))
        if policy_document is not None:
            aws.iam_role_policy.IamRolePolicy(self, "document", role=self.role.id, name=f"{name}-published",
                                              policy=json.dumps(policy_document, separators=(",", ":")))
        for n, policy in enumerate(managed_policies, start=1):
            aws.iam_role_policy_attachment.IamRolePolicyAttachment(
                self, f"managed-{n}", role=self.role.name, policy_arn=f"arn:{partition}:iam::aws:policy/{policy}",
            )
        self.association = aws.eks_pod_identity_association.EksPodIdentityAssociation(
            self, "association", cluster_name=cluster.cluster.name, namespace=namespace,
            service_account=service_account, role_arn=self.role_arn, tags=stack.naming.tag(name, "pod-identity"),
        )
