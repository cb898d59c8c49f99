"""ElastiCache: member clusters of a replication group, deleting a group, deleting a subnet group."""

from __future__ import annotations

from rehearsal.emulator.core import Patch, Replace, client_error, constant

MODELS = "moto.elasticache.models"
BACKEND = f"{MODELS}:ElastiCacheBackend"


def _set_members(set_members):
    def set_members_honouring_count(self, *, num_cache_clusters, replicas_per_node_group, **kwargs):
        if not replicas_per_node_group and num_cache_clusters:
            replicas_per_node_group = num_cache_clusters - 1
        set_members(self, num_cache_clusters=num_cache_clusters,
                    replicas_per_node_group=replicas_per_node_group, **kwargs)

    return set_members_honouring_count


def _create_replication_group(create_group):
    from moto.elasticache import models

    def create_replication_group(self, *args, **kwargs):
        group = create_group(self, *args, **kwargs)
        for node_group in group.node_groups:
            for member in node_group.get("node_group_members", []):
                cluster_id = member["cache_cluster_id"]
                if cluster_id in self.cache_clusters:
                    continue
                self.cache_clusters[cluster_id] = models.CacheCluster(
                    account_id=self.account_id, region_name=self.region_name, cache_cluster_id=cluster_id,
                    replication_group_id=group.replication_group_id, az_mode="single-az",
                    preferred_availability_zone=member.get("preferred_availability_zone"), num_cache_nodes=1,
                    cache_node_type=kwargs.get("cache_node_type"), engine=kwargs.get("engine") or "redis",
                    engine_version=kwargs.get("engine_version"),
                    cache_parameter_group_name=kwargs.get("cache_parameter_group_name"),
                    cache_subnet_group_name=kwargs.get("cache_subnet_group_name"),
                    transit_encryption_enabled=kwargs.get("transit_encryption_enabled"),
                    network_type=kwargs.get("network_type"), ip_discovery=kwargs.get("ip_discovery"),
                    snapshot_name=None, preferred_maintenance_window=kwargs.get("preferred_maintenance_window"),
                    port=group.port, notification_topic_arn=kwargs.get("notification_topic_arn"),
                    auto_minor_version_upgrade=kwargs.get("auto_minor_version_upgrade"),
                    snapshot_retention_limit=kwargs.get("snapshot_retention_limit"),
                    snapshot_window=kwargs.get("snapshot_window"), auth_token=None, outpost_mode=None,
                    preferred_outpost_arn=None, preferred_availability_zones=[],
                    cache_security_group_names=[], security_group_ids=kwargs.get("security_group_ids") or [],
                    tags=[], snapshot_arns=[], preferred_outpost_arns=[], log_delivery_configurations=[],
                    cache_node_ids_to_remove=[], cache_node_ids_to_reboot=[],
                )
                # What DescribeCacheClusters reports of a member comes from its group
                cluster = self.cache_clusters[cluster_id]
                cluster.at_rest_encryption_enabled = group.at_rest_encryption_enabled
                cluster.transit_encryption_enabled = group.transit_encryption_enabled
                cluster.auth_token_enabled = group.auth_token_enabled
                cluster.transit_encryption_mode = group.transit_encryption_mode
                cluster.security_groups = [{"SecurityGroupId": g, "Status": "active"}
                                           for g in (group.security_group_ids or [])]
        return group

    return create_replication_group


def _delete_replication_group(delete_group):
    def delete_replication_group(self, replication_group_id, retain_primary_cluster):
        group = delete_group(self, replication_group_id, retain_primary_cluster)
        self.replication_groups.pop(replication_group_id, None)
        for cluster_id in [c for c, cluster in self.cache_clusters.items()
                           if getattr(cluster, "replication_group_id", None) == replication_group_id]:
            del self.cache_clusters[cluster_id]
        return group

    return delete_replication_group


def delete_cache_subnet_group_backend(self, cache_subnet_group_name):
    from moto.elasticache import models

    if cache_subnet_group_name not in self.cache_subnet_groups:
        raise models.CacheSubnetGroupNotFound(cache_subnet_group_name)
    return self.cache_subnet_groups.pop(cache_subnet_group_name)


def delete_cache_subnet_group(self):
    self.elasticache_backend.delete_cache_subnet_group(self._get_param("CacheSubnetGroupName"))
    return ('<DeleteCacheSubnetGroupResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/">'
            "<ResponseMetadata><RequestId>rehearsal</RequestId></ResponseMetadata>"
            "</DeleteCacheSubnetGroupResponse>")


