"""EKS: a cluster's access config and security group, node group defaults; add-ons and access
entries (a fake: moto has no such API)."""

from __future__ import annotations

import time
import uuid

from rehearsal.emulator.core import ACCOUNT_ID, LAYER_LOCK, Patch, Replace, RestFake, client_error, store

RESPONSE = "moto.eks.responses:EKSResponse"


def _ec2(response):
    from moto.ec2.models import ec2_backends

    return ec2_backends[response.current_account][response.region]


def _create_cluster(create_cluster):
    def cluster(self):
        answer = create_cluster(self)
        given = self._get_param("accessConfig") or {}
        created = self.eks_backend.clusters[self._get_param("name")]
        created.access_config = {
            "authenticationMode": given.get("authenticationMode", "CONFIG_MAP"),
            "bootstrapClusterCreatorAdminPermissions": given.get("bootstrapClusterCreatorAdminPermissions", True),
        }
        # EKS creates the cluster security group in the subnets' VPC and reports it with the VPC
        ec2 = _ec2(self)
        subnets = (created.resources_vpc_config or {}).get("subnetIds") or []
        if subnets:
            vpc_id = ec2.get_subnet(subnets[0]).vpc_id
            group = ec2.create_security_group(
                name=f"eks-cluster-sg-{created.name}-{uuid.uuid4().hex[:10]}", vpc_id=vpc_id,
                description="EKS created security group applied to ENI that is attached to EKS Control Plane "
                            "master nodes, as well as any managed workloads.")
            created.resources_vpc_config = {**created.resources_vpc_config, "vpcId": vpc_id,
                                            "clusterSecurityGroupId": group.id}
        return answer

    return cluster


def _delete_cluster(delete_cluster):
    def drop_cluster(self):
        known = self.eks_backend.clusters.get(self._get_param("name"))
        group = (known.resources_vpc_config or {}).get("clusterSecurityGroupId") if known else None
        answer = delete_cluster(self)
        if group:
            _ec2(self).delete_security_group(group_id=group)
        return answer

    return drop_cluster


def _create_nodegroup(create_nodegroup):
    def nodegroup(self):
        answer = create_nodegroup(self)
        group = self.eks_backend.clusters[self._get_param("name")].nodegroups[self._get_param("nodegroupName")]
        group.remote_access = self._get_param("remoteAccess")  # moto invents {"ec2SshKey": "eksKeypair"}
        group.update_config = self._get_param("updateConfig") or {"maxUnavailable": 1}
        return answer

    return nodegroup


