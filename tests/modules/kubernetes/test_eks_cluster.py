"""EKS cluster and managed node group on a bare project stack: one behaviour per test."""

from __future__ import annotations

import json

from types import SimpleNamespace

import pytest

from modules.errors import ConfigError
from modules.framework import aws
from modules.kubernetes.eks_cluster import EksCluster
from modules.kubernetes.node_group import NODE_POLICIES
from modules.kubernetes.options import CONTROL_PLANE_LOG_TYPES, EksClusterOptions, NodeGroupOptions, WorkingHoursOptions
from modules.networking.security_group import SecurityGroup
from tests.support import project_stack, synth_stack

CLUSTER = aws.eks_cluster.EksCluster.TF_RESOURCE_TYPE
ADDON = aws.eks_addon.EksAddon.TF_RESOURCE_TYPE
NODE_GROUP = aws.eks_node_group.EksNodeGroup.TF_RESOURCE_TYPE
LAUNCH_TEMPLATE = aws.launch_template.LaunchTemplate.TF_RESOURCE_TYPE
SCHEDULE = aws.autoscaling_schedule.AutoscalingSchedule.TF_RESOURCE_TYPE
ROLE = aws.iam_role.IamRole.TF_RESOURCE_TYPE
ATTACHMENT = aws.iam_role_policy_attachment.IamRolePolicyAttachment.TF_RESOURCE_TYPE
ROLE_POLICY = aws.iam_role_policy.IamRolePolicy.TF_RESOURCE_TYPE
LOG_GROUP = aws.cloudwatch_log_group.CloudwatchLogGroup.TF_RESOURCE_TYPE
KMS_KEY = aws.kms_key.KmsKey.TF_RESOURCE_TYPE
OIDC = aws.iam_openid_connect_provider.IamOpenidConnectProvider.TF_RESOURCE_TYPE
ACCESS_ENTRY = aws.eks_access_entry.EksAccessEntry.TF_RESOURCE_TYPE
ACCESS_POLICY = aws.eks_access_policy_association.EksAccessPolicyAssociation.TF_RESOURCE_TYPE

SUBNETS = ["subnet-private-a", "subnet-private-c"]
VPC = SimpleNamespace(private_app_subnet_ids=SUBNETS)  # what the cluster reads of its Vpc


def build(options: EksClusterOptions, node_group: NodeGroupOptions | None = NodeGroupOptions(), *,
          environment: str = "dev"):
    stack = project_stack(environment=environment, log_retention_days=14)
    cluster = EksCluster(stack, "eks", options=options, vpc=VPC)
    if node_group is not None:
        nodes = SecurityGroup(stack, "nodes-sg", vpc_id="vpc-1", role="nodes", description="EKS nodes",
                              allow_all_outbound=True)
        cluster.add_node_group(node_group, security_group=nodes)
    return synth_stack(stack)


@pytest.fixture(scope="module")
def default():
    return build(EksClusterOptions(admin_roles=("platform-admin",)))


@pytest.fixture(scope="module")
def public_with_hours():
    return build(EksClusterOptions(
        admin_roles=("arn:aws:iam::123456789012:role/ops", "platform-admin"), endpoint_public_access=True,
        public_access_cidrs=("203.0.113.10/32",), log_retention_days=90, version="1.33",
        addon_versions={"coredns": "v1.11.4-eksbuild.99"},
    ), NodeGroupOptions(name="work", instance_types=("t3.large", "t3a.large"), capacity_type="SPOT", min_size=1,
                        desired_size=1, max_size=3, root_volume_gb=40, working_hours=WorkingHoursOptions()))


