"""modules/stack: the base stack every system's stack builds on (bare)."""

from __future__ import annotations

import pytest

from modules.framework import Construct
from modules.framework import test_app
from modules.stack import ProjectStack
from tests.support import project_stack, synth_stack


def test_base_stack_has_provider_tags_backend_account_and_logs_key_only():
    stack = project_stack("shop-dev")
    synth = synth_stack(stack)
    provider = synth.doc["provider"]["aws"][0]
    assert provider["region"] == "ap-northeast-2"
    assert provider["default_tags"] == [{"tags": {"Environment": "dev", "Project": "shop", "ManagedBy": "cdktf",
                                                  "Stack": "shop-dev"}}]
    assert synth.doc["terraform"]["backend"]["s3"] == {
        "bucket": "shop-terraform-state", "key": "dev/terraform.tfstate", "region": "ap-northeast-2",
        "encrypt": True, "dynamodb_table": "shop-terraform-locks"}
    assert list(synth.doc["data"]) == ["aws_caller_identity"]
    assert sorted(synth.doc["resource"]) == ["aws_kms_alias", "aws_kms_key"]
    assert synth.by_path("aws_kms_alias", "logs-key/alias")["name"] == "alias/shop-logs-dev"


def test_constructs_find_their_stack_through_the_scope():
    stack = project_stack()
    inner = Construct(Construct(stack, "a"), "b")
    found = ProjectStack.of(inner)
    assert found is stack and found.naming("alb") == "shop-alb-dev" and found.region == "ap-northeast-2"


def test_outside_a_project_stack_is_a_clear_error():
    from modules.framework import TerraformStack

    with pytest.raises(TypeError, match="not inside a ProjectStack"):
        ProjectStack.of(Construct(TerraformStack(test_app(), "plain"), "x"))


def test_output_is_a_stack_output():
    stack = project_stack()
    stack.output("answer", "42", "The answer")
    assert synth_stack(stack).outputs["answer"] == {"value": "42", "description": "The answer"}
