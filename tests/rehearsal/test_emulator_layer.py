"""The compatibility layer's one shape: every correction is a registered record, and a patch is only
its ``replaces`` — installed and undone by the same code for every patch (no server needed here)."""

from __future__ import annotations

import importlib
import pkgutil
import types

import pytest

import rehearsal.emulator as emulator
from rehearsal.emulator import FAKES, PATCHES, Correction, Patch, Replace
from rehearsal.emulator.core import clear_stores, resolve, store

SHARED = {"core", "registry", "server"}
SERVICE_MODULES = sorted(m.name for m in pkgutil.iter_modules(emulator.__path__) if m.name not in SHARED)


def corrections_of(module_name: str) -> list[Correction]:
    module = importlib.import_module(f"rehearsal.emulator.{module_name}")
    return [value for value in vars(module).values() if isinstance(value, Correction)]


def test_one_module_per_service_each_with_its_corrections():
    assert SERVICE_MODULES == sorted([
        "application_autoscaling", "backup", "budgets", "cloud_map", "codebuild", "codepipeline", "codestar", "ec2", "ecs", "eks",
        "elasticache", "elbv2", "iam", "kms", "lambda_", "rds", "s3", "sqs"])
    for name in SERVICE_MODULES:
        assert corrections_of(name), f"rehearsal/emulator/{name}.py defines no correction"


def test_every_correction_of_a_service_module_is_registered_once():
    defined = [c for name in SERVICE_MODULES for c in corrections_of(name)]
    registered = [*PATCHES, *FAKES]
    assert sorted(c.name for c in defined) == sorted(c.name for c in registered)
    assert len({id(c) for c in registered}) == len(registered) == 28


def test_a_patch_is_its_replacements_and_each_names_an_existing_moto_module_or_class():
    for patch in PATCHES:
        assert isinstance(patch, Patch) and patch.replaces, patch.name
        for replace in patch.replaces:
            owner = resolve(replace.target)
            assert isinstance(owner, (type, types.ModuleType)), (patch.name, replace.target)
            assert replace.target.startswith("moto."), replace.target


MISSING = object()


def snapshot(patch: Patch) -> list:
    state = []
    for replace in patch.replaces:
        owner = resolve(replace.target)
        raw = vars(owner) if isinstance(owner, type) else owner.__dict__
        state.append(raw.get(replace.attribute, MISSING))
    return state


@pytest.mark.parametrize("patch", PATCHES, ids=[p.name for p in PATCHES])
def test_installing_a_patch_replaces_its_attributes_and_undo_restores_them_exactly(patch):
    before = snapshot(patch)
    undo = patch.install()
    try:
        during = snapshot(patch)
        # a patch that replaces one attribute twice (none today) would show its last value only
        assert all(a is not b for a, b in zip(before, during)), patch.name
    finally:
        undo()
    after = snapshot(patch)
    assert all(a is b for a, b in zip(before, after)), patch.name


def test_a_patch_that_fails_halfway_undoes_what_it_installed():
    from moto.sqs.models import Queue

    original = vars(Queue)["_set_attributes"]
    broken = Patch(name="broken", moto="m" * 31, aws="a" * 31, reference="https://docs.aws.amazon.com/x",
                   probe=lambda session: True, replaces=(
                       Replace("moto.sqs.models:Queue", "_set_attributes", lambda old: lambda *a: old(*a)),
                       Replace("moto.sqs.models:NoSuchClass", "x", lambda old: None)))
    with pytest.raises(AttributeError):
        broken.install()
    assert vars(Queue)["_set_attributes"] is original


def test_an_attribute_moto_lacks_is_added_and_removed_again():
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse as R

    assert not hasattr(R, "rehearsal_probe_attribute")
    undo = Replace("moto.applicationautoscaling.responses:ApplicationAutoScalingResponse",
                   "rehearsal_probe_attribute", lambda original: ("added", original)).install()
    assert R.rehearsal_probe_attribute == ("added", None)
    undo()
    assert not hasattr(R, "rehearsal_probe_attribute")


def test_what_the_layer_keeps_is_emptied_with_moto():
    from rehearsal.emulator import application_autoscaling, codestar, eks

    kept = store()
    kept["x"] = 1
    application_autoscaling.TAGS["arn"] = {"a": "b"}
    codestar.CONNECTIONS["arn"] = {}
    eks.ADDONS[("r", "c", "a")] = {}
    clear_stores()
    assert kept == application_autoscaling.TAGS == codestar.CONNECTIONS == eks.ADDONS == {}
