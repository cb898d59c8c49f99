"""The data-tier KMS key: rotation, alias and a key policy scoped statement by statement."""

from __future__ import annotations

import json

from modules.framework import aws

KMS_KEY = aws.kms_key.KmsKey.TF_RESOURCE_TYPE
KMS_ALIAS = aws.kms_alias.KmsAlias.TF_RESOURCE_TYPE
ACCOUNT = "${data.aws_caller_identity.account.account_id}"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"


def policy(synth) -> dict[str, dict]:
    document = json.loads(synth.by_path(KMS_KEY, "data-key/key")["policy"])
    return {statement["Sid"]: statement for statement in document["Statement"]}


def test_data_key_rotates_yearly_and_waits_30_days_before_deletion(stack):
    key = stack.by_path(KMS_KEY, "data-key/key")
    assert key["enable_key_rotation"] is True
    assert key["rotation_period_in_days"] == 365
    assert key["deletion_window_in_days"] == 30


def test_data_key_has_an_alias_per_environment(env, stack):
    alias = stack.one(KMS_ALIAS, name=f"alias/codemate-data-{env}")
    assert alias["target_key_id"] == stack.ref(KMS_KEY, stack.by_path(KMS_KEY, "data-key/key"), "key_id")


def test_key_policy_has_exactly_the_three_scoped_statements(stack):
    assert sorted(policy(stack)) == ["AccountAdministersKey", "CloudWatchLogsOfThisAccount",
                                     "UseThroughServicesOfThisAccount"]


def test_no_statement_of_the_key_policy_has_a_wildcard_action(stack):
    for statement in policy(stack).values():
        assert statement["Effect"] == "Allow"
        assert all("*" not in action for action in statement["Action"]), statement["Sid"]


def test_account_administers_the_key_but_cannot_use_it_directly(stack):
    admin = policy(stack)["AccountAdministersKey"]
    assert admin["Principal"] == {"AWS": ROOT}
    assert "kms:PutKeyPolicy" in admin["Action"]  # the key stays manageable
    assert not {"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant"} & set(admin["Action"])
    assert "Condition" not in admin


def test_key_is_used_only_through_rds_elasticache_and_secrets_manager_of_this_account(stack):
    use = policy(stack)["UseThroughServicesOfThisAccount"]
    assert use["Principal"] == {"AWS": ROOT}
    assert {"kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant"} <= set(use["Action"])
    assert use["Condition"] == {"StringEquals": {
        "kms:CallerAccount": ACCOUNT,
        "kms:ViaService": ["rds.ap-northeast-2.amazonaws.com", "elasticache.ap-northeast-2.amazonaws.com",
                           "secretsmanager.ap-northeast-2.amazonaws.com"],
    }}


def test_cloudwatch_logs_may_use_the_key_only_for_this_accounts_log_groups(stack):
    logs = policy(stack)["CloudWatchLogsOfThisAccount"]
    assert logs["Principal"] == {"Service": "logs.ap-northeast-2.amazonaws.com"}
    assert "kms:CreateGrant" not in logs["Action"]
    assert logs["Condition"] == {"ArnLike": {
        "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:ap-northeast-2:{ACCOUNT}:log-group:*"}}