def _probe_group(session, suffix: str, count: int):
    client = session.client("elasticache")
    client.create_replication_group(
        ReplicationGroupId=f"probe-{suffix}", ReplicationGroupDescription="probe", Engine="redis",
        CacheNodeType="cache.t4g.micro", NumCacheClusters=count, AutomaticFailoverEnabled=count > 1)
    return client


def _probe_member_clusters(session) -> bool:
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.6.0.0/16")["Vpc"]["VpcId"]
    sg = ec2.create_security_group(GroupName="probe-redis", Description="p", VpcId=vpc)["GroupId"]
    client = session.client("elasticache")
    client.create_replication_group(
        ReplicationGroupId="probe-members", ReplicationGroupDescription="probe", Engine="redis",
        CacheNodeType="cache.t4g.micro", NumCacheClusters=1, AtRestEncryptionEnabled=True,
        TransitEncryptionEnabled=True, TransitEncryptionMode="required", SecurityGroupIds=[sg])
    (group,) = client.describe_replication_groups(ReplicationGroupId="probe-members")["ReplicationGroups"]
    for member in group["MemberClusters"]:
        try:
            (cluster,) = client.describe_cache_clusters(CacheClusterId=member)["CacheClusters"]
        except Exception:
            return True
        if (cluster.get("AtRestEncryptionEnabled") is not True or cluster.get("TransitEncryptionMode") != "required"
                or [g["SecurityGroupId"] for g in cluster.get("SecurityGroups", [])] != [sg]):
            return True
    return not group["MemberClusters"]


def _probe_num_cache_clusters(session) -> bool:
    client = _probe_group(session, "count", 2)
    (group,) = client.describe_replication_groups(ReplicationGroupId="probe-count")["ReplicationGroups"]
    return len(group["MemberClusters"]) != 2


def _probe_deleted_group(session) -> bool:
    client = _probe_group(session, "deleted", 1)
    client.delete_replication_group(ReplicationGroupId="probe-deleted")
    return not client_error(lambda: client.describe_replication_groups(ReplicationGroupId="probe-deleted"),
                            "ReplicationGroupNotFoundFault")


def _probe_delete_subnet_group(session) -> bool:
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    client = session.client("elasticache")
    client.create_cache_subnet_group(CacheSubnetGroupName="probe", CacheSubnetGroupDescription="probe",
                                     SubnetIds=[subnet])
    return client_error(lambda: client.delete_cache_subnet_group(CacheSubnetGroupName="probe"))


ELASTICACHE_MEMBER_CLUSTERS = Patch(
    name="elasticache-member-clusters",
    moto="CreateReplicationGroup lists member clusters (<id>-001, ...) that DescribeCacheClusters then "
         "reports as CacheClusterNotFound, and ignores NumCacheClusters (one node unless "
         "ReplicasPerNodeGroup is set)",
    aws="a replication group without cluster mode and NumCacheClusters=N has N member cache clusters "
        "(one primary, N-1 replicas), each one describable with DescribeCacheClusters and reporting "
        "the group's encryption settings and security groups (the provider reads them from there)",
    reference="https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html "
              "(NumCacheClusters) ; https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ReplicationGroup.html "
              "(MemberClusters)",
    probe=lambda session: _probe_member_clusters(session) or _probe_num_cache_clusters(session),
    replaces=(
        Replace(f"{MODELS}:ReplicationGroup", "_set_node_members_clusters_disabled", _set_members),
        Replace(BACKEND, "create_replication_group", _create_replication_group),
    ),
)

ELASTICACHE_DELETED_GROUP = Patch(
    name="elasticache-deleted-replication-group",
    moto="DeleteReplicationGroup leaves the group in status 'deleting' forever, so Terraform's wait for "
         "the deletion never ends",
    aws="a deleted replication group goes through 'deleting' and then DescribeReplicationGroups answers "
        "ReplicationGroupNotFoundFault",
    reference="https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteReplicationGroup.html",
    probe=_probe_deleted_group,
    replaces=(Replace(BACKEND, "delete_replication_group", _delete_replication_group),),
)

ELASTICACHE_DELETE_SUBNET_GROUP = Patch(
    name="elasticache-delete-cache-subnet-group",
    moto="DeleteCacheSubnetGroup is not implemented (500)",
    aws="DeleteCacheSubnetGroup deletes a subnet group no cluster uses",
    reference="https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteCacheSubnetGroup.html",
    probe=_probe_delete_subnet_group,
    replaces=(
        Replace(BACKEND, "delete_cache_subnet_group", constant(delete_cache_subnet_group_backend)),
        Replace("moto.elasticache.responses:ElastiCacheResponse", "delete_cache_subnet_group",
                constant(delete_cache_subnet_group)),
    ),
)
