"""The Redis module on the synthesized JSON, per environment, and its AUTH token variants."""

from __future__ import annotations

from dataclasses import replace

import pytest

from environments import load
from modules.framework import aws
from tests.support import synth_settings

GROUP = aws.elasticache_replication_group.ElasticacheReplicationGroup.TF_RESOURCE_TYPE
CACHE_SUBNETS = aws.elasticache_subnet_group.ElasticacheSubnetGroup.TF_RESOURCE_TYPE
SECRET = aws.secretsmanager_secret.SecretsmanagerSecret.TF_RESOURCE_TYPE
SECRET_VERSION = aws.secretsmanager_secret_version.SecretsmanagerSecretVersion.TF_RESOURCE_TYPE
SECRET_VALUE_DATA = aws.data_aws_secretsmanager_secret_version.DataAwsSecretsmanagerSecretVersion.TF_RESOURCE_TYPE
SECRET_DATA = aws.data_aws_secretsmanager_secret.DataAwsSecretsmanagerSecret.TF_RESOURCE_TYPE
RANDOM = aws.data_aws_secretsmanager_random_password.DataAwsSecretsmanagerRandomPassword.TF_RESOURCE_TYPE
LOG_GROUP = aws.cloudwatch_log_group.CloudwatchLogGroup.TF_RESOURCE_TYPE
KMS_KEY = aws.kms_key.KmsKey.TF_RESOURCE_TYPE
SUBNET = aws.subnet.Subnet.TF_RESOURCE_TYPE
SG = aws.security_group.SecurityGroup.TF_RESOURCE_TYPE
INGRESS = aws.vpc_security_group_ingress_rule.VpcSecurityGroupIngressRule.TF_RESOURCE_TYPE
EGRESS = aws.vpc_security_group_egress_rule.VpcSecurityGroupEgressRule.TF_RESOURCE_TYPE

# SPEC §3: dev one micro node, prod primary + replica on small; staging ours (replicated micro).
NODES = {
    "dev": ("cache.t4g.micro", 1),
    "staging": ("cache.t4g.micro", 2),
    "prod": ("cache.t4g.small", 2),
}
SNAPSHOT_DAYS = {"dev": 1, "staging": 3, "prod": 5}
RECOVERY_DAYS = {"dev": 0, "staging": 7, "prod": 30}


def data_key_arn(synth) -> str:
    return synth.ref(KMS_KEY, synth.by_path(KMS_KEY, "data-key/key"), "arn")


def data_ref(synth, type_: str, path: str, attribute: str) -> str:
    """``${data.<type>.<id>.<attribute>}`` of the data source at construct path ``*/path``."""
    found = [synth.logical_id(v) for v in synth.data(type_).values() if ("/" + synth.path(v)).endswith("/" + path)]
    assert len(found) == 1, found
    return f"${{data.{type_}.{found[0]}.{attribute}}}"


def test_redis_node_type_and_count_follow_the_environment(env, stack):
    group = stack.one(GROUP)
    assert (group["node_type"], group["num_cache_clusters"]) == NODES[env]
    assert (group["engine"], group["engine_version"], group["port"]) == ("redis", "7.1", 6379)
    assert group["replication_group_id"] == f"codemate-redis-{env}"


def test_dev_redis_is_a_single_node_without_failover(dev):
    group = dev.one(GROUP)
    assert group["automatic_failover_enabled"] is False
    assert group["multi_az_enabled"] is False
    assert group["preferred_cache_cluster_azs"] == ["ap-northeast-2a"]


def test_prod_redis_has_a_replica_in_the_other_az_with_multi_az_and_automatic_failover(prod):
    group = prod.one(GROUP)
    assert group["automatic_failover_enabled"] is True
    assert group["multi_az_enabled"] is True
    assert group["preferred_cache_cluster_azs"] == ["ap-northeast-2a", "ap-northeast-2c"]


def test_redis_is_encrypted_at_rest_with_the_data_key_and_requires_tls(stack):
    group = stack.one(GROUP)
    assert group["at_rest_encryption_enabled"] == "true"
    assert group["kms_key_id"] == data_key_arn(stack)
    assert group["transit_encryption_enabled"] is True
    assert group["transit_encryption_mode"] == "required"


def test_auth_token_is_read_from_the_secret_never_written_in_the_json(stack):
    group = stack.one(GROUP)
    assert group["auth_token"] == data_ref(stack, SECRET_VALUE_DATA, "cache/auth-token", "secret_string")
    secret = stack.by_path(SECRET, "cache/auth-secret")
    reader = [v for v in stack.data(SECRET_VALUE_DATA).values()][0]
    assert reader["secret_id"] == stack.ref(SECRET, secret)
    # read only after the value is written, so a first apply (or a rotation) sees the new token
    version = stack.by_path(SECRET_VERSION, "cache/auth-value")
    assert reader["depends_on"] == [f"{SECRET_VERSION}.{stack.logical_id(version)}"]


