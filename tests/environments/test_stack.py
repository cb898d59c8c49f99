"""Invariants every environment stack must hold (parametrized over dev, staging, prod)."""

from __future__ import annotations

from environments import load
from modules.framework import aws


def test_state_lives_at_the_environment_key_in_the_shared_bucket(env, stack):
    # GIVEN an environment WHEN its stack is synthesized
    backend = stack.doc["terraform"]["backend"]["s3"]
    # THEN its state is encrypted at <env>/terraform.tfstate and locked through DynamoDB
    assert backend == {
        "bucket": "codemate-terraform-state",
        "key": f"{env}/terraform.tfstate",
        "region": "ap-northeast-2",
        "encrypt": True,
        "dynamodb_table": "codemate-terraform-locks",
    }


def test_provider_tags_every_resource_with_environment_project_and_managed_by(env, stack):
    provider = stack.doc["provider"]["aws"]
    main = [p for p in provider if "alias" not in p]
    assert main == [{
        "region": "ap-northeast-2",
        # Stack: the cost allocation tag the stack's budget filters by
        "default_tags": [{"tags": {"Environment": env, "Project": "codemate", "ManagedBy": "cdktf", "Stack": env}}],
    }]
    # a second region (prod's backup copies) has the same tags
    assert all(p["default_tags"] == main[0]["default_tags"] for p in provider)


def test_vpc_uses_the_spec_cidr(env, stack):
    assert stack.has(aws.vpc.Vpc.TF_RESOURCE_TYPE, {"cidr_block": load(env).network.vpc_cidr})
    assert stack.count(aws.vpc.Vpc.TF_RESOURCE_TYPE) == 1


def test_native_lock_file_is_opt_in_beside_dynamodb(dev):
    from dataclasses import replace

    from tests.support import synth_settings

    # GIVEN the default settings THEN no lock file setting and never the legacy workflow flag
    assert "use_lockfile" not in dev.doc["terraform"]["backend"]["s3"]
    # WHEN a team opts in to Terraform's native S3 lock file
    migrating = synth_settings(replace(load("dev"), native_state_lock=True))
    backend = migrating.doc["terraform"]["backend"]["s3"]
    # THEN both locks are taken: the lock file and the DynamoDB table
    assert backend["use_lockfile"] is True
    assert backend["dynamodb_table"] == "codemate-terraform-locks"
    assert "use_legacy_workflow" not in backend


def test_stack_outputs_the_network_ids(stack):
    assert set(stack.outputs) >= {
        "vpc_id", "public_subnet_ids", "private_app_subnet_ids", "database_subnet_ids",
        "alb_security_group_id", "ecs_security_group_id",
    }
    assert stack.outputs["vpc_id"]["value"].startswith("${aws_vpc.")


def test_extra_tags_merge_into_the_default_tags():
    from dataclasses import replace

    from tests.support import synth_settings

    s = synth_settings(replace(load("staging"), extra_tags={"CostCenter": "web-ide"}))
    tags = s.doc["provider"]["aws"][0]["default_tags"][0]["tags"]
    assert tags == {"Environment": "staging", "Project": "codemate", "ManagedBy": "cdktf", "Stack": "staging",
                    "CostCenter": "web-ide"}
