"""String attributes read without waiting for Node (modules/jsii_deferred.py)."""

from __future__ import annotations

import json

import pytest

from modules import jsii_deferred, framework, jsii_one_process
from modules.framework import Fn, TerraformOutput, TerraformStack, aws, test_app


def _synth(stack) -> dict:
    return json.loads(framework.Testing.synth(stack))


def test_it_is_in_place_in_a_normal_run():
    assert jsii_deferred.active()
    assert all(jsii_one_process.applied(change) for change in jsii_one_process.DEFERRED_CHANGES)


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
    assert jsii_deferred.eligible(aws.s3_bucket.S3Bucket.arn.fget.__wrapped_property__) == "arn"
    assert jsii_deferred.eligible(aws.kms_key.KmsKey.key_id.fget.__wrapped_property__) == "keyId"
    # a number, a list, an object: asked of Node as before
    assert jsii_deferred.eligible(aws.lb_target_group.LbTargetGroup.port.fget.__wrapped_property__) is None
    assert jsii_deferred.eligible(aws.vpc.Vpc.ipv6_association_id.fget.__wrapped_property__) == "ipv6AssociationId"
    assert jsii_deferred.eligible(aws.acm_certificate.AcmCertificate.domain_validation_options.fget.__wrapped_property__) is None
    stack = TerraformStack(test_app(), "kinds")
    group = aws.lb_target_group.LbTargetGroup(stack, "group", port=80)
    assert not str(group.port).startswith("${TfToken[TOKEN.py")


def test_a_getter_that_does_not_answer_a_token_makes_the_key_resolve_to_an_error():
    stack = TerraformStack(test_app(), "broken")
    bucket = aws.s3_bucket.S3Bucket(stack, "bucket")
    token = jsii_deferred.token(bucket, "noSuchProperty")
    aws.ssm_parameter.SsmParameter(stack, "parameter", name="/x", type="String", value=token)
    with pytest.raises(RuntimeError, match=r"its property noSuchProperty could not be read for Python's token "
                                           r"TOKEN\.py\d+ \(answered undefined, not a single string token\)"):
        framework.Testing.synth(stack)


def test_nothing_is_deferred_without_the_kernels_two_changes(monkeypatch):
    monkeypatch.setattr(jsii_deferred, "_state", {})
    monkeypatch.setattr(jsii_one_process, "_applied", {jsii_one_process.OBJECT_TABLE})  # the reader changed shape
    assert jsii_deferred.install() is False and not jsii_deferred.active()
    assert jsii_deferred.token(object(), "arn") is None


@pytest.mark.parametrize("value", ["0", "off", "false", "no"])
def test_the_switches_turn_it_off(monkeypatch, value):
    monkeypatch.setattr(jsii_deferred, "_state", {})
    monkeypatch.setenv(jsii_deferred.SWITCH, value)
    assert not jsii_deferred.enabled() and jsii_deferred.creates_enabled()
    monkeypatch.setenv(jsii_deferred.CREATES_SWITCH, value)
    assert not jsii_deferred.creates_enabled()
    assert jsii_deferred.install() is False


# --- creations ---------------------------------------------------------------------------------------

def test_creations_are_named_by_python_and_not_waited_for():
    from jsii._kernel.providers.process import ProcessProvider

    assert jsii_deferred.creates_active()
    assert ProcessProvider.create.__wrapped__ is jsii_deferred._state["create"]
    stack = TerraformStack(test_app(), "named")
    bucket = aws.s3_bucket.S3Bucket(stack, "bucket")
    fqn, number = bucket.__jsii_ref__.ref.rsplit("@", 1)
    assert int(number) > jsii_deferred.FIRST_NAME and fqn == aws.s3_bucket.S3Bucket.__jsii_type__
    # Node knows it by that name: the next call that waits finds it
    assert _synth(stack)["resource"]["aws_s3_bucket"]["bucket"] == {}


def test_a_creation_python_overrides_is_waited_for():
    stack = TerraformStack(test_app(), "overrides")

    class Named(framework.Construct):
        def to_string(self) -> str:  # overrides the jsii method: Node may call back while constructing
            return "named"

    named = Named(stack, "named")
    assert int(named.__jsii_ref__.ref.rsplit("@", 1)[1]) < jsii_deferred.FIRST_NAME  # the kernel's counter
    assert int(framework.Construct(stack, "plain").__jsii_ref__.ref.rsplit("@", 1)[1]) > jsii_deferred.FIRST_NAME


def test_a_failed_creation_is_raised_at_the_next_call_that_waits_naming_where_it_was_created():
    stack = TerraformStack(test_app(), "failing")
    line = __import__("sys")._getframe().f_lineno + 1
    aws.vpc.Vpc(stack, "vpc", cidr_block=10)  # a number where a string belongs: Node refuses it
    aws.s3_bucket.S3Bucket(stack, "after")  # built on the failed one's stack: skipped
    with pytest.raises(RuntimeError) as raised:
        framework.Testing.synth(stack)
    message = str(raised.value)
    assert "Unable to deserialize value as @cdktf/provider-aws.vpc.VpcConfig" in message or framework.FRAMEWORK != "cdktf"
    assert "(deferred create of " in message and message.endswith(f"— that object was created at {__file__}:{line}")
    # the kernel goes on: the next app synthesizes
    other = TerraformStack(test_app(), "after-the-failure")
    aws.s3_bucket.S3Bucket(other, "bucket")
    assert _synth(other)["resource"]["aws_s3_bucket"]["bucket"] == {}


def test_creations_switched_off_wait_for_node(monkeypatch):
    monkeypatch.setattr(jsii_deferred, "_state", {})
    monkeypatch.setenv(jsii_deferred.SWITCH, "0")
    monkeypatch.setenv(jsii_deferred.CREATES_SWITCH, "0")
    assert jsii_deferred.install() is False and not jsii_deferred.creates_active()


def test_work_that_would_call_back_into_python_fails_instead_of_hanging():
    stack = TerraformStack(test_app(), "callback")

    class OwnArn(aws.s3_bucket.S3Bucket):
        @property
        def arn(self) -> str:  # an override: Node's getter calls back into Python
            return "arn:aws:s3:::own"

    bucket = OwnArn(stack, "bucket")
    assert int(bucket.__jsii_ref__.ref.rsplit("@", 1)[1]) < jsii_deferred.FIRST_NAME  # created the waiting way
    token = jsii_deferred.token(bucket, "arn")  # Node would have to ask Python while Python does not wait
    aws.ssm_parameter.SsmParameter(stack, "parameter", name="/x", type="String", value=token)
    with pytest.raises(RuntimeError, match="it called back into Python, which does not wait for this"):
        framework.Testing.synth(stack)
