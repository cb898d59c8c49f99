"""The dated tables of modules/aws_limits.py and each rule on its own (issue 16, classes 3 and 4)."""

from __future__ import annotations

import botocore
import botocore.session
import pytest

from modules import aws_limits as limits
from modules.database.engines import ENGINES, DatabaseEngine
from modules.database.instance_classes import RDS_INSTANCE_CLASS_MEMORY_GIB
from modules.database.max_connections import default_max_connections


# -- regions and zones --------------------------------------------------------------------

def test_region_table_is_exactly_botocores_commercial_china_and_govcloud_regions():
    # GIVEN the pinned botocore's endpoint data (the table names its version)
    assert botocore.__version__ == "1.44.5"
    partitions = botocore.session.get_session().get_data("endpoints")["partitions"]
    known = {r for p in partitions if p["partition"] in ("aws", "aws-cn", "aws-us-gov") for r in p["regions"]}
    # THEN the table lists each of them, and nothing else
    assert set(limits.REGION_ZONE_LETTERS) == known


@pytest.mark.parametrize("region", ["ap-northeast-2", "us-east-1", "eu-west-1", "cn-north-1"])
def test_existing_region_is_accepted(region):
    assert limits.region_problem(region) is None


@pytest.mark.parametrize("region, hint", [("ap-northeast-9", "did you mean 'ap-northeast-"),
                                          ("eu-middle-1", "use a region such as")])
def test_region_that_does_not_exist_is_refused(region, hint):
    problem, fix = limits.region_problem(region)
    assert problem == "not an AWS region" and hint in fix


def test_zone_letters_are_checked_against_the_region():
    assert limits.availability_zone_problem("ap-northeast-2", "ap-northeast-2d") is None
    assert limits.availability_zone_problem("us-east-1", "us-east-1f") is None
    problem, fix = limits.availability_zone_problem("ap-northeast-2", "ap-northeast-2e")
    assert problem.startswith("ap-northeast-2 has no zone 'e'") and "ap-northeast-2a" in fix
    assert limits.availability_zone_problem("ca-central-1", "ca-central-1c") is not None


def test_every_region_has_at_least_two_zones_with_letters_in_order():
    for region, letters in limits.REGION_ZONE_LETTERS.items():
        assert len(letters) >= 2 and list(letters) == sorted(set(letters)), region


# -- load balancer -------------------------------------------------------------------------

def test_default_tls_policy_is_in_the_table_and_a_made_up_one_is_not():
    assert limits.ssl_policy_problem("ELBSecurityPolicy-TLS13-1-2-2021-06") is None
    assert limits.ssl_policy_problem("ELBSecurityPolicy-TLS13-1-2-PQ-2025-09") is None
    problem, fix = limits.ssl_policy_problem("ELBSecurityPolicy-TLS13-1-2-2021-07")
    assert problem == "not a security policy the Application Load Balancer offers"
    assert "did you mean 'ELBSecurityPolicy-TLS13-1-2-2021-06'" in fix


def test_tls_policy_names_follow_elbs_naming():
    assert all(p.startswith("ELBSecurityPolicy-") for p in limits.ALB_SSL_POLICIES)
    assert len(limits.ALB_SSL_POLICIES) == 37


def test_health_check_path_up_to_1024_characters():
    assert limits.health_check_path_problem("/" + "a" * 1023) is None
    problem, _ = limits.health_check_path_problem("/" + "a" * 1024)
    assert problem == "1025 characters; the load balancer accepts at most 1024"
    assert limits.health_check_path_problem("health")[0] == "not an absolute path"
    assert "spaces" in limits.health_check_path_problem("/he alth")[0]


# -- tags ----------------------------------------------------------------------------------

@pytest.mark.parametrize("key, value", [("CostCenter", "1234"), ("team:owner", "platform@example.com"),
                                        ("k" * 128, "v" * 256), ("Note", ""), ("Équipe", "données")])
def test_tag_aws_accepts(key, value):
    assert limits.tag_problem(key, value) is None


@pytest.mark.parametrize("key, value, problem", [
    ("aws:createdBy", "me", "reserved for AWS"), ("AWS:x", "me", "reserved for AWS"),
    ("", "x", "a tag key of 0 characters"), ("k" * 129, "x", "a tag key of 129 characters"),
    ("k", "v" * 257, "a tag value of 257 characters"), ("cost${x}", "1", "letters, digits, spaces"),
    ("Owner", "a&b", "letters, digits, spaces"),
])
def test_tag_aws_refuses(key, value, problem):
    assert problem in limits.tag_problem(key, value)[0]


# -- logs, storage, backups ------------------------------------------------------------------

def test_log_retention_zero_means_never_expire_and_is_accepted():
    assert limits.log_retention_problem(0) is None
    assert limits.log_retention_problem(365) is None
    assert limits.log_retention_problem(10)[0] == "CloudWatch Logs does not offer this retention"


