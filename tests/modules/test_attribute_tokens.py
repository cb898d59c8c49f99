"""Round trips to Node spared where the answer cannot change (modules/attribute_tokens.py, context.py,
terraform_strings.py): a resource's attribute tokens, a construct's node, id and path, the stack a
construct of ours is in, and whether a string holds a token. Every stack stays byte-identical with all
of it off (tests/modules/test_node_lazy.py); here each part is shown to ask Node once, or not at all,
and never to keep what a setter changes."""

from __future__ import annotations

import collections
import os
import subprocess
import sys
from pathlib import Path

import pytest

from modules import attribute_tokens, jsii_deferred
from modules.context import stack_of
from modules.framework import Construct, TerraformStack, Token, aws, test_app
from modules.terraform_strings import is_unresolved

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def round_trips(monkeypatch):
    """What this process asks the jsii kernel, by kind and name, while the test runs."""
    from jsii._kernel.providers.process import ProcessProvider

    asked = collections.Counter()
    for kind, name in (("get", lambda r: r.property), ("sinvoke", lambda r: f"{r.fqn}.{r.method}")):
        original = getattr(ProcessProvider, kind)

        def counting(self, request, original=original, kind=kind, name=name):
            asked[(kind, name(request))] += 1
            return original(self, request)

        monkeypatch.setattr(ProcessProvider, kind, counting)
    return asked


class Inner(Construct):
    pass


def test_an_attribute_token_is_read_once_and_what_was_set_is_read_every_time(round_trips):
    stack = TerraformStack(test_app(), "probe")
    bucket = aws.s3_bucket.S3Bucket(stack, "bucket", bucket="first")
    assert bucket.bucket == bucket.bucket and Token.is_unresolved(bucket.bucket)  # a reference, not "first"
    assert bucket.arn == bucket.arn
    # once each; none when a string attribute's token is made in Python (tests/modules/test_jsii_deferred.py)
    once = 0 if jsii_deferred.active() else 1
    assert round_trips[("get", "bucket")] == once and round_trips[("get", "arn")] == once
    # an *_input getter returns what was set: asked each time, and a setter's change is seen
    assert bucket.bucket_input == "first"
    bucket.bucket = "second"
    assert bucket.bucket_input == "second" and round_trips[("get", "bucketInput")] == 2


def test_only_the_classes_own_attribute_getters_are_cached():
    klass = aws.s3_bucket.S3Bucket
    own = {name for name, value in vars(klass).items() if isinstance(value, property)}
    cached = {name for name in own if getattr(vars(klass)[name].fget, attribute_tokens._MARK, False)}
    assert cached == {name for name in own if not name.endswith("_input")}
    assert {"bucket", "arn", "id", "tags_all", "versioning"} <= cached
    assert not any(name.endswith("_input") for name in cached) and "bucket_input" in own
    # the framework's meta-arguments (what depends_on, count, provider return is what was set) stay as they are
    assert "depends_on" not in own and not getattr(klass.depends_on.fget, attribute_tokens._MARK, False)


def test_a_node_its_id_and_its_path_are_read_once(round_trips):
    stack = TerraformStack(test_app(), "probe")
    inner = Inner(stack, "inner")
    assert inner.node is inner.node
    assert inner.node.id == inner.node.id == "inner" and inner.node.path == inner.node.path == "probe/inner"
    assert (round_trips[("get", "node")], round_trips[("get", "id")], round_trips[("get", "path")]) == (1, 1, 1)


def test_a_construct_of_ours_finds_its_stack_in_python_and_others_ask_node(round_trips):
    stack = TerraformStack(test_app(), "probe")
    stack.naming, stack.region = object(), "eu-central-1"  # what stack_of requires of a ProjectStack
    deep = Inner(Inner(Inner(stack, "a"), "b"), "c")
    assert attribute_tokens.enclosing(deep, TerraformStack) is stack
    assert stack_of(deep) is stack and round_trips[("sinvoke", "cdktf.TerraformStack.of")] == 0
    # a construct the framework created has no recorded scope: Node answers, the same stack
    queue = aws.sqs_queue.SqsQueue(deep, "queue")
    assert attribute_tokens.enclosing(queue, TerraformStack) is None
    assert stack_of(queue) is stack and round_trips[("sinvoke", "cdktf.TerraformStack.of")] == 1
    assert stack_of(Inner(queue, "under-a-resource")) is stack  # its chain ends at the queue: Node again
    assert round_trips[("sinvoke", "cdktf.TerraformStack.of")] == 2
    # outside any stack: the same one-line error as before
    with pytest.raises(TypeError, match="is not inside a ProjectStack"):
        stack_of(Inner(TerraformStack(test_app(), "plain"), "x"))


@pytest.mark.parametrize("text", [
    "plain", "", "${aws_s3_bucket.b.arn}", "$${escaped}", "${TfToken[TOKEN.1]}", "x-${TfToken[TOKEN.12]}-y",
    "${TfToken[]}", "${TfToken[a b]}", "#{TfToken[TOKEN.3]}", "&{TfToken[TOKEN.4]}", "${TfToken[TOKEN.5]",
    "${TfToken[Token.a:b_c-d.e]}", "-1.8881545897087736e+289",
])
def test_a_string_holds_a_token_exactly_when_the_framework_says_so(text):
    assert is_unresolved(text) is Token.is_unresolved(text)


def test_a_real_token_is_seen_as_one():
    stack = TerraformStack(test_app(), "probe")
    arn = aws.sqs_queue.SqsQueue(stack, "queue").arn
    assert is_unresolved(arn) and is_unresolved(f"prefix {arn} suffix") and not is_unresolved("arn:aws:sqs")


SWITCHED_OFF = """
import constructs
from modules import attribute_tokens, jsii_deferred
from modules.framework import TerraformStack, aws, test_app
mark = attribute_tokens._MARK
assert not getattr(constructs.Construct.__init__, mark, False)
assert not getattr(constructs.Construct.node.fget, mark, False)
assert not getattr(aws.s3_bucket.S3Bucket.bucket.fget, mark, False)
"""


def test_the_switch_turns_all_of_it_off():
    subprocess.run([sys.executable, "-c", SWITCHED_OFF], cwd=ROOT, check=True, timeout=120,
                   env={**os.environ, attribute_tokens.SWITCH: "0"})


def test_a_python_override_of_a_cached_attribute_is_still_an_override():
    # jsii finds a subclass's override by the jsii name on the original getter: the cache keeps it
    assert aws.s3_bucket.S3Bucket.arn.fget.__jsii_name__ == "arn"
    stack = TerraformStack(test_app(), "override")

    class OwnArn(aws.s3_bucket.S3Bucket):
        @property
        def arn(self) -> str:
            return "arn:aws:s3:::own"

    bucket = OwnArn(stack, "bucket")
    from jsii._kernel import _get_overides

    assert [(o.property, o.cookie) for o in _get_overides(aws.s3_bucket.S3Bucket, bucket)] == [("arn", "arn")]
