"""String attributes read without waiting for Node (modules/deferred_gets.py)."""

from __future__ import annotations

import json

import pytest

from modules import deferred_gets, framework, jsii_one_process
from modules.framework import Fn, TerraformOutput, TerraformStack, aws, test_app


def _synth(stack) -> dict:
    return json.loads(framework.Testing.synth(stack))


def test_it_is_in_place_in_a_normal_run():
    assert deferred_gets.active()
    assert all(jsii_one_process.applied(change) for change in jsii_one_process.DEFERRED_GETS_CHANGES)


def test_a_string_attribute_is_pythons_token_and_resolves_as_nodes_does_in_every_context():
    stack = TerraformStack(test_app(), "deferred")
    bucket = aws.s3_bucket.S3Bucket(stack, "bucket")
    key = aws.kms_key.KmsKey(stack, "key")
    deferred = bucket.arn
    assert deferred.startswith("${TfToken[TOKEN.py") and bucket.arn is deferred  # read once, no round trip
    node_made = aws.s3_bucket.S3Bucket.arn.fget.__wrapped_property__.fget(bucket)  # the same getter, asked of Node
    assert node_made.startswith("${TfToken[TOKEN.") and "TOKEN.py" not in node_made
    for name, value in (("deferred", deferred), ("node", node_made)):
        # alone, inside a string, in Terraform functions, in a JSON policy built by cdktf, as an output
        aws.s3_bucket_policy.S3BucketPolicy(stack, f"{name}-policy", bucket=bucket.id, policy=Fn.jsonencode(
            {"Statement": [{"Resource": [value, f"{value}/*"], "Condition": {"k": Fn.join(",", [value, key.arn])}}]}))
        aws.ssm_parameter.SsmParameter(stack, f"{name}-parameter", name=f"/x/{name}", type="String", value=value,
                                       description=f"of {value} with {Fn.upper(value)}")
        TerraformOutput(stack, f"{name}-output", value=value)
    document = _synth(stack)

    policies = document["resource"]["aws_s3_bucket_policy"]
    parameters = document["resource"]["aws_ssm_parameter"]
    assert policies["deferred-policy"]["policy"] == policies["node-policy"]["policy"]
    assert "aws_s3_bucket.bucket.arn" in policies["deferred-policy"]["policy"]
    assert parameters["deferred-parameter"]["value"] == parameters["node-parameter"]["value"] == "${aws_s3_bucket.bucket.arn}"
    assert parameters["deferred-parameter"]["description"] == parameters["node-parameter"]["description"]
    assert document["output"]["deferred-output"]["value"] == document["output"]["node-output"]["value"]


def test_only_exact_string_getters_are_deferred():
    assert deferred_gets.eligible(aws.s3_bucket.S3Bucket.arn.fget.__wrapped_property__) == "arn"
    assert deferred_gets.eligible(aws.kms_key.KmsKey.key_id.fget.__wrapped_property__) == "keyId"
    # a number, a list, an object: asked of Node as before
    assert deferred_gets.eligible(aws.lb_target_group.LbTargetGroup.port.fget.__wrapped_property__) is None
    assert deferred_gets.eligible(aws.vpc.Vpc.ipv6_association_id.fget.__wrapped_property__) == "ipv6AssociationId"
    assert deferred_gets.eligible(aws.acm_certificate.AcmCertificate.domain_validation_options.fget.__wrapped_property__) is None
    stack = TerraformStack(test_app(), "kinds")
    group = aws.lb_target_group.LbTargetGroup(stack, "group", port=80)
    assert not str(group.port).startswith("${TfToken[TOKEN.py")


def test_a_getter_that_does_not_answer_a_token_makes_the_key_resolve_to_an_error():
    stack = TerraformStack(test_app(), "broken")
    bucket = aws.s3_bucket.S3Bucket(stack, "bucket")
    token = deferred_gets.token(bucket, "noSuchProperty")
    aws.ssm_parameter.SsmParameter(stack, "parameter", name="/x", type="String", value=token)
    with pytest.raises(RuntimeError, match=r"its property noSuchProperty could not be read for Python's token "
                                           r"TOKEN\.py\d+ \(answered undefined, not a single string token\)"):
        framework.Testing.synth(stack)


def test_nothing_is_deferred_without_the_kernels_two_changes(monkeypatch):
    monkeypatch.setattr(deferred_gets, "_state", {})
    monkeypatch.setattr(jsii_one_process, "_applied", {jsii_one_process.OBJECT_TABLE})  # the reader changed shape
    assert deferred_gets.install() is False and not deferred_gets.active()
    assert deferred_gets.token(object(), "arn") is None


@pytest.mark.parametrize("value", ["0", "off", "false", "no"])
def test_the_switch_turns_it_off(monkeypatch, value):
    monkeypatch.setattr(deferred_gets, "_state", {})
    monkeypatch.setenv(deferred_gets.SWITCH, value)
    assert deferred_gets.install() is False