@pytest.mark.parametrize("allocated, maximum, ok", [
    (20, 0, True), (20, 22, True), (20, 21, False), (50, 55, True), (50, 54, False), (25, 28, True),
    (25, 27, False), (20, 65536, True), (20, 65537, False),
])
def test_storage_ceiling_is_at_least_10_percent_above_the_allocation(allocated, maximum, ok):
    assert (limits.storage_ceiling_problem(allocated, maximum) is None) == ok


def test_aurora_needs_one_day_of_backups_an_instance_may_have_none():
    assert limits.backup_retention_problem(0, aurora=False) is None
    assert limits.backup_retention_problem(0, aurora=True)[0] == "Aurora always keeps automated backups: 1 to 35 days"
    assert limits.backup_retention_problem(35, aurora=True) is None
    assert limits.backup_retention_problem(36, aurora=False) is not None


# -- engine versions ---------------------------------------------------------------------------

@pytest.mark.parametrize("engine, version", [
    ("postgres", "16"), ("postgres", "16.4"), ("postgres", "17.7"), ("postgres", "13.23"),
    ("mysql", "8.4"), ("mysql", "8.0.40"), ("mysql", "8.4.6"),
    ("aurora-mysql", "8.0.mysql_aurora.3.08.2"), ("aurora-mysql", "8.0.mysql_aurora.3.04.4"),
])
def test_listed_engine_versions_are_accepted(engine, version):
    assert limits.engine_version_problem(engine, version) is None


@pytest.mark.parametrize("engine, version, problem", [
    ("postgres", "16.99", "PostgreSQL 16 minors on RDS run 16.1 to 16.11"),
    ("postgres", "15.1", "PostgreSQL 15 minors on RDS run 15.2 to 15.15"),
    ("postgres", "17.0", "17.1 to 17.7"),
    ("mysql", "8.4.99", "MySQL 8.4 minors on RDS run up to 8.4.6"),
    ("aurora-mysql", "8.0.mysql_aurora.3.08.9", "Aurora MySQL 3.08.9 is not listed"),
    ("aurora-mysql", "8.0.mysql_aurora.3.99.0", "Aurora MySQL 3.99.0 is not listed"),
])
def test_engine_version_that_does_not_exist_is_refused_with_the_override_named(engine, version, problem):
    found, fix = limits.engine_version_problem(engine, version)
    assert problem in found
    assert f"--engine {engine} --engine-version {version}" in fix and "allow_unlisted_engine_version=True" in fix


def test_each_engines_default_version_is_listed():
    for engine, spec in ENGINES.items():
        assert limits.engine_version_problem(engine.value, spec.default_version) is None, engine


def test_version_tables_cover_exactly_the_supported_majors():
    assert set(limits.POSTGRES_NEWEST_MINOR) == set(ENGINES[DatabaseEngine.POSTGRES].supported_majors)
    assert set(limits.MYSQL_NEWEST_MINOR) == set(ENGINES[DatabaseEngine.MYSQL].supported_majors)


# -- instance classes (class 4: current Aurora classes were refused) ------------------------

@pytest.mark.parametrize("instance_class", ["db.t4g.large", "db.t3.large", "db.r6g.8xlarge", "db.r7g.16xlarge",
                                            "db.r5.24xlarge", "db.r8g.large", "db.r7i.xlarge"])
def test_current_aurora_classes_are_known_with_their_connection_default(instance_class):
    assert instance_class in RDS_INSTANCE_CLASS_MEMORY_GIB
    assert default_max_connections("aurora-mysql", instance_class) >= 135


def test_duplicate_problem_names_both_owners():
    problem, fix = limits.duplicate_problem("acme-app-dev", "service 'web'", "ECR repository")
    assert problem == "the ECR repository 'acme-app-dev' is already the one of service 'web'"


def test_task_definition_size_leaves_64_kib_for_the_whole_definition():
    assert limits.task_definition_size_problem({"A": "x" * 1000}, "curl -f localhost") is None
    problem, _ = limits.task_definition_size_problem({"A": "x" * 62000}, None)
    assert "an ECS task definition holds 64 KiB" in problem
    assert limits.task_definition_size_problem({}, "x" * 62000) is not None


@pytest.mark.parametrize("cidr, ok", [("10.0.0.0/16", True), ("172.31.0.0/16", True), ("100.64.0.0/16", True),
                                      ("127.0.0.0/16", False), ("169.254.0.0/16", False), ("224.0.0.0/16", False),
                                      ("240.1.0.0/16", False), ("0.0.0.0/16", False)])
def test_vpc_ranges_aws_refuses(cidr, ok):
    assert (limits.vpc_cidr_problem(cidr) is None) == ok
