"""The policy helper refuses wildcard actions, so no construct can write one by accident."""

from __future__ import annotations

import json

import pytest

from modules.iam.policy import allow, document, service_trust


@pytest.mark.parametrize("action", ["s3:*", "*", "s3:Get*", "ecr:Batch?etImage"])
def test_allow_refuses_a_wildcard_action(action):
    with pytest.raises(ValueError, match="list the exact actions"):
        allow("Wide", ["s3:GetObject", action], "arn:aws:s3:::b/*")


def test_allow_refuses_a_statement_without_actions():
    with pytest.raises(ValueError):
        allow("Empty", [], "*")


def test_allow_accepts_a_resource_wildcard_for_unscopable_actions():
    assert allow("Login", ["ecr:GetAuthorizationToken"], "*") == {
        "Sid": "Login", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"}


def test_document_and_trust_are_versioned_policy_json():
    assert json.loads(document(allow("A", ["s3:GetObject"], "arn")))["Version"] == "2012-10-17"
    trust = json.loads(service_trust("ecs-tasks.amazonaws.com", source_account="123"))
    assert trust["Statement"][0]["Condition"] == {"StringEquals": {"aws:SourceAccount": "123"}}
