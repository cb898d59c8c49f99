"""The database module on the synthesized JSON: PostgreSQL per environment, then the MySQL
(UniSync) and Aurora MySQL (OpenMarket) variants of SPEC §5."""

from __future__ import annotations

import json

from types import SimpleNamespace

import pytest

from environments import load
from modules.database.engines import DatabaseEngine
from modules.errors import ConfigError
from modules import framework
from modules.framework import aws
from modules.naming import Naming

DB_INSTANCE = aws.db_instance.DbInstance.TF_RESOURCE_TYPE
DB_PARAMS = aws.db_parameter_group.DbParameterGroup.TF_RESOURCE_TYPE
DB_SUBNETS = aws.db_subnet_group.DbSubnetGroup.TF_RESOURCE_TYPE
CLUSTER = aws.rds_cluster.RdsCluster.TF_RESOURCE_TYPE
CLUSTER_INSTANCE = aws.rds_cluster_instance.RdsClusterInstance.TF_RESOURCE_TYPE
CLUSTER_PARAMS = aws.rds_cluster_parameter_group.RdsClusterParameterGroup.TF_RESOURCE_TYPE
LOG_GROUP = aws.cloudwatch_log_group.CloudwatchLogGroup.TF_RESOURCE_TYPE
KMS_KEY = aws.kms_key.KmsKey.TF_RESOURCE_TYPE
SUBNET = aws.subnet.Subnet.TF_RESOURCE_TYPE
SG = aws.security_group.SecurityGroup.TF_RESOURCE_TYPE
INGRESS = aws.vpc_security_group_ingress_rule.VpcSecurityGroupIngressRule.TF_RESOURCE_TYPE

# SPEC §3 "Data" (dev, prod) and our staging: class, storage, autoscaling ceiling, Multi-AZ, backups.
SIZES = {
    "dev": ("db.t4g.micro", 20, None, False, 3),
    "staging": ("db.t4g.small", 20, 50, False, 5),
    "prod": ("db.t4g.small", 50, 100, True, 7),
}


def data_key_arn(synth) -> str:
    key = synth.by_path(KMS_KEY, "data-key/key")
    return synth.ref(KMS_KEY, key, "arn")


# -- PostgreSQL, per environment ---------------------------------------------------
def test_codemate_database_is_postgresql_17_on_5432_as_its_application_expects(stack):
    # SPEC §7: the application's docker-compose and Prisma migrations run on PostgreSQL 17
    # (the library's default stays 16; Codemate's settings name 17).
    db = stack.one(DB_INSTANCE)
    assert (db["engine"], db["engine_version"], db["port"]) == ("postgres", "17", 5432)


def test_database_class_and_gp3_storage_follow_the_environment(env, stack):
    instance_class, storage, ceiling, _multi_az, _days = SIZES[env]
    db = stack.one(DB_INSTANCE)
    assert db["instance_class"] == instance_class
    assert db["storage_type"] == "gp3"
    assert db["allocated_storage"] == storage
    assert db.get("max_allocated_storage") == ceiling


def test_only_prod_database_is_multi_az(env, stack):
    assert stack.one(DB_INSTANCE)["multi_az"] is SIZES[env][3]


def test_backups_run_at_03_kst_for_the_environments_retention(env, stack):
    db = stack.one(DB_INSTANCE)
    assert db["backup_window"] == "18:00-19:00"
    assert db["backup_retention_period"] == SIZES[env][4]
    assert db["maintenance_window"] == "sun:20:00-sun:21:00"


def test_storage_is_encrypted_with_the_environments_data_key(stack):
    db = stack.one(DB_INSTANCE)
    assert db["storage_encrypted"] is True
    assert db["kms_key_id"] == data_key_arn(stack)


def test_master_password_is_generated_and_kept_by_rds_in_secrets_manager(stack):
    db = stack.one(DB_INSTANCE)
    assert db["manage_master_user_password"] is True
    assert db["master_user_secret_kms_key_id"] == data_key_arn(stack)
    assert not {"password", "password_wo"} & db.keys()


