"""Settings AWS would refuse at plan or apply are refused at synth; settings AWS accepts are built.

Issue 16, class 3 (values that passed synth and failed at plan or apply) and class 4 (valid values
refused), each through ``validate()`` as ``main.py`` runs it, and for the accepted ones through a
synthesized stack. The rules themselves: tests/modules/test_aws_limits.py.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from environments import load
from modules.compute.options import EcsServiceOptions
from modules.database.engines import DatabaseEngine
from systems.codemate.settings import CodemateSettings
from systems.codemate.settings import validate
from modules.errors import ConfigError
from tests.app_support import container
from tests.data_variants import openmarket_settings
from tests.support import synth_settings

LOG_GROUP = "aws_cloudwatch_log_group"
ALARM = "aws_cloudwatch_metric_alarm"
CLUSTER_INSTANCE = "aws_rds_cluster_instance"


def refused(settings: CodemateSettings, field: str, value: object, *phrases: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        validate(settings)
    error = caught.value
    assert (error.environment, error.field, error.value) == (settings.name, field, value), str(error)
    for phrase in phrases:
        assert phrase in str(error), str(error)
    return error


def with_db(settings: CodemateSettings, **changes) -> CodemateSettings:
    return replace(settings, database=replace(settings.database, **changes))


def with_service(settings: CodemateSettings, index: int, **changes) -> CodemateSettings:
    services = list(settings.services)
    services[index] = replace(services[index], **changes)
    return replace(settings, services=tuple(services))


# -- class 3: refused at synth, no longer at plan or apply ------------------------------------

def test_health_check_path_over_the_load_balancers_1024_characters_is_refused():
    path = "/" + "h" * 1024
    refused(with_service(load("dev"), 0, health_check_path=path), "services[0](frontend).health_check_path", path,
            "1025 characters; the load balancer accepts at most 1024")


def test_storage_ceiling_less_than_10_percent_above_the_allocation_is_refused():
    # staging allocates 20 GB; RDS needs a ceiling of 22 or more
    refused(with_db(load("staging"), max_allocated_storage_gb=21), "database.max_allocated_storage_gb", 21,
            "at least 10 % above allocated_storage_gb (20)", "raise it to 22 or more")
    validate(with_db(load("staging"), max_allocated_storage_gb=22))


@pytest.mark.parametrize("engine, version", [(DatabaseEngine.POSTGRES, "16.99"), (DatabaseEngine.MYSQL, "8.4.77"),
                                             (DatabaseEngine.AURORA_MYSQL, "8.0.mysql_aurora.3.42.0")])
def test_engine_version_that_does_not_exist_is_refused(engine, version):
    settings = with_db(openmarket_settings() if engine is DatabaseEngine.AURORA_MYSQL else load("prod"),
                       engine=engine, engine_version=version,
                       instance_class="db.t3.medium" if engine is DatabaseEngine.AURORA_MYSQL else "db.t4g.small")
    refused(settings, "database.engine_version", version, "not listed for RDS", "allow_unlisted_engine_version=True")


def test_unlisted_engine_version_is_built_with_the_explicit_override():
    settings = with_db(load("dev"), engine_version="17.9", allow_unlisted_engine_version=True)
    validate(settings)
    db = synth_settings(settings).one("aws_db_instance")
    assert db["engine_version"] == "17.9"


def test_region_that_does_not_exist_is_refused():
    dev = load("dev")
    settings = replace(dev, project=replace(dev.project, region="ap-northeast-9",
                                            availability_zones=("ap-northeast-9a", "ap-northeast-9c")))
    refused(settings, "project.region", "ap-northeast-9", "not an AWS region", "did you mean 'ap-northeast-")


def test_availability_zone_that_does_not_exist_is_refused():
    dev = load("dev")
    settings = replace(dev, project=replace(dev.project, availability_zones=("ap-northeast-2a", "ap-northeast-2e")))
    refused(settings, "project.availability_zones[1]", "ap-northeast-2e", "ap-northeast-2 has no zone 'e'")


def test_aurora_with_zero_days_of_backups_is_refused():
    refused(with_db(openmarket_settings(), backup_retention_days=0), "database.backup_retention_days", 0,
            "Aurora always keeps automated backups: 1 to 35 days")


def test_rds_instance_may_still_turn_backups_off():
    validate(with_db(load("dev"), backup_retention_days=0))


def test_default_tag_key_starting_with_aws_is_refused():
    settings = replace(load("dev"), extra_tags={"aws:owner": "platform"})
    refused(settings, "extra_tags['aws:owner']", "platform", "reserved for AWS")


def test_default_tag_value_over_256_characters_is_refused():
    settings = replace(load("dev"), extra_tags={"Owner": "x" * 257})
    refused(settings, "extra_tags['Owner']", "x" * 257, "a tag value of 257 characters")


def test_valid_default_tags_reach_the_provider():
    settings = replace(load("dev"), extra_tags={"CostCenter": "cc-1234", "team:owner": "platform@example.com"})
    provider = json.loads(synth_settings(settings).text)["provider"]["aws"][0]
    assert provider["default_tags"][0]["tags"] == {"Environment": "dev", "ManagedBy": "cdktf", "Project": "codemate",
                                                   "Stack": "dev", "CostCenter": "cc-1234",
                                                   "team:owner": "platform@example.com"}


def test_tls_policy_the_load_balancer_does_not_offer_is_refused():
    prod = load("prod")
    settings = replace(prod, load_balancer=replace(prod.load_balancer, ssl_policy="ELBSecurityPolicy-TLS13-1-2-2023"))
    refused(settings, "load_balancer.ssl_policy", "ELBSecurityPolicy-TLS13-1-2-2023",
            "not a security policy the Application Load Balancer offers")


def test_two_services_sharing_one_image_repository_are_refused():
    settings = with_service(with_service(load("dev"), 0, image_repository="codemate-app"), 1,
                            image_repository="codemate-app")
    refused(settings, "services[1](backend).image_repository", "codemate-app",
            "the ECR repository 'codemate-app-dev' is already the one of service 'frontend'")


def test_a_repository_name_equal_to_another_services_default_is_refused():
    # the backend's default repository is codemate-backend; naming the frontend's so collides
    settings = with_service(load("dev"), 0, image_repository="codemate-backend")
    refused(settings, "services[1](backend).image_repository", None, "codemate-backend-dev")


# -- class 4: valid values are built -------------------------------------------------------

def test_current_aurora_class_missing_from_the_connection_table_is_built():
    settings = with_db(openmarket_settings(), instance_class="db.t4g.large")
    stack = synth_settings(settings)
    assert {i["instance_class"] for i in stack.resources(CLUSTER_INSTANCE).values()} == {"db.t4g.large"}
    thresholds = [a["threshold"] for a in stack.resources(ALARM).values()
                  if a.get("metric_name") == "DatabaseConnections"]
    assert thresholds and set(thresholds) == {108}  # 80 % of the documented 135


def test_log_retention_zero_means_never_expire_and_is_built():
    settings = replace(load("dev"), log_retention_days=0)
    stack = synth_settings(settings)
    retention = {g["name"]: g["retention_in_days"] for g in stack.resources(LOG_GROUP).values()}
    assert len(retention) == 9 and set(retention.values()) == {0}, retention  # 0: never expire


def test_plain_setting_whose_name_looks_secret_needs_the_explicit_override():
    dev = load("dev")
    env = {**dev.services[0].environment, "PASSWORD_MIN_LENGTH": "12"}
    error = refused(with_service(dev, 0, environment=env), "services[0](frontend).environment",
                    "PASSWORD_MIN_LENGTH", "looks like a secret")
    assert "not_secret=('PASSWORD_MIN_LENGTH',)" in error.fix
    settings = with_service(dev, 0, environment=env, not_secret=("PASSWORD_MIN_LENGTH",))
    values = {e["name"]: e["value"] for e in container(synth_settings(settings), "frontend")["environment"]}
    assert values["PASSWORD_MIN_LENGTH"] == "12"


def test_not_secret_must_name_a_variable_of_the_environment():
    refused(with_service(load("dev"), 0, not_secret=("API_TOKEN",)), "services[0](frontend).not_secret",
            "API_TOKEN", "not a variable of this service's environment")


def test_a_secret_looking_name_without_the_override_is_still_refused():
    dev = load("dev")
    env = {**dev.services[0].environment, "API_TOKEN": "abc"}
    refused(with_service(dev, 0, environment=env, not_secret=()), "services[0](frontend).environment", "API_TOKEN")


# -- similar gaps found while closing the issue ------------------------------------------------

def test_environment_too_large_for_a_task_definition_is_refused():
    dev = load("dev")
    env = {**dev.services[0].environment, "BLOB": "x" * 70000}
    refused(with_service(dev, 0, environment=env), "services[0](frontend).environment", "4 variables",
            "an ECS task definition holds 64 KiB")


def test_empty_bucket_prefix_is_refused_not_replaced_by_the_project_name():
    dev = load("dev")
    refused(replace(dev, storage=replace(dev.storage, bucket_prefix="")), "storage.bucket_prefix", "",
            "an empty prefix")


def test_managed_by_tag_value_follows_the_tag_rules():
    dev = load("dev")
    refused(replace(dev, project=replace(dev.project, managed_by="cdktf & friends")), "project.managed_by",
            "cdktf & friends", "letters, digits, spaces")


def test_vpc_in_a_range_aws_refuses_is_refused():
    dev = load("dev")
    network = replace(dev.network, vpc_cidr="169.254.0.0/16", public_subnet_cidrs=("169.254.1.0/24", "169.254.2.0/24"),
                      private_app_subnet_cidrs=("169.254.11.0/24", "169.254.12.0/24"),
                      database_subnet_cidrs=("169.254.21.0/24", "169.254.22.0/24"))
    refused(replace(dev, network=network), "network.vpc_cidr", "169.254.0.0/16", "link-local")
