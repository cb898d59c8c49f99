"""Bad input for the application tier: each a ConfigError naming environment, service and field.

Validation runs before any construct (no synth here), so these tests are fast.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.support import config_error

import main
from environments import load
from modules.compute.options import SecretReference, EcsServiceOptions
from modules.networking.options import NatMode
from systems.codemate.settings import validate
from modules.errors import ConfigError


def with_service(settings, name: str, **changes):
    return replace(settings, services=tuple(
        replace(s, **changes) if s.name == name else s for s in settings.services))


fails = config_error


@pytest.fixture
def prod_settings():
    return load("prod")


@pytest.fixture
def dev_settings():
    return load("dev")


def test_committed_settings_are_valid(env):
    validate(load(env))


# -- the listed bad inputs of the issue ---------------------------------------------
def test_fails_when_a_path_pattern_is_used_by_two_services(prod_settings):
    worker = EcsServiceOptions(name="worker", port=3002, cpu=256, memory=512, health_check_path="/health",
                             desired_count=1, min_count=1, max_count=1, path_patterns=("/api/*",),
                             listener_priority=200)
    bad = replace(prod_settings, services=(*prod_settings.services, worker))
    error = fails(bad, "services[2](worker).path_patterns", "already routed to service 'backend'")
    assert error.value == "/api/*"


def test_fails_when_two_services_share_a_name(prod_settings):
    frontend, backend = prod_settings.services
    bad = replace(prod_settings, services=(frontend, replace(backend, name="frontend")))
    fails(bad, "services[1](frontend).name", "same name as services[0]")


def test_fails_when_two_services_share_a_port(prod_settings):
    bad = with_service(prod_settings, "backend", port=3000)
    fails(bad, "services[1](backend).port", "same port as services[0](frontend)")


def test_fails_when_two_listener_rules_share_a_priority(prod_settings):
    worker = EcsServiceOptions(name="worker", port=3002, cpu=256, memory=512, health_check_path="/health",
                             desired_count=1, min_count=1, max_count=1, path_patterns=("/jobs/*",),
                             listener_priority=100)
    bad = replace(prod_settings, services=(*prod_settings.services, worker))
    fails(bad, "services[2](worker).listener_priority", "same priority as the rule of service 'backend'")


def test_fails_when_fargate_does_not_offer_the_cpu(prod_settings):
    fails(with_service(prod_settings, "backend", cpu=1000), "services[1](backend).cpu",
          "Fargate does not offer this CPU size", "256, 512, 1024")


def test_fails_when_fargate_does_not_accept_the_memory_for_the_cpu(prod_settings):
    fails(with_service(prod_settings, "frontend", memory=512), "services[0](frontend).memory",
          "with cpu=512", "1024..4096 MiB in steps of 1024")


# -- routing ----------------------------------------------------------------------------
def test_fails_when_path_patterns_have_no_priority(prod_settings):
    fails(with_service(prod_settings, "backend", listener_priority=None),
          "services[1](backend).listener_priority", "need a listener rule priority")


def test_fails_when_a_priority_is_outside_the_alb_range(prod_settings):
    fails(with_service(prod_settings, "backend", listener_priority=50001),
          "services[1](backend).listener_priority", "1 to 50000")


def test_fails_when_two_services_claim_the_default_action(prod_settings):
    fails(with_service(prod_settings, "backend", path_patterns=(), listener_priority=None),
          "services[1](backend).path_patterns", "service 'frontend' is already the default action")


def test_fails_when_no_service_is_the_default_action(prod_settings):
    fails(with_service(prod_settings, "frontend", path_patterns=("/app/*",), listener_priority=200),
          "services", "no default action")


def test_fails_when_the_default_service_has_a_priority(prod_settings):
    fails(with_service(prod_settings, "frontend", listener_priority=5),
          "services[0](frontend).listener_priority", "default action has no rule")


def test_fails_when_a_rule_has_more_than_five_patterns(prod_settings):
    patterns = tuple(f"/p{i}/*" for i in range(6))
    fails(with_service(prod_settings, "backend", path_patterns=patterns),
          "services[1](backend).path_patterns", "at most 5 path patterns")


def test_fails_when_a_path_pattern_does_not_start_with_a_slash(prod_settings):
    fails(with_service(prod_settings, "backend", path_patterns=("api/*",)),
          "services[1](backend).path_patterns", "not an ALB path pattern")


def test_fails_when_a_service_outside_the_load_balancer_has_path_patterns(prod_settings):
    fails(with_service(prod_settings, "backend", load_balanced=False),
          "services[1](backend).path_patterns", "not behind the load balancer")


# -- secrets and environment ------------------------------------------------------------
def test_fails_when_a_plain_environment_value_looks_like_a_secret(prod_settings):
    bad = with_service(prod_settings, "backend", environment={"NODE_ENV": "production", "JWT_SECRET": "x"})
    error = fails(bad, "services[1](backend).environment", "looks like a secret", "SecretReference")
    assert error.value == "JWT_SECRET"


def test_fails_when_a_secret_reference_names_an_unknown_secret(prod_settings):
    bad = with_service(prod_settings, "backend", secrets=(SecretReference(variable="STRIPE_KEY", secret="stripe"),))
    fails(bad, "services[1](backend).secrets[0].secret", "not a secret of this environment")


def test_fails_when_a_variable_is_both_secret_and_plain(prod_settings):
    bad = with_service(prod_settings, "backend", environment={"PORT": "3001"},
                       secrets=(SecretReference(variable="PORT", secret="nextauth"),))
    fails(bad, "services[1](backend).secrets[0].variable", "also set as a plain environment value")


def test_fails_when_a_json_key_would_break_the_arn_form(prod_settings):
    bad = with_service(prod_settings, "backend",
                       secrets=(SecretReference(variable="DB_USER", secret="database", json_key="user:name"),))
    fails(bad, "services[1](backend).secrets[0].json_key", "breaks the ARN form")


def test_fails_when_the_recovery_window_is_not_accepted(prod_settings):
    bad = replace(prod_settings, secrets=replace(prod_settings.secrets, recovery_window_days=3))
    fails(bad, "secrets.recovery_window_days", "0 (delete at once) or 7 to 30")


# -- placement, images, scaling ------------------------------------------------------------
def test_fails_when_private_tasks_have_no_nat_to_pull_images(dev_settings):
    bad = replace(dev_settings, network=replace(dev_settings.network, nat_mode=NatMode.NONE))
    fails(bad, "services[0](frontend).assign_public_ip", "cannot pull their image")


def test_fails_when_private_tasks_have_no_private_subnets(dev_settings):
    network = replace(dev_settings.network, private_app_subnet_cidrs=(), nat_mode=NatMode.NONE)
    fails(replace(dev_settings, network=network), "services[0](frontend).assign_public_ip",
          "no private app subnets")


def test_fails_when_the_image_tag_is_latest(prod_settings):
    fails(with_service(prod_settings, "frontend", image_tag="latest"), "services[0](frontend).image_tag",
          "immutable")


def test_fails_when_the_repository_name_is_invalid(prod_settings):
    fails(with_service(prod_settings, "frontend", image_repository="Frontend Repo"),
          "services[0](frontend).image_repository", "not a valid ECR repository name")


def test_fails_when_a_scaling_target_is_out_of_range(prod_settings):
    fails(with_service(prod_settings, "backend", memory_scaling_target=120),
          "services[1](backend).memory_scaling_target", "outside 10-95")


def test_fails_when_a_scaling_range_has_no_target(prod_settings):
    fails(with_service(prod_settings, "frontend", cpu_scaling_target=None),
          "services[0](frontend).cpu_scaling_target", "min_count 2 < max_count 5 but no scaling target")


def test_fails_when_two_services_share_a_discovery_name(prod_settings):
    bad = replace(prod_settings, services=tuple(replace(s, discovery_name="api") for s in prod_settings.services))
    fails(bad, "services[1](backend).discovery_name", "already the name of service 'frontend'")


# -- load balancer and storage -----------------------------------------------------------
def test_fails_when_the_host_name_is_not_one_label_below_the_domain(prod_settings):
    bad = replace(prod_settings, load_balancer=replace(prod_settings.load_balancer,
                                                       host_name="app.eu.codemate.example.com"))
    fails(bad, "load_balancer.host_name", "covers exactly one label")


def test_fails_when_the_domain_is_not_a_domain_name(prod_settings):
    bad = replace(prod_settings, load_balancer=replace(prod_settings.load_balancer, domain="https://codemate.io/"))
    fails(bad, "load_balancer.domain", "not a domain name")


def test_fails_when_the_idle_timeout_is_beyond_the_alb_limit(prod_settings):
    bad = replace(prod_settings, load_balancer=replace(prod_settings.load_balancer, idle_timeout_seconds=4001))
    fails(bad, "load_balancer.idle_timeout_seconds", "1 to 4000")


def test_fails_when_access_logs_have_no_bucket(prod_settings):
    bad = with_service(replace(prod_settings, storage=None), "backend", files_bucket_access=False)
    fails(bad, "load_balancer.access_logs", "need the logs bucket")


def test_fails_when_a_service_wants_the_files_bucket_without_storage(prod_settings):
    bad = replace(prod_settings, storage=None,
                  load_balancer=replace(prod_settings.load_balancer, access_logs=False))
    fails(bad, "services[1](backend).files_bucket_access", "no files bucket")


def test_fails_when_a_cors_origin_has_a_path(dev_settings):
    bad = replace(dev_settings, storage=replace(dev_settings.storage, cors_origins=("http://localhost:3000/",)))
    fails(bad, "storage.cors_origins[0]", "not a browser origin")


def test_main_exits_2_with_one_line_and_writes_nothing_for_a_bad_service(tmp_path, capsys, prod_settings):
    # GIVEN a port clash in prod WHEN main runs THEN exit 2, one error line, no output directory
    bad = with_service(prod_settings, "backend", port=3000)
    code = main.main(["prod", "--outdir", str(tmp_path / "out")], loader=lambda name: bad)
    err = capsys.readouterr().err.splitlines()
    assert code == 2
    assert err[0].startswith("error: [codemate:prod] services[1](backend).port = 3000: same port")
    assert not (tmp_path / "out").exists()


def test_fails_when_a_service_sets_a_variable_that_data_tier_access_injects(prod_settings):
    backend = next(s for s in prod_settings.services if s.name == "backend")
    clash = replace(backend, environment={**backend.environment, "REDIS_HOST": "localhost"})
    settings = replace(prod_settings, services=tuple(clash if s.name == "backend" else s
                                                     for s in prod_settings.services))
    error = fails(settings, "services[1](backend).data_tier_access", "['REDIS_HOST']")
    assert error.fix == "remove them from environment/secrets, or set data_tier_access=False"