def test_database_is_never_publicly_accessible(stack):
    assert stack.one(DB_INSTANCE)["publicly_accessible"] is False


def test_database_subnet_group_spans_only_the_database_subnets(stack):
    group = stack.one(DB_SUBNETS)
    db_tier = [stack.ref(SUBNET, stack.by_path(SUBNET, f"network/db-{zone}")) for zone in "ac"]
    assert group["subnet_ids"] == db_tier
    assert stack.one(DB_INSTANCE)["db_subnet_group_name"] == stack.ref(DB_SUBNETS, group, "name")


def test_database_uses_the_rds_group_that_admits_only_ecs_on_5432(stack):
    rds_sg = stack.ref(SG, stack.by_path(SG, "security-groups/rds"))
    ecs_sg = stack.ref(SG, stack.by_path(SG, "security-groups/ecs"))
    assert stack.one(DB_INSTANCE)["vpc_security_group_ids"] == [rds_sg]
    rules = stack.all(INGRESS, security_group_id=rds_sg)
    assert [(r["from_port"], r["to_port"], r.get("referenced_security_group_id"), r.get("cidr_ipv4"))
            for r in rules] == [(5432, 5432, ecs_sg, None)]


def test_tls_is_enforced_by_the_postgresql_parameter_group(stack):
    group = stack.one(DB_PARAMS)
    assert group["family"] == "postgres17"
    assert group["parameter"] == [{"name": "rds.force_ssl", "value": "1"}]
    assert stack.one(DB_INSTANCE)["parameter_group_name"] == stack.ref(DB_PARAMS, group, "name")


def test_dev_database_can_be_torn_down_in_one_destroy(dev):
    db = dev.one(DB_INSTANCE)
    assert db["deletion_protection"] is False
    assert db["skip_final_snapshot"] is True
    assert "final_snapshot_identifier" not in db


def test_staging_database_can_be_destroyed_but_leaves_a_final_snapshot(staging):
    db = staging.one(DB_INSTANCE)
    assert db["deletion_protection"] is False
    assert db["skip_final_snapshot"] is False
    assert db["final_snapshot_identifier"] == "codemate-db-final-staging"


def test_prod_database_refuses_deletion_and_keeps_a_final_snapshot(prod):
    db = prod.one(DB_INSTANCE)
    assert db["deletion_protection"] is True
    assert db["skip_final_snapshot"] is False
    assert db["final_snapshot_identifier"] == "codemate-db-final-prod"


def test_dev_has_no_performance_insights(dev):
    db = dev.one(DB_INSTANCE)
    assert db["performance_insights_enabled"] is False
    assert "performance_insights_retention_period" not in db


@pytest.mark.parametrize("name", ["staging", "prod"])
def test_staging_and_prod_have_encrypted_performance_insights_for_7_days(name, request):
    synth = request.getfixturevalue(name)
    db = synth.one(DB_INSTANCE)
    assert db["performance_insights_enabled"] is True
    assert db["performance_insights_retention_period"] == 7
    assert db["performance_insights_kms_key_id"] == data_key_arn(synth)


def test_postgresql_and_upgrade_logs_are_exported(stack):
    assert stack.one(DB_INSTANCE)["enabled_cloudwatch_logs_exports"] == ["postgresql", "upgrade"]


def test_exported_logs_land_in_managed_groups_created_before_the_database(env, stack):
    db = stack.one(DB_INSTANCE)
    retention = load(env).log_retention_days
    for log in ("postgresql", "upgrade"):
        group = stack.one(LOG_GROUP, name=f"/aws/rds/instance/codemate-db-{env}/{log}")
        assert group["retention_in_days"] == retention
        assert group["kms_key_id"] == data_key_arn(stack)
        assert f"{LOG_GROUP}.{stack.logical_id(group)}" in db["depends_on"]


def test_spec_database_log_group_exists_with_the_environments_retention(env, stack):
    group = stack.one(LOG_GROUP, name=f"/aws/rds/codemate-db-{env}")
    assert group["retention_in_days"] == load(env).log_retention_days
    assert group["kms_key_id"] == data_key_arn(stack)


