"""What an EKS cluster needs around it to serve an application: a way in, and a place for its logs.

* :class:`LoadBalancerController`: the AWS Load Balancer Controller's IAM role, with the policy the
  project publishes for its version (kept as a reviewed file: ``policies/``), bound by EKS Pod
  Identity to ``kube-system/aws-load-balancer-controller``. The controller turns an Ingress into an
  ALB; it finds subnets by the tags :func:`load_balancer_subnet_tags` gives the VPC. The controller
  itself is a Helm release installed into the cluster (:func:`helm_install_command`): the
  infrastructure stack never talks to the Kubernetes API.
* :class:`IngressSecurityGroup`: the ALB's own group (HTTP/HTTPS in from the allowed networks) and the
  rules that let it reach the pods' ports on the nodes' group, both in Terraform; the Ingress names
  the group (``alb.ingress.kubernetes.io/security-groups``), so the controller changes no group.
* :class:`ClusterAutoscaler`: a Pod Identity role for ``kube-system/cluster-autoscaler`` that may
  read the Auto Scaling groups and change the size of (or remove a node from) only those EKS tags as
  this cluster's (``k8s.io/cluster-autoscaler/<cluster>``: every managed node group's), so the node
  group grows to its ``max_size`` under load and shrinks back; :func:`autoscaler_install_command` installs it.
* :class:`ApplicationLogs`: the application log group (retention, the stack's logs key) and a Pod
  Identity role for the log shipper's service account that may write to that group only.

Construct IDs: ``role``/``document``/``association`` (under the controller's ID), ``group`` and its
rules, ``log-group`` and ``shipper``, ``identity`` (under the autoscaler's ID).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

from modules.framework import Construct, aws
from modules.iam.policy import allow
from modules.kubernetes.pod_identity import PodIdentityRole
from modules.naming import NameKind
from modules.networking.security_group import SecurityGroup
from modules.stack import ProjectStack

LB_CONTROLLER_VERSION = "v3.5.0"
"""The AWS Load Balancer Controller release (2026-08-03) whose IAM policy ``policies/`` keeps."""
LB_CONTROLLER_CHART_VERSION = "3.5.0"
"""Its Helm chart (``eks/aws-load-balancer-controller`` from https://aws.github.io/eks-charts)."""
LB_CONTROLLER_POLICY = Path(__file__).with_name("policies") / f"aws-load-balancer-controller-{LB_CONTROLLER_VERSION}.json"
"""The controller's published ``docs/install/iam_policy.json`` at that tag, unchanged (Apache-2.0,
kubernetes-sigs/aws-load-balancer-controller): bump the version, replace the file, review the diff."""
LB_CONTROLLER_SERVICE_ACCOUNT = ("kube-system", "aws-load-balancer-controller")
PUBLIC_LB_TAG = "kubernetes.io/role/elb"
INTERNAL_LB_TAG = "kubernetes.io/role/internal-elb"


def load_balancer_subnet_tags() -> dict[str, dict[str, str]]:
    """The VPC's ``subnet_tags``: internet-facing load balancers in the public subnets, internal ones in
    the private app subnets (the controller's subnet discovery)."""
    return {"public": {PUBLIC_LB_TAG: "1"}, "app": {INTERNAL_LB_TAG: "1"}}


def controller_policy() -> dict:
    """The reviewed policy document (``LB_CONTROLLER_POLICY``)."""
    return json.loads(LB_CONTROLLER_POLICY.read_text())


def helm_install_command(*, cluster_name: str, region: str, vpc_id: str) -> list[str]:
    """The Helm command that installs the pinned controller into ``kube-system`` with the service
    account its Pod Identity association names (run by the platform team, or by the cluster's CI)."""
    namespace, account = LB_CONTROLLER_SERVICE_ACCOUNT
    return [
        "helm", "upgrade", "--install", "aws-load-balancer-controller", "aws-load-balancer-controller",
        "--repo", "https://aws.github.io/eks-charts", "--version", LB_CONTROLLER_CHART_VERSION,
        "--namespace", namespace, "--set", f"clusterName={cluster_name}", "--set", f"region={region}",
        "--set", f"vpcId={vpc_id}", "--set", "serviceAccount.create=true", "--set", f"serviceAccount.name={account}",
        "--wait",
    ]


class LoadBalancerController(Construct):
    """Attributes: ``identity`` (:class:`PodIdentityRole`), ``role_arn``."""

    def __init__(self, scope: Construct, id: str, *, cluster) -> None:
        super().__init__(scope, id)
        namespace, account = LB_CONTROLLER_SERVICE_ACCOUNT
        self.identity = PodIdentityRole(
            self, "identity", cluster=cluster, namespace=namespace, service_account=account, name="lb-controller",
            description=f"AWS Load Balancer Controller {LB_CONTROLLER_VERSION}: ALBs from Ingresses",
            policy_document=controller_policy(),
        )
        self.role_arn: str = self.identity.role_arn


CLUSTER_AUTOSCALER_SERVICE_ACCOUNT = ("kube-system", "cluster-autoscaler")
CLUSTER_AUTOSCALER_CHART = "cluster-autoscaler"
"""Its Helm chart (https://kubernetes.github.io/autoscaler). The image is pinned to the cluster's
Kubernetes minor (the autoscaler's rule: one release line per Kubernetes minor)."""


def autoscaler_install_command(*, cluster_name: str, region: str, kubernetes_version: str) -> list[str]:
    """The Helm command that installs the Cluster Autoscaler into ``kube-system`` under the service
    account its Pod Identity association names, finding the node groups by their EKS tags."""
    namespace, account = CLUSTER_AUTOSCALER_SERVICE_ACCOUNT
    return [
        "helm", "upgrade", "--install", "cluster-autoscaler", CLUSTER_AUTOSCALER_CHART,
        "--repo", "https://kubernetes.github.io/autoscaler", "--namespace", namespace,
        "--set", "cloudProvider=aws", "--set", f"awsRegion={region}", "--set", f"autoDiscovery.clusterName={cluster_name}",
        "--set", f"image.tag=v{kubernetes_version}.0", "--set", "rbac.serviceAccount.create=true",
        "--set", f"rbac.serviceAccount.name={account}", "--set", "extraArgs.balance-similar-node-groups=true",
        "--wait",
    ]


class ClusterAutoscaler(Construct):
    """Attributes: ``identity`` (:class:`PodIdentityRole`), ``role_arn``."""

    def __init__(self, scope: Construct, id: str, *, cluster, node_groups: Sequence) -> None:
        """
        :param cluster: the :class:`~modules.kubernetes.eks_cluster.EksCluster`.
        :param node_groups: its managed node groups the autoscaler may describe (``eks:DescribeNodegroup``).
        """
        super().__init__(scope, id)
        namespace, account = CLUSTER_AUTOSCALER_SERVICE_ACCOUNT
        self.identity = PodIdentityRole(
            self, "identity", cluster=cluster, namespace=namespace, service_account=account, name="cluster-autoscaler",
            description="Cluster Autoscaler: resizes this cluster's managed node groups within their min/max",
            statements=[
                # read-only calls that take no resource ARN (the service authorises them on "*" only)
                allow("DiscoverGroupsAndTypes", [
                    "autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances",
                    "autoscaling:DescribeLaunchConfigurations", "autoscaling:DescribeScalingActivities",
                    "ec2:DescribeImages", "ec2:DescribeInstanceTypes", "ec2:DescribeLaunchTemplateVersions",
                    "ec2:GetInstanceTypesFromInstanceRequirements"], "*"),
                allow("DescribeItsNodeGroups", ["eks:DescribeNodegroup"],
                      [group.node_group.arn for group in node_groups]),
                allow("ResizeOnlyThisClustersGroups",
                      ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"], "*",
                      condition={"StringEquals": {
                          f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster.cluster_name}": "owned"}}),
            ],
        )
        self.role_arn: str = self.identity.role_arn


class IngressSecurityGroup(Construct):
    """Attributes: ``security_group`` (:class:`SecurityGroup`), ``security_group_id``."""

    def __init__(self, scope: Construct, id: str, *, vpc_id: str, nodes: SecurityGroup, ports: Sequence[int],
                 allowed_cidrs: Sequence[str] = ("0.0.0.0/0",)) -> None:
        """
        :param nodes: the nodes' group (the pods share their node's groups): opened to the ALB on ``ports``.
        :param ports: the container ports the Ingress's services route to (target type ``ip``).
        :param allowed_cidrs: who may reach the ALB on 80 and 443. Defaults to the internet.
        """
        super().__init__(scope, id)
        self.security_group = SecurityGroup(
            self, "group", vpc_id=vpc_id, role="ingress-alb",
            description="ALB of the Kubernetes Ingress: HTTP/HTTPS in, the pods' ports out",
        )
        for cidr in allowed_cidrs:
            for port, what in ((443, "HTTPS"), (80, "HTTP (redirected to HTTPS by the Ingress)")):
                self.security_group.allow_from(cidr, port, f"{what} from {cidr}")
        for port in ports:
            nodes.allow_from(self.security_group, port, f"Ingress ALB to pods on {port}")
        self.security_group_id: str = self.security_group.security_group_id


class ApplicationLogs(Construct):
    """Attributes: ``log_group_name``, ``log_group``, ``shipper`` (:class:`PodIdentityRole`)."""

    def __init__(self, scope: Construct, id: str, *, cluster, log_group_name: str, namespace: str,
                 service_account: str, retention_days: int | None = None) -> None:
        """
        :param log_group_name: e.g. ``/aws/eks/<project>-<env>/application``.
        :param namespace: and ``service_account``: the log shipper's (Fluent Bit's) service account.
        :param retention_days: defaults to the stack's log retention.
        """
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        self.log_group_name = stack.naming.check(log_group_name, NameKind.LOG_GROUP)
        self.log_group = aws.cloudwatch_log_group.CloudwatchLogGroup(
            self, "log-group", name=self.log_group_name, retention_in_days=retention_days or stack.log_retention_days,
            kms_key_id=stack.logs_key.key_arn, tags=stack.naming.tag("eks", "application-logs"),
        )
        self.shipper = PodIdentityRole(
            self, "shipper", cluster=cluster, namespace=namespace, service_account=service_account,
            name="log-shipper", description=f"Fluent Bit: container logs to {self.log_group_name} only",
            statements=[
                allow("DescribeItsStreams", ["logs:DescribeLogStreams"], self.log_group.arn),
                allow("WriteItsStreams", ["logs:CreateLogStream", "logs:PutLogEvents"],
                      f"{self.log_group.arn}:log-stream:*"),
            ],
        )