# -- control plane ---------------------------------------------------------------------------
def test_cluster_runs_the_default_version_in_the_private_subnets_with_a_private_endpoint(default):
    cluster = default.one(CLUSTER)
    assert cluster["name"] == "shop-eks-dev" and cluster["version"] == "1.35"
    assert cluster["vpc_config"]["subnet_ids"] == SUBNETS
    assert cluster["vpc_config"]["endpoint_private_access"] is True
    assert cluster["vpc_config"]["endpoint_public_access"] is False
    assert "public_access_cidrs" not in cluster["vpc_config"]


def test_public_endpoint_is_open_only_to_the_given_cidrs(public_with_hours):
    vpc = public_with_hours.one(CLUSTER)["vpc_config"]
    assert vpc["endpoint_public_access"] is True and vpc["endpoint_private_access"] is True
    assert vpc["public_access_cidrs"] == ["203.0.113.10/32"]


def test_version_comes_from_the_options(public_with_hours):
    assert public_with_hours.one(CLUSTER)["version"] == "1.33"


def test_secrets_are_envelope_encrypted_with_a_rotated_key_usable_only_through_eks(default):
    cluster = default.one(CLUSTER)
    key = default.by_path(KMS_KEY, "eks/secrets-key/key")
    assert cluster["encryption_config"] == {"resources": ["secrets"],
                                            "provider": {"key_arn": default.ref(KMS_KEY, key, "arn")}}
    assert key["enable_key_rotation"] is True
    (use,) = [s for s in json.loads(key["policy"])["Statement"] if s["Sid"] == "UseThroughServicesOfThisAccount"]
    assert use["Condition"]["StringEquals"]["kms:ViaService"] == ["eks.ap-northeast-2.amazonaws.com"]


def test_every_control_plane_log_type_goes_to_a_group_with_retention_and_key_created_first(default):
    cluster = default.one(CLUSTER)
    group = default.by_path(LOG_GROUP, "eks/log-group")
    assert cluster["enabled_cluster_log_types"] == list(CONTROL_PLANE_LOG_TYPES) == [
        "api", "audit", "authenticator", "controllerManager", "scheduler"]
    assert group["name"] == "/aws/eks/shop-eks-dev/cluster"  # the name EKS writes to
    assert group["retention_in_days"] == 14
    assert group["kms_key_id"] == default.ref(KMS_KEY, default.by_path(KMS_KEY, "logs-key/key"), "arn")
    assert f"{LOG_GROUP}.{default.logical_id(group)}" in cluster["depends_on"]


def test_log_retention_option_overrides_the_stack_default(public_with_hours):
    assert public_with_hours.by_path(LOG_GROUP, "eks/log-group")["retention_in_days"] == 90