def test_stack_outputs_database_endpoint_port_and_master_secret(stack):
    db = stack.by_path(DB_INSTANCE, "database/instance")
    assert stack.outputs["database_endpoint"]["value"] == stack.ref(DB_INSTANCE, db, "address")
    assert stack.outputs["database_port"]["value"] == 5432
    assert stack.outputs["database_master_secret_arn"]["value"] == stack.ref(
        DB_INSTANCE, db, "master_user_secret[0].secret_arn")
    assert "database_reader_endpoint" not in stack.outputs


def test_postgresql_stacks_have_no_aurora_cluster(stack):
    assert stack.count(CLUSTER) == 0
    assert stack.count(CLUSTER_INSTANCE) == 0


# -- UniSync: RDS MySQL 8.0 ---------------------------------------------------------
def test_unisync_mysql_is_8_0_t3_micro_20_gb_multi_az_with_7_day_backups(unisync):
    db = unisync.one(DB_INSTANCE)
    assert (db["engine"], db["engine_version"], db["instance_class"]) == ("mysql", "8.0", "db.t3.micro")
    assert (db["allocated_storage"], db["storage_type"]) == (20, "gp3")
    assert "max_allocated_storage" not in db
    assert db["multi_az"] is True
    assert db["backup_retention_period"] == 7
    assert db["publicly_accessible"] is False


def test_unisync_mysql_listens_on_3306_and_its_group_admits_ecs_on_3306(unisync):
    assert unisync.one(DB_INSTANCE)["port"] == 3306
    rds_sg = unisync.ref(SG, unisync.by_path(SG, "security-groups/rds"))
    assert [r["from_port"] for r in unisync.all(INGRESS, security_group_id=rds_sg)] == [3306]


def test_unisync_mysql_requires_secure_transport_and_writes_its_slow_log_to_files(unisync):
    group = unisync.one(DB_PARAMS)
    assert group["family"] == "mysql8.0"
    assert group["parameter"] == [
        {"name": "require_secure_transport", "value": "1"},
        {"name": "log_output", "value": "FILE"},
        {"name": "slow_query_log", "value": "1"},
        {"name": "long_query_time", "value": "2"},
    ]


def test_unisync_mysql_exports_error_and_slow_query_logs_to_managed_groups(unisync):
    assert unisync.one(DB_INSTANCE)["enabled_cloudwatch_logs_exports"] == ["error", "slowquery"]
    for log in ("error", "slowquery"):
        unisync.one(LOG_GROUP, name=f"/aws/rds/instance/unisync-db-prod/{log}")


# -- OpenMarket: Aurora MySQL cluster -------------------------------------------------
def test_openmarket_is_an_aurora_mysql_8_0_cluster_with_7_day_backups(openmarket):
    cluster = openmarket.one(CLUSTER)
    assert cluster["engine"] == "aurora-mysql"
    assert cluster["engine_version"].startswith("8.0.mysql_aurora.3.")
    assert cluster["backup_retention_period"] == 7
    assert cluster["preferred_backup_window"] == "18:00-19:00"
    assert cluster["port"] == 3306
    assert openmarket.count(DB_INSTANCE) == 0


def test_openmarket_cluster_has_a_writer_and_one_reader_of_t3_medium_in_two_azs(openmarket):
    cluster = openmarket.by_path(CLUSTER, "database/cluster")
    writer = openmarket.by_path(CLUSTER_INSTANCE, "database/instance-1")
    reader = openmarket.by_path(CLUSTER_INSTANCE, "database/instance-2")
    assert openmarket.count(CLUSTER_INSTANCE) == 2
    for instance in (writer, reader):
        assert instance["cluster_identifier"] == openmarket.ref(CLUSTER, cluster)
        assert instance["instance_class"] == "db.t3.medium"
        assert instance["publicly_accessible"] is False
    assert (writer["availability_zone"], reader["availability_zone"]) == ("ap-northeast-2a", "ap-northeast-2c")
    assert (writer["promotion_tier"], reader["promotion_tier"]) == (0, 1)
    assert reader["depends_on"] == [f"{CLUSTER_INSTANCE}.{openmarket.logical_id(writer)}"]


