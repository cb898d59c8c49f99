"""Structs sent to Node from the values they were given (modules/jsii_arguments.py)."""

from __future__ import annotations

import jsii._kernel as kernel_module
import pytest

from modules import framework, jsii_arguments
from modules.framework import aws


def _without_nulls(value):
    """jsii's own conversion with the unset (null) struct fields left out, as Node reads them."""
    if isinstance(value, dict):
        if "$jsii.struct" in value:
            struct = value["$jsii.struct"]
            return {"$jsii.struct": {"fqn": struct["fqn"], "data": {
                k: _without_nulls(v) for k, v in struct["data"].items() if v is not None}}}
        return {k: _without_nulls(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _convert(value):
    return kernel_module._make_reference_for_native(None, value)


def _jsii(value):
    return jsii_arguments._installed["original"](None, value)


def test_it_is_in_place_in_a_normal_run():
    assert jsii_arguments.active()
    assert kernel_module._make_reference_for_native.__wrapped__ is jsii_arguments._installed["original"]


def test_a_struct_sends_only_the_fields_it_was_given_the_same_as_jsii_without_its_nulls():
    policy = aws.iam_role.IamRoleInlinePolicy(name="read", policy='{"Version": "2012-10-17"}')
    config = aws.iam_role.IamRoleConfig(assume_role_policy="{}", name="role", inline_policy=[policy],
                                        tags={"Team": "platform"}, max_session_duration=3600)
    mine = _convert(config)
    assert mine == {"$jsii.struct": {"fqn": "@cdktf/provider-aws.iamRole.IamRoleConfig", "data": {
        "assumeRolePolicy": "{}", "inlinePolicy": [{"$jsii.struct": {
            "fqn": "@cdktf/provider-aws.iamRole.IamRoleInlinePolicy",
            "data": {"name": "read", "policy": '{"Version": "2012-10-17"}'}}}],
        "maxSessionDuration": 3600, "name": "role", "tags": {"$jsii.map": {"Team": "platform"}}}}} \
        if framework.FRAMEWORK == "cdktf" else mine  # CDK Terrain's provider names its types otherwise
    theirs = _jsii(config)
    assert None in theirs["$jsii.struct"]["data"].values()  # jsii sends every declared field
    assert mine == _without_nulls(theirs)
    assert list(mine["$jsii.struct"]["data"]) == [
        name for name in theirs["$jsii.struct"]["data"] if theirs["$jsii.struct"]["data"][name] is not None]


def test_plain_values_maps_and_lists_convert_as_jsii_does():
    value = {"a": [1, 2.5, True, None, "x"], "b": {"c": []}}
    assert _convert(value) == _jsii(value) == {"$jsii.map": {"a": [1, 2.5, True, None, "x"],
                                                            "b": {"$jsii.map": {"c": []}}}}


def test_anything_else_goes_to_jsii_unchanged():
    stack = framework.TerraformStack(framework.test_app(), "arguments")
    vpc = aws.vpc.Vpc(stack, "vpc")
    assert _convert(vpc) is vpc  # an object reference
    assert _convert([vpc]) == [vpc]

    class OurOwn(aws.iam_role.IamRoleInlinePolicy):  # a struct class the bindings did not generate
        pass

    own = OurOwn(name="x")
    own._values["policy"] = None
    assert _convert(own) == _jsii(own)  # jsii's own way: every field, null where unset
    assert _convert(own)["$jsii.struct"]["data"] == {"name": "x", "policy": None}


def test_a_synth_through_it_writes_what_the_config_says(tmp_path):
    stack = framework.TerraformStack(framework.test_app(), "probe")
    aws.iam_role.IamRole(stack, "role", assume_role_policy="{}", name="role",
                         inline_policy=[aws.iam_role.IamRoleInlinePolicy(name="read", policy="{}")])
    import json
    role = json.loads(framework.Testing.synth(stack))["resource"]["aws_iam_role"]["role"]
    assert role == {"assume_role_policy": "{}", "name": "role", "inline_policy": [{"name": "read", "policy": "{}"}]}


@pytest.mark.parametrize("value", ["0", "off", "false", "no"])
def test_the_switch_turns_it_off(monkeypatch, value):
    monkeypatch.setenv(jsii_arguments.SWITCH, value)
    assert not jsii_arguments.enabled()
    assert not jsii_arguments.install(("cdktf",))
