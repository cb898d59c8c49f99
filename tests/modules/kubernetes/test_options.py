"""Kubernetes options: the version table and the checks settings validation and the constructs share."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from modules.kubernetes.options import (
    ADDON_VERSIONS,
    CORE_ADDONS,
    DEFAULT_KUBERNETES_VERSION,
    KUBERNETES_VERSIONS,
    EksClusterOptions,
    NodeGroupOptions,
    WorkingHoursOptions,
    cluster_problem,
    node_group_problem,
    support_note,
    version_problem,
)

AS_OF = date(2026, 11, 30)
CLUSTER = EksClusterOptions(admin_roles=("platform-admin",))


def test_default_version_is_the_newest_and_in_standard_support():
    newest = max(KUBERNETES_VERSIONS, key=lambda v: tuple(map(int, v.split("."))))
    assert DEFAULT_KUBERNETES_VERSION == newest == "1.35"
    assert version_problem("1.35", today=AS_OF) is None
    assert support_note("1.35", today=AS_OF) is None


def test_document_version_1_28_is_refused_with_the_fix():
    problem, fix = version_problem("1.28", today=AS_OF)
    assert "2025-11-26" in problem and "no longer creates" in problem
    assert "use 1.35" in fix


@pytest.mark.parametrize("version", ["1.29", "1.30", "1.31"])
def test_versions_past_extended_support_are_refused(version):
    assert version_problem(version, today=AS_OF) is not None


@pytest.mark.parametrize("version", ["1.32", "1.33"])
def test_extended_support_versions_are_built_with_a_cost_note(version):
    assert version_problem(version, today=AS_OF) is None
    assert "extended support" in support_note(version, today=AS_OF)


def test_1_34_leaves_standard_support_on_its_date():
    assert support_note("1.34", today=date(2026, 12, 2)) is None
    assert "extended support" in support_note("1.34", today=date(2026, 12, 3))


def test_unknown_version_is_refused():
    problem, fix = version_problem("1.99", today=AS_OF)
    assert "not a Kubernetes version" in problem and "modules/kubernetes/options.py" in fix


def test_every_buildable_version_pins_every_core_addon_and_the_storage_driver():
    for version, known in KUBERNETES_VERSIONS.items():
        if known.extended_support_until >= AS_OF:
            assert set(ADDON_VERSIONS[version]) == {*CORE_ADDONS, "aws-ebs-csi-driver"}, version


def test_default_cluster_options_are_valid():
    assert cluster_problem(CLUSTER, production=True, today=AS_OF) is None


@pytest.mark.parametrize("changes, field", [
    (dict(endpoint_public_access=True), "public_access_cidrs"),
    (dict(public_access_cidrs=("203.0.113.10/32",)), "public_access_cidrs"),
    (dict(endpoint_public_access=True, public_access_cidrs=("not-a-cidr",)), "public_access_cidrs"),
    (dict(admin_roles=()), "admin_roles"),
    (dict(admin_roles=("has space",)), "admin_roles"),
    (dict(addon_versions={"aws-efs-csi-driver": "v1.0.0-eksbuild.1"}), "addon_versions"),
    (dict(addon_versions={"coredns": "latest"}), "addon_versions"),
    (dict(version="1.28"), "version"),
])
def test_wrong_cluster_options_name_their_field(changes, field):
    found = cluster_problem(replace(CLUSTER, **changes), production=False, today=AS_OF)
    assert found is not None and found[0] == field


def test_public_endpoint_open_to_everyone_is_refused_in_prod_only():
    open_ = replace(CLUSTER, endpoint_public_access=True, public_access_cidrs=("0.0.0.0/0",))
    field, value, problem, _fix = cluster_problem(open_, production=True, today=AS_OF)
    assert (field, value) == ("public_access_cidrs", "0.0.0.0/0") and "prod" in problem
    assert cluster_problem(open_, production=False, today=AS_OF) is None


def test_admin_role_may_be_a_name_or_an_arn():
    arn = "arn:aws:iam::123456789012:role/ops/platform-admin"
    assert cluster_problem(replace(CLUSTER, admin_roles=("platform-admin", arn)), production=True,
                           today=AS_OF) is None


def test_default_node_group_is_two_to_four_t3_medium_on_al2023():
    o = NodeGroupOptions()
    assert (o.instance_types, o.min_size, o.desired_size, o.max_size) == (("t3.medium",), 2, 2, 4)
    assert o.ami_type == "AL2023_x86_64_STANDARD"
    assert node_group_problem(o) is None


@pytest.mark.parametrize("changes, field", [
    (dict(min_size=5), "min_size"),
    (dict(desired_size=9), "desired_size"),
    (dict(instance_types=()), "instance_types"),
    (dict(instance_types=("t3medium",)), "instance_types"),
    (dict(instance_types=("t4g.medium",)), "instance_types"),  # Graviton on the x86 AMI
    (dict(ami_type="AL2_x86_64"), "ami_type"),
    (dict(capacity_type="RESERVED"), "capacity_type"),
    (dict(root_volume_gb=4), "root_volume_gb"),
    (dict(name="Default"), "name"),
    (dict(working_hours=WorkingHoursOptions(scale_up="0 9 * *")), "working_hours.scale_up"),
    (dict(working_hours=WorkingHoursOptions(scale_down="0 25 * * MON-FRI")), "working_hours.scale_down"),
    (dict(working_hours=WorkingHoursOptions(scale_down="0 9 * * MON-FRI")), "working_hours.scale_down"),
    (dict(working_hours=WorkingHoursOptions(time_zone="KST+9")), "working_hours.time_zone"),
])
def test_wrong_node_group_options_name_their_field(changes, field):
    found = node_group_problem(replace(NodeGroupOptions(), **changes))
    assert found is not None and found[0] == field


def test_graviton_types_run_the_arm_ami():
    assert node_group_problem(NodeGroupOptions(instance_types=("t4g.medium",),
                                               ami_type="AL2023_ARM_64_STANDARD")) is None
