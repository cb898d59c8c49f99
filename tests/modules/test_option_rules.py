"""Per-field rules beside the options: each options object can be checked on its own (no settings,
no environment, no framework) — the system's validation only adds the path and the cross-field rules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from modules.compute.options import (
    EcsClusterOptions,
    EcsServiceOptions,
    SecretReference,
    cluster_problems,
    routing_problems,
    service_detail_problems,
    service_problems,
)
from modules.database.options import (
    CacheOptions,
    DatabaseOptions,
    cache_auth_problems,
    cache_problems,
    cache_window_problems,
    database_engine_problems,
    database_problems,
    database_window_problems,
)
from modules.monitoring.options import MonitoringOptions, monitoring_problems
from modules.networking.options import LoadBalancerOptions, load_balancer_problems
from modules.patterns.options import SingleServiceSettings, single_service_problems
from modules.secrets.options import SecretsOptions, secrets_problems

ROOT = Path(__file__).resolve().parents[2]
SERVICE = EcsServiceOptions(name="api", port=8080, cpu=256, memory=512, health_check_path="/health",
                            desired_count=1, min_count=1, max_count=1)


def fields(problems) -> list[str]:
    return [p[0] for p in problems]


def test_valid_options_have_no_problem():
    assert list(service_problems(SERVICE)) == list(routing_problems(SERVICE)) == []
    assert list(service_detail_problems(SERVICE)) == []
    assert list(load_balancer_problems(LoadBalancerOptions())) == []
    assert list(secrets_problems(SecretsOptions(names=("jwt",)))) == []
    assert list(monitoring_problems(MonitoringOptions())) == []
    assert list(cluster_problems(EcsClusterOptions())) == []
    db = DatabaseOptions(instance_class="db.t4g.micro", allocated_storage_gb=20, multi_az=False, backup_retention_days=3)
    assert list(database_problems(db)) == list(database_engine_problems(db, project_name="shop")) == []
    assert list(database_window_problems(db)) == []
    cache = CacheOptions(node_type="cache.t4g.micro", num_cache_clusters=1, snapshot_retention_days=1)
    assert list(cache_problems(cache)) == list(cache_auth_problems(cache)) == list(cache_window_problems(cache)) == []


def test_each_rule_names_its_own_field_relative_to_the_options():
    from dataclasses import replace

    assert fields(service_problems(replace(SERVICE, memory=4096))) == ["memory"]
    assert fields(routing_problems(replace(SERVICE, path_patterns=("/api/*",)))) == ["listener_priority"]
    bad_secret = replace(SERVICE, secrets=(SecretReference(variable="1X", secret="jwt"),))
    assert fields(service_detail_problems(bad_secret)) == ["secrets[0].variable"]
    assert fields(load_balancer_problems(LoadBalancerOptions(ssl_policy="TLS-nonsense"))) == ["ssl_policy"]
    assert fields(secrets_problems(SecretsOptions(names=("a", "a")))) == ["names[1]"]
    assert fields(monitoring_problems(MonitoringOptions(ecs_cpu_percent=100))) == ["ecs_cpu_percent"]
    cache = CacheOptions(node_type="cache.t4g.micro", num_cache_clusters=1, snapshot_retention_days=1,
                         maintenance_window="mon:18:30-mon:19:30")
    assert fields(cache_window_problems(cache)) == ["maintenance_window"]


def test_options_and_their_rules_load_without_the_framework():
    code = ("import sys, modules.compute.options, modules.database.options, modules.networking.options, "
            "modules.secrets.options, modules.monitoring.options, modules.patterns.options; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('jsii', 'cdktf', 'cdktn', 'constructs')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_single_service_settings_extend_with_their_own_defaults_and_check_the_repository_rule():
    from dataclasses import replace

    from modules.networking.options import NatMode, VpcOptions
    from modules.project import ProjectSettings
    from systems.conduit.settings import ConduitSettings

    project = ProjectSettings(name="shop", region="eu-west-1", availability_zones=("eu-west-1a", "eu-west-1b"),
                              state_bucket="shop-terraform-state", lock_table="shop-terraform-locks")
    network = VpcOptions(vpc_cidr="10.0.0.0/16", public_subnet_cidrs=("10.0.0.0/24", "10.0.1.0/24"),
                         private_app_subnet_cidrs=(), database_subnet_cidrs=(), nat_mode=NatMode.NONE)
    base = SingleServiceSettings(name="dev", project=project, network=network, service=SERVICE, log_retention_days=7,
                                 load_balancer=LoadBalancerOptions(), secrets=SecretsOptions(names=("jwt",)))
    assert base.services == (SERVICE,) and base.images_to_keep == 10 and base.force_destroy is False
    assert list(single_service_problems(base)) == []
    assert fields(single_service_problems(replace(base, images_to_keep=0))) == ["images_to_keep"]
    assert fields(single_service_problems(replace(base, images_to_keep=1001))) == ["images_to_keep"]
    # a system's settings redeclare a field to give it a default: Conduit's secrets and load balancer
    from modules.iam.options import GithubDeployOptions

    conduit = ConduitSettings(name="dev", project=project, network=network, service=SERVICE, log_retention_days=7,
                              github=GithubDeployOptions(repository="shop/api", branch="main"))
    assert conduit.secrets == SecretsOptions(names=("jwt",)) and conduit.load_balancer.waf is False
