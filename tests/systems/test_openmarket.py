"""OpenMarket (document 003) as synthesized: EKS, Aurora MySQL, Redis, uploads, four functions, alarms."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from environments import load
from modules.errors import ConfigError
from systems.openmarket.settings import validate

STACKS = ["openmarket-dev", "openmarket-staging", "openmarket-prod"]
FUNCTIONS = {"image-processor": (512, 60), "order-notification": (256, 30), "report-generator": (1024, 300),
             "data-sync": (512, 120)}


@pytest.fixture(params=STACKS)
def market(request, stack_of):
    return stack_of(request.param)


def env_of(synth) -> str:
    return synth.doc["terraform"]["backend"]["s3"]["key"].split("/")[0]


# -- network ----------------------------------------------------------------------------------
@pytest.mark.parametrize("stack, nats", [("openmarket-dev", 1), ("openmarket-staging", 1), ("openmarket-prod", 2)])
def test_three_tiers_in_two_azs_and_nat_per_environment(stack_of, stack, nats):
    synth = stack_of(stack)
    assert synth.count("aws_subnet") == 6
    assert {s["availability_zone"] for s in synth.resources("aws_subnet").values()} == {
        "ap-northeast-2a", "ap-northeast-2c"}
    assert synth.count("aws_nat_gateway") == nats


def test_state_of_each_environment_in_its_own_key(market):
    backend = market.doc["terraform"]["backend"]["s3"]
    assert backend["bucket"] == "openmarket-terraform-state"
    assert backend["dynamodb_table"] == "openmarket-terraform-locks"
    assert backend["key"] == f"{env_of(market)}/terraform.tfstate"


# -- EKS ----------------------------------------------------------------------------------------
def private_subnet_refs(synth) -> set[str]:
    return {synth.ref("aws_subnet", s) for s in synth.resources("aws_subnet").values()
            if s["cidr_block"].split(".")[2] in ("16", "32")}


def test_cluster_runs_1_35_in_the_private_subnets(market):
    cluster = market.one("aws_eks_cluster")
    assert cluster["name"] == f"openmarket-eks-{env_of(market)}" and cluster["version"] == "1.35"
    assert set(cluster["vpc_config"]["subnet_ids"]) == private_subnet_refs(market)
    assert cluster["vpc_config"]["endpoint_private_access"] is True


@pytest.mark.parametrize("stack", ["openmarket-staging", "openmarket-prod"])
def test_staging_and_prod_endpoints_are_private_only(stack_of, stack):
    vpc = stack_of(stack).one("aws_eks_cluster")["vpc_config"]
    assert vpc["endpoint_public_access"] is False and "public_access_cidrs" not in vpc


def test_no_endpoint_is_open_to_the_whole_internet(market):
    # Negative: a public endpoint lists its networks, never 0.0.0.0/0 (AWS's default when none are given).
    vpc = market.one("aws_eks_cluster")["vpc_config"]
    if vpc["endpoint_public_access"]:
        assert vpc["public_access_cidrs"] and "0.0.0.0/0" not in vpc["public_access_cidrs"]


def test_prod_refuses_a_public_endpoint_open_to_everyone():
    prod = load("prod", "openmarket")
    bad = replace(prod, eks=replace(prod.eks, endpoint_public_access=True, public_access_cidrs=("0.0.0.0/0",)))
    with pytest.raises(ConfigError) as caught:
        validate(bad)
    assert caught.value.field == "eks.public_access_cidrs"


def test_secrets_encrypted_logs_complete_access_by_entries(market):
    cluster = market.one("aws_eks_cluster")
    assert cluster["encryption_config"]["resources"] == ["secrets"]
    assert cluster["enabled_cluster_log_types"] == ["api", "audit", "authenticator", "controllerManager", "scheduler"]
    assert cluster["access_config"]["authentication_mode"] == "API"
    # exactly two entries: the administrators' role (cluster-wide) and the CI role (its namespace only)
    admin = market.by_path("aws_eks_access_entry", "eks/admin-1")
    assert admin["principal_arn"].endswith(":role/openmarket-platform-admin")
    assert market.count("aws_eks_access_entry") == 2
    assert market.by_path("aws_eks_access_policy_association", "eks/admin-1-policy")["access_scope"] == {"type": "cluster"}
    assert market.one("aws_iam_openid_connect_provider")["client_id_list"] == ["sts.amazonaws.com"]
    assert sorted(a["addon_name"] for a in market.resources("aws_eks_addon").values()) == [
        "aws-ebs-csi-driver", "coredns", "eks-pod-identity-agent", "kube-proxy", "vpc-cni"]


def test_node_group_t3_medium_two_to_four_in_private_subnets(market):
    group = market.one("aws_eks_node_group")
    assert group["instance_types"] == ["t3.medium"] and group["ami_type"] == "AL2023_x86_64_STANDARD"
    assert group["scaling_config"] == {"min_size": 2, "desired_size": 2, "max_size": 4}
    assert set(group["subnet_ids"]) == private_subnet_refs(market)
    assert market.one("aws_launch_template")["metadata_options"]["http_tokens"] == "required"


def test_no_role_of_the_stack_allows_a_wildcard_action(market):
    # Negative: no inline policy, and no node or cluster policy attachment beyond AWS's managed EKS/ECR ones.
    for policy in market.resources("aws_iam_role_policy").values():
        for statement in json.loads(policy["policy"])["Statement"]:
            if statement["Effect"] == "Allow":
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                assert not [a for a in actions if "*" in a], statement
    node_role = market.by_path("aws_iam_role", "eks/nodes-default/role")
    attached = sorted(a["policy_arn"].rsplit("/", 1)[1] for a in market.all(
        "aws_iam_role_policy_attachment", role=market.ref("aws_iam_role", node_role, "name")))
    assert attached == sorted(["AmazonEC2ContainerRegistryPullOnly", "AmazonEKS_CNI_Policy", "AmazonEKSWorkerNodePolicy"])
    assert market.all("aws_iam_role_policy", role=market.ref("aws_iam_role", node_role, "id")) == []


@pytest.mark.parametrize("stack, schedules", [("openmarket-dev", 2), ("openmarket-staging", 0),
                                               ("openmarket-prod", 0)])
def test_only_dev_runs_nodes_in_working_hours(stack_of, stack, schedules):
    synth = stack_of(stack)
    assert synth.count("aws_autoscaling_schedule") == schedules
    if schedules:
        down = synth.by_path("aws_autoscaling_schedule", "eks/nodes-default/scale-down")
        assert (down["recurrence"], down["time_zone"], down["desired_capacity"]) == ("0 18 * * MON-FRI",
                                                                                     "Asia/Seoul", 0)


# -- data tier ----------------------------------------------------------------------------------
def test_aurora_mysql_writer_and_reader_encrypted_with_tls_and_7_day_backups(market):
    cluster = market.one("aws_rds_cluster")
    assert cluster["engine"] == "aurora-mysql" and cluster["engine_version"].startswith("8.0.mysql_aurora.3")
    assert cluster["storage_encrypted"] is True and cluster["backup_retention_period"] == 7
    instances = market.resources("aws_rds_cluster_instance").values()
    assert len(instances) == 2 and {i["instance_class"] for i in instances} == {"db.t4g.medium"}
    assert all(i["publicly_accessible"] is False for i in instances)
    params = market.one("aws_rds_cluster_parameter_group")["parameter"]
    assert {"name": "require_secure_transport", "value": "ON"} in params


def test_database_and_redis_admit_only_the_nodes_and_the_two_data_functions_and_no_cidr(market):
    peers = [market.ref("aws_security_group", market.by_path("aws_security_group", f"{path}/group"), "id")
             for path in ("nodes-sg", "fn-report-generator/security-group", "fn-data-sync/security-group")]
    for path, port in (("database-sg", 3306), ("cache-sg", 6379)):
        group = market.by_path("aws_security_group", f"{path}/group")
        rules = market.all("aws_vpc_security_group_ingress_rule",
                           security_group_id=market.ref("aws_security_group", group, "id"))
        assert sorted((r["referenced_security_group_id"], r["from_port"]) for r in rules) == sorted(
            (peer, port) for peer in peers)
        assert not [r for r in rules if "cidr_ipv4" in r]  # negative: reachable from no CIDR
    assert market.one("aws_rds_cluster")["vpc_security_group_ids"] == [
        market.ref("aws_security_group", market.by_path("aws_security_group", "database-sg/group"), "id")]


def test_redis_fails_over_automatically_across_azs(market):
    group = market.one("aws_elasticache_replication_group")
    assert group["num_cache_clusters"] == 2
    assert group["automatic_failover_enabled"] is True and group["multi_az_enabled"] is True
    assert group["transit_encryption_enabled"] is True and group["at_rest_encryption_enabled"] in (True, "true")


def test_prod_database_is_protected(stack_of):
    cluster = stack_of("openmarket-prod").one("aws_rds_cluster")
    assert cluster["deletion_protection"] is True and cluster["skip_final_snapshot"] is False


# -- storage and images -------------------------------------------------------------------------
def test_uploads_versioned_tiered_cors_and_logged(market):
    uploads = market.by_path("aws_s3_bucket", "storage/uploads")
    ref = market.ref("aws_s3_bucket", uploads)
    assert uploads["bucket"].startswith(f"openmarket-uploads-{env_of(market)}-")
    assert market.one("aws_s3_bucket_versioning", bucket=ref)["versioning_configuration"] == {"status": "Enabled"}
    (tiering,) = [r for r in market.one("aws_s3_bucket_lifecycle_configuration", bucket=ref)["rule"]
                  if r["id"] == "tiering"]
    # the document: Standard-IA at 30 days, Glacier at 90 (Instant Retrieval: old images still load)
    assert tiering["transition"] == [{"days": 30, "storage_class": "STANDARD_IA"},
                                     {"days": 90, "storage_class": "GLACIER_IR"}]
    assert tiering["noncurrent_version_expiration"][0]["noncurrent_days"] >= 30
    (cors,) = market.one("aws_s3_bucket_cors_configuration", bucket=ref)["cors_rule"]
    assert "https://openmarket.example.com" in cors["allowed_origins"]
    assert "*" not in cors["allowed_origins"]
    logging = market.one("aws_s3_bucket_logging", bucket=ref)
    assert logging["target_bucket"] == market.ref("aws_s3_bucket", market.by_path("aws_s3_bucket", "storage/logs/logs"),
                                                  "bucket")


def test_logs_bucket_is_versioned_too_and_its_old_versions_expire(market):
    # the document versions every bucket
    logs = market.by_path("aws_s3_bucket", "storage/logs/logs")
    ref = market.ref("aws_s3_bucket", logs)
    assert market.one("aws_s3_bucket_versioning", bucket=ref)["versioning_configuration"] == {"status": "Enabled"}
    (rule,) = [r for r in market.one("aws_s3_bucket_lifecycle_configuration", bucket=ref)["rule"]
               if r["id"] == "archive-then-expire"]
    assert rule["transition"] == [{"days": 90, "storage_class": "GLACIER"}]
    assert rule["expiration"] == [{"days": 365}]
    assert rule["noncurrent_version_expiration"] == [{"noncurrent_days": 365}]


def test_uploads_archive_too_soon_after_standard_ia_is_refused():
    dev = load("dev", "openmarket")
    with pytest.raises(ConfigError) as error:
        validate(replace(dev, uploads=replace(dev.uploads, archive_after_days=45)))
    assert "uploads.archive_after_days = 45" in str(error.value) and "use 60 or more" in str(error.value)


def test_two_image_repositories_scan_on_push_immutable(market):
    repos = {r["name"]: r for r in market.resources("aws_ecr_repository").values()}
    env = env_of(market)
    assert sorted(repos) == [f"openmarket/backend-{env}", f"openmarket/frontend-web-{env}"]
    assert all(r["image_scanning_configuration"] == {"scan_on_push": True} and r["image_tag_mutability"] == "IMMUTABLE"
               for r in repos.values())
    assert market.count("aws_ecr_lifecycle_policy") == 2


# -- functions ----------------------------------------------------------------------------------
def test_four_node_22_functions_with_the_documented_sizes(market):
    functions = {f["function_name"]: f for f in market.resources("aws_lambda_function").values()}
    env = env_of(market)
    assert sorted(functions) == sorted(f"openmarket-{name}-{env}" for name in FUNCTIONS)
    for name, (memory, timeout) in FUNCTIONS.items():
        f = functions[f"openmarket-{name}-{env}"]
        assert (f["runtime"], f["memory_size"], f["timeout"]) == ("nodejs22.x", memory, timeout)
        assert ("vpc_config" in f) is (name in ("report-generator", "data-sync")) and "dead_letter_config" in f
    groups = [g for g in market.resources("aws_cloudwatch_log_group").values() if g["name"].startswith("/aws/lambda/")]
    assert len(groups) == 4 and {g["retention_in_days"] for g in groups} == {30}


def test_image_processor_runs_on_objects_created_under_images(market):
    notification = market.one("aws_s3_bucket_notification")
    (target,) = notification["lambda_function"]
    assert (target["events"], target["filter_prefix"]) == (["s3:ObjectCreated:*"], "images/")
    image = market.by_path("aws_lambda_function", "fn-image-processor/function")
    assert target["lambda_function_arn"] == market.ref("aws_lambda_function", image, "arn")
    permission = market.one("aws_lambda_permission", principal="s3.amazonaws.com")
    assert permission["source_arn"] == market.ref("aws_s3_bucket", market.by_path("aws_s3_bucket", "storage/uploads"),
                                                  "arn")


def test_order_notification_runs_on_order_created_of_the_environment_bus(market):
    bus = market.one("aws_cloudwatch_event_bus")
    assert bus["name"] == f"openmarket-{env_of(market)}"
    rule = market.one("aws_cloudwatch_event_rule")
    assert json.loads(rule["event_pattern"]) == {"detail-type": ["order.created"], "source": ["openmarket.orders"]}
    target = market.one("aws_cloudwatch_event_target")
    order = market.by_path("aws_lambda_function", "fn-order-notification/function")
    assert target["arn"] == market.ref("aws_lambda_function", order, "arn")


@pytest.mark.parametrize("stack", ["openmarket-staging", "openmarket-prod"])  # dev: in its database's hours
def test_report_daily_at_midnight_seoul_and_sync_hourly(stack_of, stack):
    market = stack_of(stack)
    schedules = {s["target"]["arn"]: s for s in market.resources("aws_scheduler_schedule").values()}
    report = schedules[market.ref("aws_lambda_function", market.by_path("aws_lambda_function",
                                                                         "fn-report-generator/function"), "arn")]
    sync = schedules[market.ref("aws_lambda_function", market.by_path("aws_lambda_function",
                                                                       "fn-data-sync/function"), "arn")]
    assert (report["schedule_expression"], report["schedule_expression_timezone"]) == ("cron(0 0 * * ? *)",
                                                                                         "Asia/Seoul")
    assert sync["schedule_expression"] == "rate(1 hour)"
    assert report["flexible_time_window"] == sync["flexible_time_window"] == {"mode": "OFF"}


def test_document_runtime_node_18_is_refused():
    dev = load("dev", "openmarket")
    bad = replace(dev, functions=tuple(replace(f, runtime="nodejs18.x") if f.name == "data-sync" else f
                                       for f in dev.functions))
    with pytest.raises(ConfigError) as caught:
        validate(bad)
    assert caught.value.field == "functions.data-sync.runtime" and "nodejs22.x" in str(caught.value)


# -- monitoring and outputs ---------------------------------------------------------------------
def test_alarms_on_database_redis_and_every_function_notify_the_topic(market):
    alarms = list(market.resources("aws_cloudwatch_metric_alarm").values())
    topic = market.ref("aws_sns_topic", market.one("aws_sns_topic"), "arn")
    assert len(alarms) >= 7
    assert all(a["alarm_actions"] == [topic] and a["ok_actions"] == [topic] for a in alarms)
    namespaces = [a["namespace"] for a in alarms]
    assert namespaces.count("AWS/RDS") >= 2 and namespaces.count("AWS/ElastiCache") >= 2
    functions = {market.ref("aws_lambda_function", f, "function_name")
                 for f in market.resources("aws_lambda_function").values()}
    for metric in ("Errors", "Throttles"):
        assert {a["dimensions"]["FunctionName"] for a in alarms if a["metric_name"] == metric} == functions
    (dlq,) = [a for a in alarms if a["namespace"] == "AWS/SQS"]
    assert dlq["dimensions"] == {"QueueName": market.one("aws_sqs_queue")["name"]}
    assert dlq["dimensions"]["QueueName"] == f"openmarket-function-dlq-{env_of(market)}"


def test_outputs_for_kubectl_and_helm(market):
    outputs = market.outputs
    for name in ("eks_cluster_name", "eks_cluster_endpoint", "eks_oidc_provider_arn", "eks_node_role_arn",
                 "ecr_repository_urls", "database_endpoint", "database_reader_endpoint", "redis_primary_endpoint"):
        assert name in outputs, name
    assert outputs["eks_cluster_endpoint"]["value"] == market.ref("aws_eks_cluster", market.one("aws_eks_cluster"),
                                                                  "endpoint")


# -- dev: Aurora in working hours -----------------------------------------------------------------
def test_dev_stops_and_starts_aurora_with_the_nodes_hours(stack_of):
    dev = stack_of("openmarket-dev")
    cluster = dev.one("aws_rds_cluster")
    stop = dev.by_path("aws_scheduler_schedule", "database-hours/stop")
    start = dev.by_path("aws_scheduler_schedule", "database-hours/start")
    assert (stop["schedule_expression"], start["schedule_expression"]) == ("cron(0 18 ? * MON-FRI *)",
                                                                           "cron(0 9 ? * MON-FRI *)")
    assert stop["schedule_expression_timezone"] == start["schedule_expression_timezone"] == "Asia/Seoul"
    assert stop["target"]["arn"] == "arn:aws:scheduler:::aws-sdk:rds:stopDBCluster"
    assert start["target"]["arn"] == "arn:aws:scheduler:::aws-sdk:rds:startDBCluster"
    identifier = dev.ref("aws_rds_cluster", cluster, "cluster_identifier")
    assert json.loads(stop["target"]["input"]) == {"DbClusterIdentifier": identifier}
    # the role may only stop and start this one cluster
    role = dev.by_path("aws_iam_role", "database-hours/role")
    (statement,) = json.loads(dev.one("aws_iam_role_policy", role=dev.ref("aws_iam_role", role, "id"))["policy"])[
        "Statement"]
    assert statement["Action"] == ["rds:StopDBCluster", "rds:StartDBCluster"]
    assert statement["Resource"].endswith(f":cluster:{identifier}")


@pytest.mark.parametrize("stack", ["openmarket-staging", "openmarket-prod"])
def test_staging_and_prod_database_runs_all_the_time(stack_of, stack):
    assert not [s for s in stack_of(stack).resources("aws_scheduler_schedule").values()
                if "aws-sdk:rds" in s["target"]["arn"]]


def test_database_hours_need_node_hours_and_are_refused_in_prod():
    dev, prod = load("dev", "openmarket"), load("prod", "openmarket")
    with pytest.raises(ConfigError) as caught:
        validate(replace(dev, node_group=replace(dev.node_group, working_hours=None)))
    assert caught.value.field == "database_working_hours"
    with pytest.raises(ConfigError) as caught:
        validate(replace(prod, database_working_hours=True,
                         node_group=replace(prod.node_group, working_hours=dev.node_group.working_hours)))
    assert caught.value.field == "database_working_hours" and "prod" in caught.value.problem


def test_numeric_weekday_is_refused_when_the_database_follows_the_hours():
    dev = load("dev", "openmarket")
    hours = replace(dev.node_group.working_hours, scale_up="0 9 * * 1-5")
    with pytest.raises(ConfigError) as caught:
        validate(replace(dev, node_group=replace(dev.node_group, working_hours=hours)))
    assert caught.value.field == "node_group.working_hours.scale_up" and "MON-FRI" in caught.value.fix


def test_summary_says_what_replaced_the_documents_versions():
    # GIVEN OpenMarket dev WHEN its stack is built THEN main.py's summary notes say Kubernetes 1.35 and
    # Node.js 22 stand where the document's 1.28 and Node.js 18 can no longer be created
    from environments import load
    from modules.framework import test_app
    from systems import BY_NAME

    stack = BY_NAME["openmarket"].build(test_app(), load("dev", "openmarket"))
    assert ("eks: Kubernetes 1.35 — the document's 1.28 left extended support on 2025-11-26 and can no longer "
            "be created") in stack.notes
    assert ("functions: nodejs22.x — the document's Node.js 18 is deprecated and AWS no longer lets you create "
            "functions on it") in stack.notes
