"""An EKS control plane in the private subnets, locked down by default.

* **Version**: a Kubernetes version EKS still creates (``options.KUBERNETES_VERSIONS``).
* **Endpoint**: private (reachable from the VPC); public only when asked, and then only from
  the CIDRs given.
* **Secrets** envelope-encrypted with a customer-managed KMS key of their own (rotated yearly;
  the key policy lets the account use it only through EKS in this region).
* **Control-plane logs**: all five types to ``/aws/eks/<cluster>/cluster``, created first with a
  retention and the stack's logs key (left to EKS, it would never expire and be unencrypted).
* **Cluster role**: trusted by ``eks.amazonaws.com`` only, with AWS's managed
  ``AmazonEKSClusterPolicy`` and nothing else.
* **Access**: EKS access entries (authentication mode ``API``, no ``aws-auth`` ConfigMap); the
  creator gets no implicit admin: each role of ``admin_roles`` gets ``AmazonEKSClusterAdminPolicy``.
* **IRSA**: an IAM OIDC provider for the cluster's issuer (audience ``sts.amazonaws.com``).
* **Add-ons** pinned: ``vpc-cni`` and ``eks-pod-identity-agent`` with the cluster,
  ``kube-proxy`` and ``coredns`` with the first node group (:meth:`EksCluster.add_node_group`);
  with ``storage_driver``, ``aws-ebs-csi-driver`` too, after its Pod Identity role
  (``ebs-csi``: AWS's ``AmazonEBSCSIDriverPolicy`` for ``kube-system/ebs-csi-controller-sa``).
* **Namespace access** (:meth:`EksCluster.grant_namespace`): an access entry whose policy is
  scoped to namespaces (a CI role that deploys one namespace and nothing else).

Construct IDs (Terraform addresses): ``role``, ``role-cluster-policy``, ``secrets-key``,
``log-group``, ``cluster``, ``oidc``, ``admin-<n>``, ``admin-<n>-policy``, ``addon-<name>``,
``ebs-csi`` (:class:`PodIdentityRole`), ``nodes-<group>`` (:class:`ManagedNodeGroup`),
``access-<id>``, ``access-<id>-policy``.
"""

from __future__ import annotations

from typing import Sequence

from modules.errors import ConfigError
from modules.framework import Construct, aws
from modules.iam.policy import service_trust
from modules.kubernetes.options import (
    CONTROL_PLANE_LOG_TYPES,
    STORAGE_ADDON,
    STORAGE_ADDON_POLICY,
    STORAGE_ADDON_SERVICE_ACCOUNT,
    EksClusterOptions,
    NodeGroupOptions,
    cluster_problem,
)
from modules.naming import NameKind
from modules.networking.security_group import SecurityGroup
from modules.security.kms import KmsKey, partition_of
from modules.networking.vpc import Vpc
from modules.stack import ProjectStack

CLUSTER_POLICY = "AmazonEKSClusterPolicy"
CLUSTER_ADMIN_ACCESS_POLICY = "AmazonEKSClusterAdminPolicy"
NAMESPACE_EDIT_ACCESS_POLICY = "AmazonEKSEditPolicy"
"""Read and write most namespaced objects (deployments, services, config maps, secrets), no RBAC and
no cluster-scoped objects: what a deploy needs inside its namespaces."""
BEFORE_NODES = ("vpc-cni", "eks-pod-identity-agent")
AFTER_NODES = ("kube-proxy", "coredns")


