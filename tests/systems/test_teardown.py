"""``force_destroy`` of every system besides Codemate (tests/environments/test_teardown.py): each dev
is removed by one ``terraform destroy`` (its buckets and repositories go with their contents), no
other environment deletes contents, and every system's ``validate`` refuses it for production."""

from __future__ import annotations

from dataclasses import replace

import pytest

from environments import load
from modules.errors import ConfigError
from systems import SYSTEMS

BUCKET, REPOSITORY = "aws_s3_bucket", "aws_ecr_repository"
OTHERS = [system for system in SYSTEMS if not system.primary]
# every dev stack of the registry's other systems: each bucket and repository must go with its contents
DEV = [system.stack_name("dev") for system in OTHERS if "dev" in system.environments]
KEEPS = [system.stack_name(env) for system in OTHERS for env in system.environments
         if env != "dev" and system.name != "account"]  # the account baseline has no repository


WITH_PROD = [system.name for system in OTHERS if "prod" in system.environments]


def test_the_account_baseline_keeps_its_audit_trail():
    # the trail's buckets are never emptied by a destroy, whatever the account
    from systems import BY_NAME

    for env in BY_NAME["account"].environments:
        assert load(env, "account").force_destroy is False


def test_the_lists_are_not_empty(stack_of):
    assert DEV and KEEPS and WITH_PROD
    assert any(stack_of(name).resources(BUCKET) and stack_of(name).resources(REPOSITORY) for name in DEV)


@pytest.mark.parametrize("name", DEV)
def test_dev_destroys_every_bucket_and_repository_with_its_contents(stack_of, name):
    stack = stack_of(name)
    buckets, repositories = stack.resources(BUCKET).values(), stack.resources(REPOSITORY).values()
    assert all(b["force_destroy"] is True for b in buckets)
    assert all(r["force_delete"] is True for r in repositories)


@pytest.mark.parametrize("name", KEEPS)
def test_other_environments_keep_contents(stack_of, name):
    stack = stack_of(name)
    assert stack.resources(BUCKET) and stack.resources(REPOSITORY)
    assert all(b["force_destroy"] is False for b in stack.resources(BUCKET).values())
    assert all(r["force_delete"] is False for r in stack.resources(REPOSITORY).values())


@pytest.mark.parametrize("system", WITH_PROD)
def test_setting_defaults_off_and_dev_turns_it_on(system):
    assert load("dev", system).force_destroy is True
    assert load("prod", system).force_destroy is False
    assert replace(load("dev", system), force_destroy=False).force_destroy is False


@pytest.mark.parametrize("system", WITH_PROD)
def test_prod_refuses_force_destroy_with_the_fix(system):
    from systems import BY_NAME

    BY_NAME[system].validate(load("prod", system))  # as shipped: accepted
    with pytest.raises(ConfigError) as caught:
        BY_NAME[system].validate(replace(load("prod", system), force_destroy=True))
    error = caught.value
    assert (error.environment, error.field, error.value) == ("prod", "force_destroy", True)
    assert "force_destroy=False" in error.fix and system in str(error)


def test_staging_may_opt_in():
    from systems import BY_NAME

    BY_NAME["openmarket"].validate(replace(load("staging", "openmarket"), force_destroy=True))