def test_cluster_role_is_trusted_by_eks_and_has_only_the_managed_cluster_policy(default):
    role = default.by_path(ROLE, "eks/role")
    trust = json.loads(role["assume_role_policy"])["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "eks.amazonaws.com"}]
    ref = default.ref(ROLE, role, "name")
    assert [a["policy_arn"] for a in default.all(ATTACHMENT, role=ref)] == [
        "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]
    assert default.all(ROLE_POLICY, role=default.ref(ROLE, role, "id")) == []  # no inline policy


def test_access_is_api_mode_without_implicit_creator_admin(default):
    assert default.one(CLUSTER)["access_config"] == {
        "authentication_mode": "API", "bootstrap_cluster_creator_admin_permissions": False}


def test_admin_role_gets_an_access_entry_with_the_cluster_admin_policy(default):
    entry = default.one(ACCESS_ENTRY)
    assert entry["principal_arn"] == "arn:aws:iam::${data.aws_caller_identity.account.account_id}:role/platform-admin"
    association = default.one(ACCESS_POLICY)
    assert association["principal_arn"] == default.ref(ACCESS_ENTRY, entry, "principal_arn")
    assert association["policy_arn"] == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    assert association["access_scope"] == {"type": "cluster"}


def test_each_admin_role_arn_is_used_as_given(public_with_hours):
    principals = sorted(e["principal_arn"] for e in public_with_hours.resources(ACCESS_ENTRY).values())
    assert principals == ["arn:aws:iam::${data.aws_caller_identity.account.account_id}:role/platform-admin",
                          "arn:aws:iam::123456789012:role/ops"]
    assert public_with_hours.count(ACCESS_POLICY) == 2


def test_oidc_provider_for_service_account_roles_trusts_the_cluster_issuer(default):
    provider = default.one(OIDC)
    assert provider["url"] == default.ref(CLUSTER, default.one(CLUSTER), "identity[0].oidc[0].issuer")
    assert provider["client_id_list"] == ["sts.amazonaws.com"]


def test_core_addons_are_pinned_cni_first_dns_after_the_nodes(default):
    addons = {a["addon_name"]: a for a in default.resources(ADDON).values()}
    assert sorted(addons) == ["aws-ebs-csi-driver", "coredns", "eks-pod-identity-agent", "kube-proxy", "vpc-cni"]
    assert all(a["addon_version"].startswith("v") and "-eksbuild." in a["addon_version"] for a in addons.values())
    group = f"{NODE_GROUP}.{default.logical_id(default.one(NODE_GROUP))}"
    assert "depends_on" not in addons["vpc-cni"] and "depends_on" not in addons["eks-pod-identity-agent"]
    assert addons["coredns"]["depends_on"] == [group] and addons["kube-proxy"]["depends_on"] == [group]
    assert f"{ADDON}.{default.logical_id(addons['vpc-cni'])}" in default.one(NODE_GROUP)["depends_on"]


def test_addon_version_override(public_with_hours):
    (coredns,) = public_with_hours.all(ADDON, addon_name="coredns")
    assert coredns["addon_version"] == "v1.11.4-eksbuild.99"


def test_cluster_without_node_group_has_no_dns_addon():
    synth = build(EksClusterOptions(admin_roles=("platform-admin",)), node_group=None)
    assert sorted(a["addon_name"] for a in synth.resources(ADDON).values()) == ["eks-pod-identity-agent", "vpc-cni"]


@pytest.mark.parametrize("options, field", [
    (EksClusterOptions(admin_roles=("platform-admin",), version="1.28"), "eks.version"),
    (EksClusterOptions(admin_roles=()), "eks.admin_roles"),
    (EksClusterOptions(admin_roles=("a",), endpoint_public_access=True, public_access_cidrs=("0.0.0.0/0",)),
     "eks.public_access_cidrs"),
])
def test_construct_refuses_bad_options_before_synth(options, field):
    with pytest.raises(ConfigError) as caught:
        EksCluster(project_stack(environment="prod"), "eks", options=options, vpc=VPC)
    assert caught.value.field == field and caught.value.fix


# -- node group ------------------------------------------------------------------------------
def test_node_group_is_al2023_t3_medium_two_to_four_in_the_private_subnets(default):
    group = default.one(NODE_GROUP)
    assert group["ami_type"] == "AL2023_x86_64_STANDARD" and group["instance_types"] == ["t3.medium"]
    assert group["scaling_config"] == {"min_size": 2, "desired_size": 2, "max_size": 4}
    assert group["subnet_ids"] == SUBNETS and group["capacity_type"] == "ON_DEMAND"
    assert group["cluster_name"] == default.ref(CLUSTER, default.one(CLUSTER), "name")


def test_desired_size_drift_is_ignored(default):
    assert default.one(NODE_GROUP)["lifecycle"] == {"ignore_changes": ["scaling_config[0].desired_size"]}


def test_node_group_options_reach_the_group(public_with_hours):
    group = public_with_hours.one(NODE_GROUP)
    assert group["node_group_name"] == "shop-eks-work-dev" and group["capacity_type"] == "SPOT"
    assert group["instance_types"] == ["t3.large", "t3a.large"]
    assert group["scaling_config"] == {"min_size": 1, "desired_size": 1, "max_size": 3}


def test_launch_template_requires_imdsv2_and_encrypts_the_root_volume(default):
    template = default.one(LAUNCH_TEMPLATE)
    assert template["metadata_options"]["http_tokens"] == "required"
    assert template["metadata_options"]["http_put_response_hop_limit"] == 1
    (disk,) = template["block_device_mappings"]
    assert disk["device_name"] == "/dev/xvda"
    assert disk["ebs"] == {"encrypted": "true", "volume_type": "gp3", "volume_size": 20,
                           "delete_on_termination": "true"}
    assert "image_id" not in template and "key_name" not in template  # EKS picks the AMI; no SSH
    group = default.one(NODE_GROUP)
    assert group["launch_template"] == {"id": default.ref(LAUNCH_TEMPLATE, template, "id"),
                                        "version": default.ref(LAUNCH_TEMPLATE, template, "latest_version")}


def test_root_volume_size_option(public_with_hours):
    (disk,) = public_with_hours.one(LAUNCH_TEMPLATE)["block_device_mappings"]
    assert disk["ebs"]["volume_size"] == 40


def test_nodes_are_in_the_cluster_group_and_their_own_group(default):
    groups = default.one(LAUNCH_TEMPLATE)["vpc_security_group_ids"]
    cluster = default.one(CLUSTER)
    nodes = default.by_path("aws_security_group", "nodes-sg/group")
    assert groups == [default.ref(CLUSTER, cluster, "vpc_config[0].cluster_security_group_id"),
                      default.ref("aws_security_group", nodes, "id")]


def test_node_role_has_exactly_the_documented_managed_policies_and_no_wildcard(default):
    role = default.by_path(ROLE, "eks/nodes-default/role")
    assert [s["Principal"] for s in json.loads(role["assume_role_policy"])["Statement"]] == [
        {"Service": "ec2.amazonaws.com"}]
    policies = sorted(a["policy_arn"] for a in default.all(ATTACHMENT, role=default.ref(ROLE, role, "name")))
    assert policies == sorted(f"arn:aws:iam::aws:policy/{p}" for p in NODE_POLICIES)
    assert NODE_POLICIES == ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly", "AmazonEKS_CNI_Policy")
    assert default.all(ROLE_POLICY, role=default.ref(ROLE, role, "id")) == []


def test_no_working_hours_means_no_schedule(default):
    assert default.count(SCHEDULE) == 0


def test_working_hours_scale_the_group_to_zero_and_back_in_seoul_time(public_with_hours):
    group = public_with_hours.one(NODE_GROUP)
    asg = public_with_hours.ref(NODE_GROUP, group, "resources[0].autoscaling_groups[0].name")
    down = public_with_hours.by_path(SCHEDULE, "eks/nodes-work/scale-down")
    up = public_with_hours.by_path(SCHEDULE, "eks/nodes-work/scale-up")
    assert (down["recurrence"], down["min_size"], down["desired_capacity"], down["max_size"]) == (
        "0 18 * * MON-FRI", 0, 0, 0)
    assert (up["recurrence"], up["min_size"], up["desired_capacity"], up["max_size"]) == ("0 9 * * MON-FRI", 1, 1, 3)
    assert down["autoscaling_group_name"] == up["autoscaling_group_name"] == asg
    assert down["time_zone"] == up["time_zone"] == "Asia/Seoul"


def test_node_group_refuses_min_above_max_before_synth():
    stack = project_stack()
    cluster = EksCluster(stack, "eks", options=EksClusterOptions(admin_roles=("a",)), vpc=VPC)
    nodes = SecurityGroup(stack, "nodes-sg", vpc_id="vpc-1", role="nodes", description="EKS nodes")
    with pytest.raises(ConfigError) as caught:
        cluster.add_node_group(NodeGroupOptions(min_size=5, desired_size=5, max_size=4), security_group=nodes)
    assert caught.value.field == "node_group.min_size" and "max_size" in str(caught.value)
