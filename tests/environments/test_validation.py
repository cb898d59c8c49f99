"""Bad input: each wrong setting stops with one message naming environment, field, value and fix."""

from __future__ import annotations

from dataclasses import replace

import pytest

from environments import load
from systems.codemate.settings import validate
from modules.errors import ConfigError


@pytest.fixture
def dev_settings():
    return load("dev")


def network(settings, **changes):
    return replace(settings, network=replace(settings.network, **changes))


def project(settings, **changes):
    return replace(settings, project=replace(settings.project, **changes))


def rejected(settings) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        validate(settings)
    return caught.value


def test_committed_settings_of_every_environment_are_valid(env):
    validate(load(env))


def test_fails_when_two_subnets_overlap(dev_settings):
    error = rejected(network(dev_settings, private_app_subnet_cidrs=("10.0.11.0/24", "10.0.11.128/25")))
    assert error.environment == "dev"
    assert error.field == "network.private_app_subnet_cidrs[1]"
    assert "overlaps network.private_app_subnet_cidrs[0] ('10.0.11.0/24')" in str(error)
    assert "fix: give each subnet its own range inside 10.0.0.0/16" in str(error)


def test_fails_when_a_subnet_is_listed_twice_across_tiers(dev_settings):
    error = rejected(network(dev_settings, database_subnet_cidrs=("10.0.11.0/24", "10.0.22.0/24")))
    assert error.field == "network.database_subnet_cidrs[0]"
    assert "duplicates network.private_app_subnet_cidrs[0]" in error.problem


def test_fails_when_subnet_outside_vpc_cidr(dev_settings):
    error = rejected(network(dev_settings, public_subnet_cidrs=("10.0.1.0/24", "10.1.2.0/24")))
    assert (error.field, error.value) == ("network.public_subnet_cidrs[1]", "10.1.2.0/24")
    assert error.problem == "outside the VPC 10.0.0.0/16"
    assert error.fix == "pick a range inside 10.0.0.0/16"


@pytest.mark.parametrize("cidr, problem", [
    ("10.0.300.0/24", "not a valid IPv4 CIDR block"),
    ("10.0.1.0", "no prefix length"),
    ("10.0.1.0/29", "AWS allows prefix lengths /16 to /28"),
    ("10.0.1.7/24", "host bits are set"),
    ("fd00::/64", "not an IPv4 CIDR block"),
])
def test_fails_when_a_cidr_is_invalid(dev_settings, cidr, problem):
    error = rejected(network(dev_settings, public_subnet_cidrs=(cidr, "10.0.2.0/24")))
    assert error.field == "network.public_subnet_cidrs[0]"
    assert problem in error.problem


def test_fails_when_the_vpc_cidr_is_invalid(dev_settings):
    error = rejected(network(dev_settings, vpc_cidr="10.0.0.0/33"))
    assert error.field == "network.vpc_cidr"
    assert "a.b.c.d/n" in error.fix


def test_fails_when_a_tier_has_not_one_subnet_per_az(dev_settings):
    error = rejected(network(dev_settings, public_subnet_cidrs=("10.0.1.0/24",)))
    assert error.field == "network.public_subnet_cidrs"
    assert error.fix == "give exactly one subnet per AZ (2)"


def test_fails_when_an_az_is_outside_the_region(dev_settings):
    error = rejected(project(dev_settings, availability_zones=("ap-northeast-2a", "us-east-1c")))
    assert (error.field, error.value) == ("project.availability_zones[1]", "us-east-1c")
    assert error.problem == "not an AZ of region ap-northeast-2"


def test_fails_when_the_project_name_is_empty(dev_settings):
    error = rejected(project(dev_settings, name=""))
    assert error.field == "project.name"
    assert error.problem == "the project name is empty"
    assert "environments/codemate/project.py" in error.fix


def test_fails_when_the_alb_name_exceeds_awss_32_characters(dev_settings):
    error = rejected(project(dev_settings, name="codemate-enterprise-edition"))
    assert error.value == "codemate-enterprise-edition-alb-dev"
    assert "ALB name is 35 chars; AWS allows 32" in str(error)
    assert error.fix == "shorten the project or environment name"


def test_fails_when_a_target_group_name_exceeds_awss_32_characters(dev_settings):
    long_service = replace(dev_settings.services[1], name="backend-websockets")
    error = rejected(replace(dev_settings, services=(dev_settings.services[0], long_service)))
    assert error.value == "codemate-backend-websockets-tg-dev"
    assert "target group name is 34 chars; AWS allows 32" in error.problem


def test_fails_when_the_instance_class_is_malformed(dev_settings):
    error = rejected(replace(dev_settings, database=replace(dev_settings.database, instance_class="t4g.micro")))
    assert (error.field, error.value) == ("database.instance_class", "t4g.micro")
    assert "db.<family>.<size>" in error.fix


def test_fails_when_the_instance_class_is_unknown(dev_settings):
    error = rejected(replace(dev_settings, database=replace(dev_settings.database, instance_class="db.t4g.huge")))
    assert error.problem == "unknown RDS instance class"


def test_fails_when_the_cache_node_type_is_malformed(dev_settings):
    error = rejected(replace(dev_settings, cache=replace(dev_settings.cache, node_type="redis.t4g.micro")))
    assert (error.field, error.value) == ("cache.node_type", "redis.t4g.micro")
    assert "cache.<family>.<size>" in error.fix


def test_fails_when_a_setting_has_the_wrong_type(dev_settings):
    error = rejected(replace(dev_settings, database=replace(dev_settings.database, backup_retention_days="7")))
    assert error.field == "database.backup_retention_days"
    assert error.problem == "expected int"


def test_fails_when_nat_mode_is_not_the_enum(dev_settings):
    error = rejected(network(dev_settings, nat_mode="single"))
    assert error.field == "network.nat_mode"
    assert "NatMode.NONE" in error.problem


def test_fails_when_log_retention_is_not_a_cloudwatch_value(dev_settings):
    error = rejected(replace(dev_settings, log_retention_days=10))
    assert error.field == "log_retention_days"
    assert "0 (never expire) or one of 1, 3, 5, 7, 14, 30" in error.fix


def test_fails_when_cpu_and_memory_are_not_a_fargate_size(dev_settings):
    bad = replace(dev_settings.services[0], cpu=512, memory=512)
    error = rejected(replace(dev_settings, services=(bad, dev_settings.services[1])))
    assert error.field == "services[0](frontend).memory"
    assert "use 1024..4096 MiB in steps of 1024" == error.fix


def test_fails_when_nat_is_paid_for_without_private_subnets(dev_settings):
    error = rejected(network(dev_settings, private_app_subnet_cidrs=()))
    assert error.field == "network.nat_mode"
    assert "NatMode.NONE" in error.fix


def test_fails_for_an_unknown_environment():
    with pytest.raises(ConfigError) as caught:
        load("qa")
    assert caught.value.environment == "qa"
    assert "known: dev, staging, prod" in caught.value.problem
    assert "add environments/codemate/qa.py and list it in systems/codemate/__init__.py" in caught.value.fix
