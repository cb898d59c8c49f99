"""One EKS managed node group: Amazon Linux 2023 nodes in the private subnets.

* **Node role**: trusted by ``ec2.amazonaws.com`` only, with the three managed policies the EKS
  user guide documents for nodes and nothing else (``NODE_POLICIES``): join the cluster, pull
  images from ECR, and let the VPC CNI (running on the node) assign pod addresses.
* **Launch template**: IMDSv2 required with a hop limit of 1 (pods on the pod network cannot
  reach the node's credentials: they use IRSA or Pod Identity), an encrypted gp3 root volume,
  the cluster security group plus the group given (the one the database and cache admit), no
  SSH key, no public address. No AMI: EKS picks the AL2023 image of ``ami_type`` and bootstraps it.
* **Scaling**: ``min``/``desired``/``max``; ``desired_size`` is ignored after creation (the
  cluster autoscaler or the working-hours schedule moves it).
* **Working hours** (optional): two ``aws_autoscaling_schedule`` actions on the group's Auto
  Scaling group: 0 nodes (and a maximum of 0, so no autoscaler starts one) at ``scale_down``,
  ``min``/``desired``/``max`` again at ``scale_up``, in the
  given time zone. Scheduled actions on the Auto Scaling group EKS manages are what the EKS user
  guide suggests for scheduled scaling; the node group's own ``scaling_config`` keeps its values,
  so Terraform sees no drift when nodes are at 0.

Construct IDs: ``role``, ``role-<policy>``, ``launch-template``, ``group``, ``scale-up``, ``scale-down``.
"""

from __future__ import annotations

from typing import Any, Sequence

from modules.errors import ConfigError
from modules.framework import Construct, TerraformResourceLifecycle, Token, aws
from modules.iam.policy import service_trust
from modules.kubernetes.options import NodeGroupOptions, node_group_problem
from modules.naming import NameKind
from modules.networking.security_group import SecurityGroup
from modules.security.kms import partition_of
from modules.stack import ProjectStack

NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly", "AmazonEKS_CNI_Policy")
"""The managed policies of an EKS node role (EKS user guide, "Amazon EKS node IAM role")."""


class ManagedNodeGroup(Construct):
    """Attributes: ``node_group`` (the resource), ``node_group_name``, ``role``, ``role_arn``,
    ``launch_template``, ``autoscaling_group_name``, ``schedules`` (``[]`` without working hours)."""

    def __init__(self, scope: Construct, id: str, *, cluster: Any, options: NodeGroupOptions,
                 subnet_ids: Sequence[str], security_group: SecurityGroup) -> None:
        """
        :param cluster: the cluster the nodes join (normally through :meth:`EksCluster.add_node_group`).
        :param subnet_ids: the private subnets of the nodes.
        :param security_group: the nodes' own group, beside the cluster security group.
        """
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        naming = stack.naming
        if problem := node_group_problem(options):
            field, value, why, fix = problem
            raise ConfigError(naming.environment, f"node_group.{field}", value, why, fix)
        partition = partition_of(stack.region)
        o = options
        tags = naming.tag("eks", o.name)

        self.role = aws.iam_role.IamRole(
            self, "role", name=naming.role_name("eks", o.name, "nodes"),
            description=f"Nodes of the EKS node group {o.name}",
            assume_role_policy=service_trust("ec2.amazonaws.com"), tags=tags,
        )
        attachments = [
            aws.iam_role_policy_attachment.IamRolePolicyAttachment(
                self, f"role-{policy}", role=self.role.name, policy_arn=f"arn:{partition}:iam::aws:policy/{policy}",
            )
            for policy in NODE_POLICIES
        ]
        self.role_arn: str = self.role.arn

        lt = aws.launch_template
        self.launch_template = lt.LaunchTemplate(
            self, "launch-template", name=naming("eks", o.name, kind=NameKind.LAUNCH_TEMPLATE),
            description=f"Nodes of {cluster.cluster_name}/{o.name}: IMDSv2 only, encrypted root volume",
            update_default_version=True,
            vpc_security_group_ids=[cluster.cluster_security_group_id, security_group.security_group_id],
            metadata_options=lt.LaunchTemplateMetadataOptions(
                http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1,
                instance_metadata_tags="disabled",
            ),
            block_device_mappings=[lt.LaunchTemplateBlockDeviceMappings(
                device_name="/dev/xvda", ebs=lt.LaunchTemplateBlockDeviceMappingsEbs(
                    volume_size=o.root_volume_gb, volume_type="gp3", encrypted="true", delete_on_termination="true",
                ),
            )],
            tag_specifications=[lt.LaunchTemplateTagSpecifications(resource_type=kind, tags=tags)
                                for kind in ("instance", "volume")],
            tags=tags,
        )

        ng = aws.eks_node_group
        self.node_group_name = naming("eks", o.name, kind=NameKind.EKS_NODE_GROUP)
        self.node_group = ng.EksNodeGroup(
            self, "group", cluster_name=cluster.cluster.name, node_group_name=self.node_group_name,
            node_role_arn=self.role_arn, subnet_ids=list(subnet_ids), ami_type=o.ami_type,
            capacity_type=o.capacity_type, instance_types=list(o.instance_types),
            scaling_config=ng.EksNodeGroupScalingConfig(
                min_size=o.min_size, desired_size=o.desired_size, max_size=o.max_size),
            update_config=ng.EksNodeGroupUpdateConfig(max_unavailable=1),
            launch_template=ng.EksNodeGroupLaunchTemplate(
                id=self.launch_template.id, version=Token.as_string(self.launch_template.latest_version)),
            lifecycle=TerraformResourceLifecycle(ignore_changes=["scaling_config[0].desired_size"]),
            depends_on=[*attachments, *cluster.addons.values()], tags=tags,
        )
        self.autoscaling_group_name: str = self.node_group.resources.get(0).autoscaling_groups.get(0).name

        self.schedules = []
        if o.working_hours is not None:
            w = o.working_hours
            for action, recurrence, size in (("scale-down", w.scale_down, (0, 0, 0)),
                                             ("scale-up", w.scale_up, (o.min_size, o.desired_size, o.max_size))):
                self.schedules.append(aws.autoscaling_schedule.AutoscalingSchedule(
                    self, action, scheduled_action_name=naming("eks", o.name, action),
                    autoscaling_group_name=self.autoscaling_group_name, recurrence=recurrence, time_zone=w.time_zone,
                    min_size=size[0], desired_capacity=size[1], max_size=size[2],
                ))