class EksCluster(Construct):
    """Attributes: ``cluster`` (the resource), ``cluster_name``, ``cluster_endpoint``,
    ``cluster_arn``, ``cluster_security_group_id`` (the group EKS creates for control plane <->
    nodes), ``certificate_authority_data``, ``oidc_provider_arn``, ``oidc_issuer_url``,
    ``role_arn``, ``secrets_key`` (:class:`KmsKey`), ``log_group_name``, ``addons`` (name -> resource),
    ``node_groups`` (name -> :class:`ManagedNodeGroup`), ``version``."""

    def __init__(self, scope: Construct, id: str, *, options: EksClusterOptions, vpc: Vpc) -> None:
        """
        :param options: version, endpoint access, admin roles, add-on versions; the control-plane log
            group is kept ``options.log_retention_days``, else the stack's ``log_retention_days``.
        :param vpc: the control plane's network interfaces, and the node groups, are in its private app
            subnets (at least two AZs).
        """
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        naming, region, account_id = stack.naming, stack.region, stack.account_id
        if problem := cluster_problem(options, production=naming.environment in ("prod", "production")):
            field, value, why, fix = problem
            raise ConfigError(naming.environment, f"eks.{field}", value, why, fix)
        self.options = options
        self.version = options.version
        self._subnet_ids = list(vpc.private_app_subnet_ids)
        partition = partition_of(region)
        self.cluster_name = naming("eks", kind=NameKind.EKS_CLUSTER)
        tags = naming.tag("eks")

        self.role = aws.iam_role.IamRole(
            self, "role", name=naming.role_name("eks", "cluster"), description="EKS control plane of the cluster",
            assume_role_policy=service_trust("eks.amazonaws.com"), tags=tags,
        )
        attachment = aws.iam_role_policy_attachment.IamRolePolicyAttachment(
            self, "role-cluster-policy", role=self.role.name,
            policy_arn=f"arn:{partition}:iam::aws:policy/{CLUSTER_POLICY}",
        )
        self.role_arn: str = self.role.arn
        self.secrets_key = KmsKey(
            self, "secrets-key", purpose="eks-secrets",
            service_principals=("eks",), description=f"Kubernetes secrets of {self.cluster_name}",
        )
        self.log_group_name = naming.check(f"/aws/eks/{self.cluster_name}/cluster", NameKind.LOG_GROUP)
        log_group = aws.cloudwatch_log_group.CloudwatchLogGroup(
            self, "log-group", name=self.log_group_name,
            retention_in_days=options.log_retention_days or stack.log_retention_days,
            kms_key_id=stack.logs_key.key_arn, tags=tags,
        )
        public = options.endpoint_public_access
        self.cluster = aws.eks_cluster.EksCluster(
            self, "cluster", name=self.cluster_name, version=options.version, role_arn=self.role_arn,
            vpc_config=aws.eks_cluster.EksClusterVpcConfig(
                subnet_ids=self._subnet_ids, endpoint_private_access=True, endpoint_public_access=public,
                public_access_cidrs=list(options.public_access_cidrs) if public else None,
            ),
            access_config=aws.eks_cluster.EksClusterAccessConfig(
                authentication_mode="API", bootstrap_cluster_creator_admin_permissions=False,
            ),
            encryption_config=aws.eks_cluster.EksClusterEncryptionConfig(
                resources=["secrets"], provider=aws.eks_cluster.EksClusterEncryptionConfigProvider(
                    key_arn=self.secrets_key.key_arn),
            ),
            enabled_cluster_log_types=list(CONTROL_PLANE_LOG_TYPES),
            # The add-ons below replace the self-managed copies EKS would install.
            bootstrap_self_managed_addons=False,
            depends_on=[attachment, log_group], tags=tags,
        )
        self.cluster_endpoint: str = self.cluster.endpoint
        self.cluster_arn: str = self.cluster.arn
        self.certificate_authority_data: str = self.cluster.certificate_authority.get(0).data
        self.cluster_security_group_id: str = self.cluster.vpc_config.cluster_security_group_id

        self.oidc_issuer_url: str = self.cluster.identity.get(0).oidc.get(0).issuer
        self.oidc_provider = aws.iam_openid_connect_provider.IamOpenidConnectProvider(
            self, "oidc", url=self.oidc_issuer_url, client_id_list=["sts.amazonaws.com"], tags=naming.tag("eks-oidc"),
        )
        self.oidc_provider_arn: str = self.oidc_provider.arn

        for n, role in enumerate(options.admin_roles, start=1):
            principal = role if role.startswith("arn:") else f"arn:{partition}:iam::{account_id}:role/{role}"
            entry = aws.eks_access_entry.EksAccessEntry(
                self, f"admin-{n}", cluster_name=self.cluster.name, principal_arn=principal, type="STANDARD",
                tags=naming.tag("eks-admin"),
            )
            aws.eks_access_policy_association.EksAccessPolicyAssociation(
                self, f"admin-{n}-policy", cluster_name=self.cluster.name, principal_arn=entry.principal_arn,
                policy_arn=f"arn:{partition}:eks::aws:cluster-access-policy/{CLUSTER_ADMIN_ACCESS_POLICY}",
                access_scope=aws.eks_access_policy_association.EksAccessPolicyAssociationAccessScope(type="cluster"),
            )

        self._addon_versions = options.effective_addon_versions()
        self.addons: dict[str, aws.eks_addon.EksAddon] = {}
        for name in BEFORE_NODES:
            self._addon(name)
        self.node_groups: dict[str, "ManagedNodeGroup"] = {}
        self.storage_role = None

    def _addon(self, name: str, depends_on: Sequence = ()) -> None:
        self.addons[name] = aws.eks_addon.EksAddon(
            self, f"addon-{name}", cluster_name=self.cluster.name, addon_name=name,
            addon_version=self._addon_versions[name],
            resolve_conflicts_on_create="OVERWRITE", resolve_conflicts_on_update="PRESERVE",
            depends_on=list(depends_on) or None, tags=ProjectStack.of(self).naming.tag("eks", name),
        )

    def add_node_group(self, options: NodeGroupOptions, *, security_group: SecurityGroup) -> "ManagedNodeGroup":
        """A managed node group of this cluster in its subnets, its nodes in ``security_group``
        (beside the cluster security group). The first one also brings ``kube-proxy`` and ``coredns``."""
        from modules.kubernetes.node_group import ManagedNodeGroup

        group = ManagedNodeGroup(self, f"nodes-{options.name}", cluster=self, options=options,
                                 subnet_ids=self._subnet_ids, security_group=security_group)
        if not self.node_groups:
            for name in AFTER_NODES:
                self._addon(name, depends_on=[group.node_group])
            if self.options.storage_driver:
                from modules.kubernetes.pod_identity import PodIdentityRole

                namespace, account = STORAGE_ADDON_SERVICE_ACCOUNT
                self.storage_role = PodIdentityRole(
                    self, "ebs-csi", cluster=self, namespace=namespace, service_account=account, name="ebs-csi",
                    description="EBS CSI driver: volumes for persistent volume claims",
                    managed_policies=(STORAGE_ADDON_POLICY,),
                )
                self._addon(STORAGE_ADDON, depends_on=[group.node_group, self.storage_role.association])
        self.node_groups[options.name] = group
        return group

    def grant_namespace(self, id: str, *, principal_arn: str, namespaces: Sequence[str],
                        policy: str = NAMESPACE_EDIT_ACCESS_POLICY):
        """An access entry for ``principal_arn`` with ``policy`` (an EKS access policy name) scoped
        to ``namespaces`` only. Construct IDs ``access-<id>`` and ``access-<id>-policy``."""
        partition = partition_of(ProjectStack.of(self).region)
        entry = aws.eks_access_entry.EksAccessEntry(
            self, f"access-{id}", cluster_name=self.cluster.name, principal_arn=principal_arn, type="STANDARD",
            tags=ProjectStack.of(self).naming.tag("eks", id),
        )
        aws.eks_access_policy_association.EksAccessPolicyAssociation(
            self, f"access-{id}-policy", cluster_name=self.cluster.name, principal_arn=entry.principal_arn,
            policy_arn=f"arn:{partition}:eks::aws:cluster-access-policy/{policy}",
            access_scope=aws.eks_access_policy_association.EksAccessPolicyAssociationAccessScope(
                type="namespace", namespaces=list(namespaces)),
        )
        return entry
