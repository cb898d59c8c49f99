"""OpenMarket as a working Kubernetes platform (document 003): a way in (Load Balancer Controller role,
subnet tags, the ALB's group), storage (EBS CSI add-on), application logs, CI access limited to its
namespace, repositories and functions, and the two data functions reaching Aurora and Redis."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from environments import load
from modules.errors import ConfigError
from modules.kubernetes.options import ADDON_VERSIONS
from modules.kubernetes.platform import (
    LB_CONTROLLER_POLICY,
    LB_CONTROLLER_VERSION,
    autoscaler_install_command,
    controller_policy,
    helm_install_command,
)
from systems.openmarket.settings import validate

STACKS = ["openmarket-dev", "openmarket-staging", "openmarket-prod"]
ROLE, POLICY, ATTACH = "aws_iam_role", "aws_iam_role_policy", "aws_iam_role_policy_attachment"
ASSOCIATION = "aws_eks_pod_identity_association"
SG, INGRESS, EGRESS = "aws_security_group", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"
FN = "aws_lambda_function"


@pytest.fixture(params=STACKS)
def market(request, stack_of):
    return stack_of(request.param)


def env_of(synth) -> str:
    return synth.doc["terraform"]["backend"]["s3"]["key"].split("/")[0]


def statements(synth, policy: dict) -> list[dict]:
    return json.loads(policy["policy"])["Statement"]


def group_ref(synth, path: str) -> str:
    return synth.ref(SG, synth.by_path(SG, f"{path}/group"), "id")


def pod_identity(synth, path: str) -> tuple[dict, dict]:
    """(role, association) of the Pod Identity role at ``path``."""
    role = synth.by_path(ROLE, f"{path}/role")
    (association,) = synth.all(ASSOCIATION, role_arn=synth.ref(ROLE, role, "arn"))
    return role, association


def assert_pod_identity_trust(synth, role: dict) -> None:
    cluster = synth.ref("aws_eks_cluster", synth.one("aws_eks_cluster"), "arn")
    (statement,) = json.loads(role["assume_role_policy"])["Statement"]
    assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert statement["Action"] == ["sts:AssumeRole", "sts:TagSession"]
    assert statement["Condition"]["ArnEquals"] == {"aws:SourceArn": cluster}  # this cluster's pods only
    assert list(statement["Condition"]["StringEquals"]) == ["aws:SourceAccount"]


# -- a way in -------------------------------------------------------------------------------------
def test_subnets_carry_the_tags_the_controller_discovers_them_by(market):
    subnets = list(market.resources("aws_subnet").values())
    by_tier = {tier: [s["tags"] for s in subnets if s["tags"]["Tier"] == tier] for tier in ("public", "app", "db")}
    assert all(t.get("kubernetes.io/role/elb") == "1" and "kubernetes.io/role/internal-elb" not in t
               for t in by_tier["public"]) and len(by_tier["public"]) == 2
    assert all(t.get("kubernetes.io/role/internal-elb") == "1" and "kubernetes.io/role/elb" not in t
               for t in by_tier["app"]) and len(by_tier["app"]) == 2
    assert not [t for t in by_tier["db"] if any(k.startswith("kubernetes.io/") for k in t)]  # negative


def test_load_balancer_controller_role_has_the_reviewed_published_policy_through_pod_identity(market):
    role, association = pod_identity(market, "lb-controller/identity")
    assert_pod_identity_trust(market, role)
    assert (association["namespace"], association["service_account"]) == ("kube-system", "aws-load-balancer-controller")
    assert association["cluster_name"] == market.ref("aws_eks_cluster", market.one("aws_eks_cluster"), "name")
    (policy,) = market.all(POLICY, role=market.ref(ROLE, role, "id"))
    assert json.loads(policy["policy"]) == controller_policy()  # exactly the file, nothing added
    assert market.all(ATTACH, role=market.ref(ROLE, role, "name")) == []


def test_the_reviewed_policy_is_the_pinned_release_and_names_every_action():
    assert LB_CONTROLLER_POLICY.name == f"aws-load-balancer-controller-{LB_CONTROLLER_VERSION}.json"
    document = controller_policy()
    actions = [a for s in document["Statement"] for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])]
    assert len(actions) == 86 and not [a for a in actions if "*" in a]
    # what creates or deletes load balancers is conditioned on the controller's own cluster tag
    deletes = [s for s in document["Statement"] if "elasticloadbalancing:DeleteLoadBalancer" in s["Action"]]
    assert deletes and all("elbv2.k8s.aws/cluster" in json.dumps(s["Condition"]) for s in deletes)


def test_helm_command_installs_the_pinned_chart_for_the_bound_service_account():
    command = helm_install_command(cluster_name="openmarket-eks-dev", region="ap-northeast-2", vpc_id="vpc-1")
    assert command[:6] == ["helm", "upgrade", "--install", "aws-load-balancer-controller",
                           "aws-load-balancer-controller", "--repo"]
    assert command[command.index("--version") + 1] == "3.5.0"
    assert "serviceAccount.name=aws-load-balancer-controller" in command and "clusterName=openmarket-eks-dev" in command


def test_the_albs_group_admits_the_web_and_reaches_only_the_pods_ports(market):
    alb, nodes = group_ref(market, "ingress/group"), group_ref(market, "nodes-sg")
    inbound = market.all(INGRESS, security_group_id=alb)
    assert sorted((r["from_port"], r["cidr_ipv4"]) for r in inbound) == [(80, "0.0.0.0/0"), (443, "0.0.0.0/0")]
    outbound = market.all(EGRESS, security_group_id=alb)
    assert sorted((r["from_port"], r["referenced_security_group_id"]) for r in outbound) == [
        (3000, nodes), (8080, nodes)]
    assert not [r for r in outbound if "cidr_ipv4" in r]  # negative: nowhere else
    to_nodes = [r for r in market.all(INGRESS, security_group_id=nodes) if r.get("referenced_security_group_id") == alb]
    assert sorted(r["from_port"] for r in to_nodes) == [3000, 8080]
    assert market.outputs["ingress_security_group_id"]["value"] == alb


# -- nodes that follow the load -------------------------------------------------------------------
def test_cluster_autoscaler_may_resize_only_this_clusters_node_groups(market):
    role, association = pod_identity(market, "cluster-autoscaler/identity")
    assert_pod_identity_trust(market, role)
    assert (association["namespace"], association["service_account"]) == ("kube-system", "cluster-autoscaler")
    (policy,) = market.all(POLICY, role=market.ref(ROLE, role, "id"))
    discover, describe, resize = statements(market, policy)
    assert discover["Resource"] == "*" and "Condition" not in discover
    assert all(a.split(":")[1].startswith(("Describe", "Get")) for a in discover["Action"])  # read-only on "*"
    assert len(discover["Action"]) == 8
    group = market.one("aws_eks_node_group")
    assert describe["Action"] == ["eks:DescribeNodegroup"]
    assert describe["Resource"] == [market.ref("aws_eks_node_group", group, "arn")]
    # what changes capacity acts only on the groups EKS tags as this cluster's (a managed node group's ASG)
    cluster = market.one("aws_eks_cluster")["name"]
    assert resize["Action"] == ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]
    assert resize["Condition"] == {"StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster}": "owned"}}
    # negatives: no wildcard action, nothing that creates, updates or deletes a group or its template
    actions = [a for s in (discover, describe, resize) for a in s["Action"]]
    assert not [a for a in actions if "*" in a or a.split(":")[1].startswith(("Create", "Update", "Delete", "Put"))]
    assert market.all(ATTACH, role=market.ref(ROLE, role, "name")) == []
    # the node group leaves its size to the autoscaler (and the working-hours schedule) after creation
    assert "scaling_config[0].desired_size" in group["lifecycle"]["ignore_changes"]
    assert (group["scaling_config"]["min_size"], group["scaling_config"]["max_size"]) == (2, 4)


def test_autoscaler_command_installs_the_release_of_the_clusters_minor_for_the_bound_service_account():
    command = autoscaler_install_command(cluster_name="openmarket-eks-dev", region="ap-northeast-2",
                                         kubernetes_version="1.35")
    assert command[:5] == ["helm", "upgrade", "--install", "cluster-autoscaler", "cluster-autoscaler"]
    assert command[command.index("--repo") + 1] == "https://kubernetes.github.io/autoscaler"
    for value in ("image.tag=v1.35.0", "autoDiscovery.clusterName=openmarket-eks-dev", "awsRegion=ap-northeast-2",
                  "rbac.serviceAccount.name=cluster-autoscaler", "cloudProvider=aws"):
        assert value in command


# -- storage --------------------------------------------------------------------------------------
def test_ebs_csi_driver_add_on_at_the_tables_version_with_its_pod_identity_role(market):
    cluster = market.one("aws_eks_cluster")
    addon = market.one("aws_eks_addon", addon_name="aws-ebs-csi-driver")
    assert addon["addon_version"] == ADDON_VERSIONS[cluster["version"]]["aws-ebs-csi-driver"]
    role, association = pod_identity(market, "eks/ebs-csi")
    assert_pod_identity_trust(market, role)
    assert (association["namespace"], association["service_account"]) == ("kube-system", "ebs-csi-controller-sa")
    assert [a["policy_arn"] for a in market.all(ATTACH, role=market.ref(ROLE, role, "name"))] == [
        "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"]
    # the controller starts with its credentials: the association exists first
    (name,) = [k for k, v in market.resources(ASSOCIATION).items() if v is association]
    assert f"{ASSOCIATION}.{name}" in addon["depends_on"]


def test_without_the_storage_driver_there_is_no_add_on_and_no_role():
    from systems.openmarket.stack import OpenMarketStack
    from tests.support import synth_stack, test_app

    dev = load("dev", "openmarket")
    bare = synth_stack(OpenMarketStack(test_app(), replace(dev, eks=replace(dev.eks, storage_driver=False))))
    assert not bare.all("aws_eks_addon", addon_name="aws-ebs-csi-driver")
    assert not [r for r in bare.resources(ROLE).values() if "ebs-csi" in r["name"]]


def test_the_documented_storage_class_is_encrypted_gp3_and_the_default():
    import yaml
    from pathlib import Path

    (klass,) = list(yaml.safe_load_all(
        (Path(__file__).resolve().parents[2] / "systems/openmarket/kubernetes/storage-class.yaml").read_text()))
    assert klass["provisioner"] == "ebs.csi.aws.com"
    assert klass["parameters"] == {"type": "gp3", "encrypted": "true"}
    assert klass["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "true"}
    assert klass["volumeBindingMode"] == "WaitForFirstConsumer" and klass["allowVolumeExpansion"] is True


# -- logs -----------------------------------------------------------------------------------------
def test_application_logs_have_their_group_and_a_shipper_that_may_write_only_there(market):
    env = env_of(market)
    group = market.one("aws_cloudwatch_log_group", name=f"/aws/eks/openmarket-{env}/application")
    assert group["retention_in_days"] == {"dev": 7, "staging": 14, "prod": 30}[env]
    assert group["kms_key_id"] == market.ref("aws_kms_key", market.by_path("aws_kms_key", "logs-key/key"), "arn")
    role, association = pod_identity(market, "app-logs/shipper")
    assert_pod_identity_trust(market, role)
    assert (association["namespace"], association["service_account"]) == ("amazon-cloudwatch", "fluent-bit")
    (policy,) = market.all(POLICY, role=market.ref(ROLE, role, "id"))
    arn = market.ref("aws_cloudwatch_log_group", group, "arn")
    assert [(s["Action"], s["Resource"]) for s in statements(market, policy)] == [
        (["logs:DescribeLogStreams"], arn), (["logs:CreateLogStream", "logs:PutLogEvents"], f"{arn}:log-stream:*")]


# -- CI -------------------------------------------------------------------------------------------
def test_ci_role_is_trusted_by_the_documents_repository_and_branch_only(market):
    env = env_of(market)
    role = market.by_path(ROLE, "ci/role")
    (statement,) = json.loads(role["assume_role_policy"])["Statement"]
    assert statement["Principal"]["Federated"].endswith(":oidc-provider/token.actions.githubusercontent.com")
    subjects = {"dev": ["repo:openmarket-dev/openmarket:ref:refs/heads/develop"],
                "staging": ["repo:openmarket-dev/openmarket:ref:refs/heads/main",
                            "repo:openmarket-dev/openmarket:environment:staging"],
                "prod": ["repo:openmarket-dev/openmarket:ref:refs/heads/main",
                         "repo:openmarket-dev/openmarket:environment:production"]}[env]
    assert statement["Condition"]["StringEquals"] == {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": subjects}
    assert "StringLike" not in statement["Condition"]  # negative: no wildcard subject
    assert market.outputs["github_ci_role_arn"]["value"] == market.ref(ROLE, role, "arn")


def test_ci_may_push_its_two_repositories_find_its_cluster_and_update_its_four_functions_only(market):
    role = market.by_path(ROLE, "ci/role")
    (policy,) = market.all(POLICY, role=market.ref(ROLE, role, "id"))
    found = {s["Sid"]: s for s in statements(market, policy)}
    assert sorted(found) == ["EcrLogin", "EcrPush", "FindTheCluster", "UpdateFunctionCode"]
    repositories = sorted(market.ref("aws_ecr_repository", r, "arn") for r in market.resources("aws_ecr_repository").values())
    assert sorted(found["EcrPush"]["Resource"]) == repositories and len(repositories) == 2
    assert found["FindTheCluster"] == {"Sid": "FindTheCluster", "Effect": "Allow", "Action": ["eks:DescribeCluster"],
                                       "Resource": market.ref("aws_eks_cluster", market.one("aws_eks_cluster"), "arn")}
    functions = sorted(market.ref(FN, f, "arn") for f in market.resources(FN).values())
    assert sorted(found["UpdateFunctionCode"]["Resource"]) == functions and len(functions) == 4
    assert found["UpdateFunctionCode"]["Action"] == [
        "lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:UpdateFunctionCode"]
    # negatives: '*' only where IAM offers no resource, no wildcard action, nothing else
    assert [s["Sid"] for s in found.values() if s["Resource"] == "*"] == ["EcrLogin"]
    assert not [a for s in found.values() for a in s["Action"] if "*" in a]
    assert not [a for s in found.values() for a in s["Action"] if a.split(":")[0] not in ("ecr", "eks", "lambda")]


def test_ci_deploys_inside_its_namespace_and_nowhere_else_in_the_cluster(market):
    env = env_of(market)
    ci = market.ref(ROLE, market.by_path(ROLE, "ci/role"), "arn")
    entry = market.one("aws_eks_access_entry", principal_arn=ci)
    assert entry["type"] == "STANDARD"
    (association,) = [a for a in market.resources("aws_eks_access_policy_association").values()
                      if a["principal_arn"] == market.ref("aws_eks_access_entry", entry, "principal_arn")]
    assert association["policy_arn"] == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"
    assert association["access_scope"] == {"type": "namespace", "namespaces": [f"openmarket-{env}"]}
    assert market.outputs["kubernetes_namespace"]["value"] == f"openmarket-{env}"


# -- functions reach their data -------------------------------------------------------------------
@pytest.mark.parametrize("name", ["report-generator", "data-sync"])
def test_data_functions_run_in_the_private_subnets_and_reach_aurora_and_redis_by_group(market, name):
    fn = market.by_path(FN, f"fn-{name}/function")
    own = group_ref(market, f"fn-{name}/security-group")
    private = sorted(market.ref("aws_subnet", s) for s in market.resources("aws_subnet").values()
                     if s["tags"]["Tier"] == "app")
    assert sorted(fn["vpc_config"]["subnet_ids"]) == private and fn["vpc_config"]["security_group_ids"] == [own]
    for path, port in (("database-sg", 3306), ("cache-sg", 6379)):
        admitted = [r["referenced_security_group_id"] for r in market.all(INGRESS, security_group_id=group_ref(market, path))
                    if r["from_port"] == port]
        assert own in admitted
    outbound = sorted((r["from_port"], r.get("referenced_security_group_id") or r["cidr_ipv4"])
                      for r in market.all(EGRESS, security_group_id=own))
    assert outbound == sorted([(443, "0.0.0.0/0"), (3306, group_ref(market, "database-sg")),
                               (6379, group_ref(market, "cache-sg"))])
    variables = fn["environment"]["variables"]
    assert variables["DATABASE_HOST"] == market.ref("aws_rds_cluster", market.one("aws_rds_cluster"), "endpoint")
    assert (variables["DATABASE_PORT"], variables["REDIS_PORT"], variables["REDIS_TLS"]) == ("3306", "6379", "true")
    role = market.by_path(ROLE, f"fn-{name}/role")
    (policy,) = market.all(POLICY, role=market.ref(ROLE, role, "id"))
    reads = {s["Resource"] for s in statements(market, policy) if "secretsmanager:GetSecretValue" in s["Action"]}
    assert reads == {variables["DATABASE_SECRET_ARN"], variables["REDIS_AUTH_SECRET_ARN"]}


@pytest.mark.parametrize("name", ["image-processor", "order-notification"])
def test_the_other_functions_stay_outside_the_vpc_and_read_no_data_secret(market, name):
    fn = market.by_path(FN, f"fn-{name}/function")
    assert "vpc_config" not in fn
    assert not {"DATABASE_HOST", "REDIS_HOST"} & set(fn.get("environment", {}).get("variables", {}))
    policy = market.all(POLICY, role=market.ref(ROLE, market.by_path(ROLE, f"fn-{name}/role"), "id"))
    assert not [s for p in policy for s in statements(market, p) if "secretsmanager:GetSecretValue" in s["Action"]]


def test_dev_runs_its_data_functions_inside_the_databases_hours(stack_of):
    dev = stack_of("openmarket-dev")
    by_target = {s["target"]["arn"]: s for s in dev.resources("aws_scheduler_schedule").values()}
    report = by_target[dev.ref(FN, dev.by_path(FN, "fn-report-generator/function"), "arn")]
    sync = by_target[dev.ref(FN, dev.by_path(FN, "fn-data-sync/function"), "arn")]
    assert report["schedule_expression"] == "cron(30 9 ? * MON-FRI *)"
    assert sync["schedule_expression"] == "cron(30 9-17 ? * MON-FRI *)"
    assert report["schedule_expression_timezone"] == sync["schedule_expression_timezone"] == "Asia/Seoul"


@pytest.mark.parametrize("field, expression, phrase", [
    ("report_schedule", "cron(0 0 * * ? *)", "fires on SUN, SAT"),
    ("data_sync_schedule", "rate(1 hour)", "fires around the clock"),
    ("report_schedule", "cron(0 9 ? * MON-FRI *)", "fires at 09:00"),
    ("data_sync_schedule", "cron(30 9-18 ? * MON-FRI *)", "fires at 18:30"),
])
def test_a_schedule_that_could_fire_at_the_stopped_database_is_refused(field, expression, phrase):
    dev = load("dev", "openmarket")
    with pytest.raises(ConfigError) as caught:
        validate(replace(dev, **{field: replace(getattr(dev, field), expression=expression)}))
    assert caught.value.field == f"{field}.expression" and phrase in str(caught.value)
    assert "stopped outside working hours" in str(caught.value) and caught.value.fix


@pytest.mark.parametrize("name, in_vpc", [("data-sync", False), ("report-generator", False), ("image-processor", True)])
def test_a_data_function_outside_the_vpc_or_another_inside_it_is_refused(name, in_vpc):
    dev = load("dev", "openmarket")
    bad = replace(dev, functions=tuple(replace(f, in_vpc=in_vpc) if f.name == name else f for f in dev.functions))
    with pytest.raises(ConfigError) as caught:
        validate(bad)
    assert caught.value.field == f"functions.{name}.in_vpc" and caught.value.fix == f"set in_vpc={not in_vpc}"


@pytest.mark.parametrize("change, field", [
    (lambda d: replace(d, ingress=replace(d.ingress, ports=(0,))), "ingress.ports"),
    (lambda d: replace(d, ingress=replace(d.ingress, allowed_cidrs=("everyone",))), "ingress.allowed_cidrs"),
    (lambda d: replace(d, log_shipper=replace(d.log_shipper, service_account="Fluent_Bit")), "log_shipper.service_account"),
    (lambda d: replace(d, github=replace(d.github, repository="not a repo")), "github.repository"),
])
def test_platform_settings_are_checked(change, field):
    with pytest.raises(ConfigError) as caught:
        validate(change(load("dev", "openmarket")))
    assert caught.value.field == field