def _probe_fields(session) -> bool:
    eks, ec2, iam = session.client("eks"), session.client("ec2"), session.client("iam")
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.8.{i}.0/24")["Subnet"]["SubnetId"] for i in (1, 2)]
    role = iam.create_role(RoleName="probe-eks-fields", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    eks.create_cluster(name="probe-fields", roleArn=role, resourcesVpcConfig={"subnetIds": subnets},
                       accessConfig={"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False})
    eks.create_nodegroup(clusterName="probe-fields", nodegroupName="ng", subnets=subnets, nodeRole=role,
                         scalingConfig={"minSize": 1, "maxSize": 2, "desiredSize": 1})
    described = eks.describe_cluster(name="probe-fields")["cluster"]
    access = described.get("accessConfig", {})
    security_group = described["resourcesVpcConfig"].get("clusterSecurityGroupId")
    group = eks.describe_nodegroup(clusterName="probe-fields", nodegroupName="ng")["nodegroup"]
    return not (access.get("authenticationMode") == "API" and security_group
                and ec2.describe_security_groups(GroupIds=[security_group])["SecurityGroups"][0]["VpcId"] == vpc
                and access.get("bootstrapClusterCreatorAdminPermissions") is False
                and "remoteAccess" not in group and group.get("updateConfig") == {"maxUnavailable": 1})


EKS_FIELDS = Patch(
    name="eks-access-config-and-node-group-defaults",
    moto="CreateCluster drops accessConfig (DescribeCluster returns none: the provider replaces the "
         "cluster); CreateNodegroup invents remoteAccess {ec2SshKey: eksKeypair} when none is given "
         "(replacement again) and drops updateConfig; no cluster security group (clusterSecurityGroupId "
         "null, so the nodes' launch template re-plans)",
    aws="the cluster keeps and returns accessConfig (default CONFIG_MAP, bootstrap admin true) and creates "
        "its cluster security group in the VPC (resourcesVpcConfig.clusterSecurityGroupId, deleted with "
        "the cluster); a node group without remoteAccess has none; updateConfig defaults to maxUnavailable 1",
    reference="https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html#AmazonEKS-CreateCluster-request-accessConfig ; "
              "https://docs.aws.amazon.com/eks/latest/APIReference/API_Nodegroup.html ; "
              "https://docs.aws.amazon.com/eks/latest/APIReference/API_NodegroupUpdateConfig.html",
    probe=_probe_fields,
    replaces=(
        Replace(RESPONSE, "create_cluster", _create_cluster),
        Replace(RESPONSE, "create_nodegroup", _create_nodegroup),
        Replace(RESPONSE, "delete_cluster", _delete_cluster),
    ),
)


# --------------------------------------------------------------------------- add-ons and access entries (fake)

ADDONS: dict[tuple[str, str, str], dict] = store()  # (region, cluster, addon name) -> addon
ACCESS: dict[tuple[str, str, str], dict] = store()  # (region, cluster, principal ARN) -> access entry
POLICIES: dict[tuple[str, str, str], dict[str, dict]] = store()  # access entry key -> policy ARN -> association
ASSOCIATIONS: dict[tuple[str, str, str], dict] = store()  # (region, cluster, association ID) -> pod identity association


def _now() -> float:
    return round(time.time(), 3)


def _cluster_exists(region: str, cluster: str) -> bool:
    from moto.eks.models import eks_backends

    return cluster in eks_backends[ACCOUNT_ID][region].clusters


def _addons_and_access_entries(method: str, path: str, body: dict, region: str) -> tuple[int, dict]:
    def not_found(what: str) -> tuple[int, dict]:
        return 404, {"__type": "ResourceNotFoundException", "message": f"{what} not found", "clusterName": cluster}

    parts = path.strip("/").split("/", 3)  # clusters, <name>, addons|access-entries, rest
    cluster, kind, rest = parts[1], parts[2], parts[3] if len(parts) > 3 else ""
    if not _cluster_exists(region, cluster):
        return not_found(f"No cluster found for name: {cluster}.")
    with LAYER_LOCK:
        if kind == "pod-identity-associations":
            return _pod_identity(method, rest, body, region, cluster, not_found)
        if kind == "addons":
            if method == "POST" and not rest:
                key = (region, cluster, body["addonName"])
                if key in ADDONS:
                    return 409, {"__type": "ResourceInUseException", "message": f"Addon already exists: {key[2]}"}
                now = _now()
                ADDONS[key] = {
                    "addonName": key[2], "clusterName": cluster, "status": "ACTIVE",
                    "addonVersion": body.get("addonVersion") or "v0.0.0-eksbuild.1", "health": {"issues": []},
                    "addonArn": f"arn:aws:eks:{region}:{ACCOUNT_ID}:addon/{cluster}/{key[2]}/{uuid.uuid4()}",
                    "createdAt": now, "modifiedAt": now, "tags": dict(body.get("tags") or {}),
                    **({"serviceAccountRoleArn": body["serviceAccountRoleArn"]} if body.get("serviceAccountRoleArn") else {}),
                    **({"configurationValues": body["configurationValues"]} if body.get("configurationValues") else {}),
                    "podIdentityAssociations": [],
                }
                return 200, {"addon": ADDONS[key]}
            if method == "GET" and not rest:
                return 200, {"addons": sorted(n for (r, c, n) in ADDONS if (r, c) == (region, cluster))}
            key = (region, cluster, rest.split("/")[0])
            if key not in ADDONS:
                return not_found(f"No addon: {key[2]} found in cluster: {cluster}")
            if method == "GET":
                return 200, {"addon": ADDONS[key]}
            if method == "DELETE":
                return 200, {"addon": {**ADDONS.pop(key), "status": "DELETING"}}
        if kind == "access-entries":
            if method == "POST" and not rest:
                key = (region, cluster, body["principalArn"])
                if key in ACCESS:
                    return 409, {"__type": "ResourceInUseException", "message": "The specified access entry resource is already in use on this cluster."}
                role = key[2].rsplit("/", 1)[-1]
                now = _now()
                ACCESS[key] = {
                    "clusterName": cluster, "principalArn": key[2], "type": body.get("type") or "STANDARD",
                    "kubernetesGroups": list(body.get("kubernetesGroups") or []),
                    "username": body.get("username") or f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role}/{{{{SessionName}}}}",
                    "accessEntryArn": f"arn:aws:eks:{region}:{ACCOUNT_ID}:access-entry/{cluster}/role/{ACCOUNT_ID}/{role}/{uuid.uuid4()}",
                    "createdAt": now, "modifiedAt": now, "tags": dict(body.get("tags") or {}),
                }
                POLICIES[key] = {}
                return 200, {"accessEntry": ACCESS[key]}
            if method == "GET" and not rest:
                return 200, {"accessEntries": sorted(p for (r, c, p) in ACCESS if (r, c) == (region, cluster))}
            principal, _, tail = rest.partition("/access-policies")
            key = (region, cluster, principal)
            if key not in ACCESS:
                return not_found(f"The specified principalArn could not be found: {principal}")
            if not _ and method == "GET":
                return 200, {"accessEntry": ACCESS[key]}
            if not _ and method == "DELETE":
                ACCESS.pop(key)
                POLICIES.pop(key, None)
                return 200, {}
            policies = POLICIES.setdefault(key, {})
            answer = {"clusterName": cluster, "principalArn": principal}
            if method == "POST" and not tail:
                now = _now()
                association = {"policyArn": body["policyArn"], "accessScope": body.get("accessScope") or {"type": "cluster"},
                               "associatedAt": now, "modifiedAt": now}
                association["accessScope"].setdefault("namespaces", [])
                policies[body["policyArn"]] = association
                return 200, {**answer, "associatedAccessPolicy": association}
            if method == "GET" and not tail:
                return 200, {**answer, "associatedAccessPolicies": list(policies.values())}
            if method == "DELETE" and tail.startswith("/"):
                if policies.pop(tail[1:], None) is None:
                    return not_found(f"The specified policyArn could not be found: {tail[1:]}")
                return 200, {}
    return 405, {"__type": "InvalidRequestException", "message": f"{method} {path} is not emulated"}


def _pod_identity(method: str, rest: str, body: dict, region: str, cluster: str, not_found) -> tuple[int, dict]:
    """EKS Pod Identity associations: one per namespace and service account of a cluster."""
    if method == "POST" and not rest:
        taken = [a for (r, c, _), a in ASSOCIATIONS.items() if (r, c) == (region, cluster)
                 and (a["namespace"], a["serviceAccount"]) == (body["namespace"], body["serviceAccount"])]
        if taken:
            return 409, {"__type": "ResourceInUseException",
                         "message": "Association already exists for the service account"}
        association_id = "a-" + uuid.uuid4().hex[:17]
        now = _now()
        ASSOCIATIONS[(region, cluster, association_id)] = association = {
            "clusterName": cluster, "namespace": body["namespace"], "serviceAccount": body["serviceAccount"],
            "roleArn": body["roleArn"], "associationId": association_id,
            "associationArn": f"arn:aws:eks:{region}:{ACCOUNT_ID}:podidentityassociation/{cluster}/{association_id}",
            "tags": dict(body.get("tags") or {}), "createdAt": now, "modifiedAt": now,
            "disableSessionTags": bool(body.get("disableSessionTags", False)),
            **({"targetRoleArn": body["targetRoleArn"]} if body.get("targetRoleArn") else {}),
        }
        return 200, {"association": association}
    if method == "GET" and not rest:
        return 200, {"associations": [
            {k: a[k] for k in ("clusterName", "namespace", "serviceAccount", "associationArn", "associationId")}
            for (r, c, _), a in sorted(ASSOCIATIONS.items()) if (r, c) == (region, cluster)]}
    key = (region, cluster, rest.split("/")[0])
    if key not in ASSOCIATIONS:
        return not_found(f"No Pod Identity Association found with id {key[2]}")
    if method == "GET":
        return 200, {"association": ASSOCIATIONS[key]}
    if method == "POST":  # UpdatePodIdentityAssociation
        ASSOCIATIONS[key].update({k: body[k] for k in ("roleArn", "disableSessionTags", "targetRoleArn") if k in body},
                                 modifiedAt=_now())
        return 200, {"association": ASSOCIATIONS[key]}
    if method == "DELETE":
        return 200, {"association": ASSOCIATIONS.pop(key)}
    return 405, {"__type": "InvalidRequestException", "message": f"{method} pod identity association is not emulated"}


def _probe_addons_and_access_entries(session) -> bool:
    """Plain moto answers the add-on and access-entry routes with a bare 404 (no route at all)."""
    eks, ec2, iam = session.client("eks"), session.client("ec2"), session.client("iam")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24")["Subnet"]["SubnetId"] for i in (1, 2)]
    role = iam.create_role(RoleName="probe-eks", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    eks.create_cluster(name="probe", roleArn=role, resourcesVpcConfig={"subnetIds": subnets})
    try:
        addon = eks.create_addon(clusterName="probe", addonName="coredns", addonVersion="v1.12.4-eksbuild.1")["addon"]
        entry = eks.create_access_entry(clusterName="probe", principalArn=role)["accessEntry"]
        eks.associate_access_policy(clusterName="probe", principalArn=role, accessScope={"type": "cluster"},
                                    policyArn="arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy")
        listed = eks.list_associated_access_policies(clusterName="probe", principalArn=role)["associatedAccessPolicies"]
        described = eks.describe_addon(clusterName="probe", addonName="coredns")["addon"]
        eks.delete_addon(clusterName="probe", addonName="coredns")
        eks.disassociate_access_policy(clusterName="probe", principalArn=role, policyArn=listed[0]["policyArn"])
        eks.delete_access_entry(clusterName="probe", principalArn=role)
        gone = client_error(lambda: eks.describe_addon(clusterName="probe", addonName="coredns"),
                             "ResourceNotFoundException")
        association = eks.create_pod_identity_association(clusterName="probe", namespace="kube-system",
                                                          serviceAccount="probe", roleArn=role)["association"]
        found = eks.describe_pod_identity_association(clusterName="probe",
                                                      associationId=association["associationId"])["association"]
        eks.delete_pod_identity_association(clusterName="probe", associationId=association["associationId"])
        return not (addon["status"] == described["status"] == "ACTIVE" and entry["principalArn"] == role
                    and len(listed) == 1 and gone and found["serviceAccount"] == "probe")
    except Exception:
        return True


EKS_ADDONS_AND_ACCESS = RestFake(
    name="eks-addons-and-access-entries",
    moto="EKS has clusters, node groups and Fargate profiles but no add-on, access-entry or Pod Identity API: "
         "CreateAddon, DescribeAddon, DeleteAddon, CreateAccessEntry, DescribeAccessEntry, "
         "DeleteAccessEntry, AssociateAccessPolicy, ListAssociatedAccessPolicies, "
         "DisassociateAccessPolicy and Create/Describe/Update/DeletePodIdentityAssociation answer a bare 404 "
         "(no route)",
    aws="an add-on is created on an existing cluster and reported ACTIVE once installed, with its "
        "version, ARN and tags; an access entry (type STANDARD, generated username) grants an IAM "
        "principal access, and cluster-access policies are associated with it with a scope; a Pod Identity "
        "association binds one namespace/service account of a cluster to a role (a second one for the same "
        "account is ResourceInUseException); each is described, listed and deleted; an unknown cluster, add-on, "
        "principal or association is ResourceNotFoundException",
    reference="https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateAddon.html ; "
              "https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateAccessEntry.html ; "
              "https://docs.aws.amazon.com/eks/latest/APIReference/API_AssociateAccessPolicy.html ; "
              "https://docs.aws.amazon.com/eks/latest/APIReference/API_ListAssociatedAccessPolicies.html ; "
              "https://docs.aws.amazon.com/eks/latest/APIReference/API_CreatePodIdentityAssociation.html",
    probe=_probe_addons_and_access_entries,
    service="eks",
    path=r"/clusters/[^/]+/(addons|access-entries|pod-identity-associations)(/.*)?",
    handler=_addons_and_access_entries,
)