def test_generated_token_is_written_write_only_from_an_ephemeral_generator(stack):
    version = stack.one(SECRET_VERSION)
    [(name, generator)] = stack.doc["ephemeral"][RANDOM].items()
    assert version["secret_string_wo"] == f"${{ephemeral.{RANDOM}.{name}.random_password}}"
    assert version["secret_string_wo_version"] == 1
    assert "secret_string" not in version
    assert generator == {"password_length": 64, "exclude_punctuation": True, "include_space": False}


def test_token_is_not_generated_by_the_data_source_that_prints_it(stack):
    # the data source's id *is* the password: plan would print it and the state keep it
    assert stack.data(RANDOM) == {}


def test_token_secret_is_named_for_the_environment_and_encrypted_with_the_data_key(env, stack):
    secret = stack.one(SECRET, name=f"codemate/{env}/redis-auth")
    assert secret["kms_key_id"] == data_key_arn(stack)
    assert secret["recovery_window_in_days"] == RECOVERY_DAYS[env]


def test_redis_subnet_group_spans_only_the_database_subnets(stack):
    group = stack.one(CACHE_SUBNETS)
    db_tier = [stack.ref(SUBNET, stack.by_path(SUBNET, f"network/db-{zone}")) for zone in "ac"]
    assert group["subnet_ids"] == db_tier
    assert stack.one(GROUP)["subnet_group_name"] == stack.ref(CACHE_SUBNETS, group, "name")


def test_redis_uses_the_redis_group_that_admits_only_ecs_on_6379(stack):
    redis_sg = stack.ref(SG, stack.by_path(SG, "security-groups/redis"))
    ecs_sg = stack.ref(SG, stack.by_path(SG, "security-groups/ecs"))
    assert stack.one(GROUP)["security_group_ids"] == [redis_sg]
    rules = stack.all(INGRESS, security_group_id=redis_sg)
    assert [(r["from_port"], r.get("referenced_security_group_id"), r.get("cidr_ipv4")) for r in rules] == [
        (6379, ecs_sg, None)]
    assert stack.all(EGRESS, security_group_id=redis_sg) == []


def test_snapshots_are_kept_for_the_environments_retention_at_03_kst(env, stack):
    group = stack.one(GROUP)
    assert group["snapshot_retention_limit"] == SNAPSHOT_DAYS[env]
    assert group["snapshot_window"] == "18:00-19:00"
    assert group["maintenance_window"] == "sun:20:00-sun:21:00"


def test_slow_and_engine_logs_are_delivered_to_the_spec_log_group(env, stack):
    log_group = stack.one(LOG_GROUP, name=f"/aws/elasticache/codemate-redis-{env}")
    assert log_group["retention_in_days"] == load(env).log_retention_days
    assert log_group["kms_key_id"] == data_key_arn(stack)
    name = stack.ref(LOG_GROUP, log_group, "name")
    assert stack.one(GROUP)["log_delivery_configuration"] == [
        {"destination": name, "destination_type": "cloudwatch-logs", "log_format": "json", "log_type": log_type}
        for log_type in ("slow-log", "engine-log")
    ]


def test_stack_outputs_redis_primary_endpoint_and_token_secret(stack):
    group = stack.by_path(GROUP, "cache/group")
    assert stack.outputs["redis_primary_endpoint"]["value"] == stack.ref(GROUP, group, "primary_endpoint_address")
    assert stack.outputs["redis_auth_token_secret_arn"]["value"] == stack.ref(
        SECRET, stack.by_path(SECRET, "cache/auth-secret"), "arn")


# -- variants ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def out_of_band():
    dev = load("dev")
    return synth_settings(replace(dev, cache=replace(dev.cache, auth_token_secret_name="platform/dev/redis")))


def test_out_of_band_token_is_only_read_from_the_named_secret(out_of_band):
    assert out_of_band.under(SECRET, "cache") == []
    assert out_of_band.under(SECRET_VERSION, "cache") == []
    assert "ephemeral" not in out_of_band.doc
    [secret] = out_of_band.data(SECRET_DATA).values()
    assert secret["name"] == "platform/dev/redis"
    assert out_of_band.one(GROUP)["auth_token"] == data_ref(
        out_of_band, SECRET_VALUE_DATA, "cache/auth-token", "secret_string")
    assert out_of_band.outputs["redis_auth_token_secret_arn"]["value"] == data_ref(
        out_of_band, SECRET_DATA, "cache/auth-secret", "arn")


def test_bumping_the_token_version_writes_a_new_token():
    prod = load("prod")
    rotated = synth_settings(replace(prod, cache=replace(prod.cache, auth_token_version=2)))
    assert rotated.one(SECRET_VERSION)["secret_string_wo_version"] == 2
    assert rotated.one(GROUP)["auth_token_update_strategy"] == "ROTATE"