def test_openmarket_cluster_is_encrypted_and_its_password_kept_by_rds(openmarket):
    cluster = openmarket.one(CLUSTER)
    assert cluster["storage_encrypted"] is True
    assert cluster["kms_key_id"] == data_key_arn(openmarket)
    assert cluster["manage_master_user_password"] is True
    assert cluster["master_user_secret_kms_key_id"] == data_key_arn(openmarket)
    assert not {"master_password", "master_password_wo"} & cluster.keys()


def test_openmarket_cluster_parameter_group_requires_secure_transport(openmarket):
    group = openmarket.one(CLUSTER_PARAMS)
    assert group["family"] == "aurora-mysql8.0"
    assert {"name": "require_secure_transport", "value": "ON"} in group["parameter"]
    assert openmarket.one(CLUSTER)["db_cluster_parameter_group_name"] == openmarket.ref(CLUSTER_PARAMS, group, "name")
    assert openmarket.count(DB_PARAMS) == 0


def test_openmarket_production_cluster_refuses_deletion_and_keeps_a_final_snapshot(openmarket):
    cluster = openmarket.one(CLUSTER)
    assert cluster["deletion_protection"] is True
    assert cluster["skip_final_snapshot"] is False
    assert cluster["final_snapshot_identifier"] == "openmarket-db-final-prod"


def test_openmarket_cluster_exports_land_in_managed_cluster_log_groups(openmarket):
    assert openmarket.one(CLUSTER)["enabled_cloudwatch_logs_exports"] == ["error", "slowquery"]
    for log in ("error", "slowquery"):
        openmarket.one(LOG_GROUP, name=f"/aws/rds/cluster/openmarket-db-prod/{log}")


def test_openmarket_outputs_writer_and_reader_endpoints(openmarket):
    cluster = openmarket.by_path(CLUSTER, "database/cluster")
    assert openmarket.outputs["database_endpoint"]["value"] == openmarket.ref(CLUSTER, cluster, "endpoint")
    assert openmarket.outputs["database_reader_endpoint"]["value"] == openmarket.ref(CLUSTER, cluster, "reader_endpoint")
    assert openmarket.outputs["database_master_secret_arn"]["value"] == openmarket.ref(
        CLUSTER, cluster, "master_user_secret[0].secret_arn")


# -- the construct validates on its own, before building anything --------------------
def test_construct_refuses_a_class_the_engine_does_not_offer():
    from modules.database.rds import RdsDatabase

    from modules.database.options import DatabaseOptions
    from tests.support import project_stack

    stack = project_stack(project="openmarket", environment="prod")
    with pytest.raises(ConfigError) as error:
        RdsDatabase(
            stack, "database", options=DatabaseOptions(engine=DatabaseEngine.AURORA_MYSQL, instance_class="db.t3.micro",
                                                       allocated_storage_gb=20, multi_az=True, backup_retention_days=7),
            vpc=SimpleNamespace(database_subnet_ids=["subnet-a", "subnet-c"]),
            security_group=SimpleNamespace(id="sg-1"), kms_key=SimpleNamespace(key_arn="arn:key"),
        )
    assert (error.value.environment, error.value.field, error.value.value) == (
        "prod", "database.instance_class", "db.t3.micro")


# -- enhanced monitoring and IAM authentication -------------------------------------------------

MONITORING_ROLE = aws.iam_role.IamRole.TF_RESOURCE_TYPE
ROLE_POLICY = aws.iam_role_policy.IamRolePolicy.TF_RESOURCE_TYPE


def test_every_database_accepts_iam_authentication(stack):
    assert stack.one(DB_INSTANCE)["iam_database_authentication_enabled"] is True


