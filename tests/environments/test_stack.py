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
    assert provider == [{
        "region": "ap-northeast-2",
        "default_tags": [{"tags": {"Environment": env, "Project": "codemate", "ManagedBy": "cdktf"}}],
    }]


def test_vpc_uses_the_spec_cidr(env, stack):
    assert stack.has(aws.vpc.Vpc.TF_RESOURCE_TYPE, {"cidr_block": load(env).network.vpc_cidr})
    assert stack.count(aws.vpc.Vpc.TF_RESOURCE_TYPE) == 1
