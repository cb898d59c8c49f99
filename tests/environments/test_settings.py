"""The committed per-environment values are SPEC §3-4's (staging: our documented middle ground)."""

from __future__ import annotations

import pytest

from environments import ENVIRONMENT_NAMES, load
from environments.codemate.project import PROJECT
from modules.networking.options import NatMode


def test_project_wide_settings_live_in_one_place():
    assert (PROJECT.name, PROJECT.region, PROJECT.availability_zones) == (
        "codemate", "ap-northeast-2", ("ap-northeast-2a", "ap-northeast-2c"))
    assert (PROJECT.state_bucket, PROJECT.lock_table) == ("codemate-terraform-state", "codemate-terraform-locks")
    for env in ENVIRONMENT_NAMES:
        assert load(env).project is PROJECT


@pytest.mark.parametrize("env, nat, retention", [
    ("dev", NatMode.SINGLE, 7), ("staging", NatMode.SINGLE, 14), ("prod", NatMode.ONE_PER_AZ, 30)])
def test_nat_and_log_retention_per_environment(env, nat, retention):
    s = load(env)
    assert (s.network.nat_mode, s.log_retention_days) == (nat, retention)


@pytest.mark.parametrize("env, frontend, backend", [
    ("dev", (1, 1, 2), (1, 1, 2)), ("staging", (1, 1, 3), (1, 1, 3)), ("prod", (2, 2, 5), (2, 2, 6))])
def test_service_counts_per_environment(env, frontend, backend):
    services = {s.name: s for s in load(env).services}
    for name, counts in (("frontend", frontend), ("backend", backend)):
        svc = services[name]
        assert (svc.desired_count, svc.min_count, svc.max_count) == counts
    assert (services["frontend"].cpu, services["frontend"].memory, services["frontend"].port) == (512, 1024, 3000)
    assert (services["backend"].cpu, services["backend"].memory, services["backend"].port) == (1024, 2048, 3001)


@pytest.mark.parametrize("env, klass, storage, multi_az, backups, node, nodes, snapshots", [
    ("dev", "db.t4g.micro", (20, 0), False, 3, "cache.t4g.micro", 1, 1),
    ("staging", "db.t4g.small", (20, 50), False, 5, "cache.t4g.micro", 2, 3),
    ("prod", "db.t4g.small", (50, 100), True, 7, "cache.t4g.small", 2, 5),
])
def test_data_tier_sizes_per_environment(env, klass, storage, multi_az, backups, node, nodes, snapshots):
    s = load(env)
    d, c = s.database, s.cache
    assert (d.instance_class, (d.allocated_storage_gb, d.max_allocated_storage_gb), d.multi_az,
            d.backup_retention_days) == (klass, storage, multi_az, backups)
    assert (c.node_type, c.num_cache_clusters, c.snapshot_retention_days) == (node, nodes, snapshots)