@pytest.mark.parametrize("env_name", ["staging", "prod"])
def test_staging_and_prod_sample_os_metrics_every_minute_through_a_scoped_role(env_name):
    from tests.conftest import synthesized

    s = synthesized(env_name)
    db = s.one(DB_INSTANCE)
    role = s.by_path(MONITORING_ROLE, "database/monitoring-role")
    assert db["monitoring_interval"] == 60
    assert db["monitoring_role_arn"] == s.ref(MONITORING_ROLE, role, "arn")
    (statement,) = json.loads(role["assume_role_policy"])["Statement"]
    assert statement["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "${data.aws_caller_identity.account.account_id}"}}
    policy = json.loads(s.by_path(ROLE_POLICY, "database/monitoring-policy")["policy"])
    metrics = "arn:aws:logs:ap-northeast-2:${data.aws_caller_identity.account.account_id}:log-group:RDSOSMetrics"
    assert [(st["Action"], st["Resource"]) for st in policy["Statement"]] == [
        (["logs:CreateLogGroup", "logs:PutRetentionPolicy"], metrics),
        (["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams", "logs:GetLogEvents"],
         f"{metrics}:log-stream:*"),
    ]


def test_dev_has_no_enhanced_monitoring_and_no_monitoring_role(dev):
    assert "monitoring_interval" not in dev.one(DB_INSTANCE)
    assert dev.under(MONITORING_ROLE, "database") == []
    assert dev.under(ROLE_POLICY, "database") == []


def test_connections_by_object_open_the_database_port_from_a_peer_group_only():
    # GIVEN a database built with a SecurityGroup construct, and a peer group
    from modules.database.options import DatabaseOptions
    from modules.database.rds import RdsDatabase
    from modules.networking.security_group import SecurityGroup
    from modules.security.kms import KmsKey
    from tests.support import project_stack, synth_stack

    stack = project_stack()
    db_group = SecurityGroup(stack, "db-sg", vpc_id="vpc-1", role="db", description="database")
    app = SecurityGroup(stack, "app-sg", vpc_id="vpc-1", role="app", description="app")
    database = RdsDatabase(stack, "database", options=DatabaseOptions(
        engine=DatabaseEngine.MYSQL, instance_class="db.t4g.micro", allocated_storage_gb=20, multi_az=False,
        backup_retention_days=1, deletion_protection=False, final_snapshot=False),
        vpc=SimpleNamespace(database_subnet_ids=["a", "c"]), security_group=db_group,
        kms_key=KmsKey(stack, "key", purpose="data", description="data", service_principals=("rds",)))
    # WHEN the app is admitted on the database's default port
    database.allow_default_port_from(app, "MySQL from the app")
    synth = synth_stack(stack)
    # THEN one ingress rule on the database group (3306, from the app's group) and the app's egress to it
    (ingress,) = synth.resources("aws_vpc_security_group_ingress_rule").values()
    assert (ingress["from_port"], ingress["to_port"], ingress["description"]) == (3306, 3306, "MySQL from the app")
    assert ingress["security_group_id"] == synth.ref("aws_security_group", synth.by_path("aws_security_group", "db-sg/group"))
    (egress,) = synth.resources("aws_vpc_security_group_egress_rule").values()
    assert egress["security_group_id"] == synth.ref("aws_security_group", synth.by_path("aws_security_group", "app-sg/group"))
    assert synth.one("aws_db_instance")["vpc_security_group_ids"] == [ingress["security_group_id"]]


def test_connections_by_object_need_a_security_group_construct():
    from modules.database.options import DatabaseOptions
    from modules.database.rds import RdsDatabase
    from modules.security.kms import KmsKey
    from tests.support import project_stack

    stack = project_stack()
    database = RdsDatabase(stack, "database", options=DatabaseOptions(
        instance_class="db.t4g.micro", allocated_storage_gb=20, multi_az=False, backup_retention_days=1),
        vpc=SimpleNamespace(database_subnet_ids=["a", "c"]), security_group=SimpleNamespace(id="sg-1"),
        kms_key=KmsKey(stack, "key", purpose="data", description="data", service_principals=("rds",)))
    with pytest.raises(ValueError, match="needs the database built with a SecurityGroup construct"):
        database.allow_default_port_from(SimpleNamespace())
