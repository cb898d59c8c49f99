"""modules/security/kms: a rotated customer-managed key whose policy names its users, nothing broader."""

from __future__ import annotations

import json

import pytest

from modules.errors import ConfigError
from modules import framework
from modules.framework import aws
from modules.naming import NameKind, Naming
from modules.security.kms import (
    CLOUDWATCH_ALARMS_ACTIONS,
    CLOUDWATCH_LOGS_ACTIONS,
    KEY_ADMINISTRATION_ACTIONS,
    KmsKey,
    partition_of,
)
from tests.support import Synth

KEY = aws.kms_key.KmsKey.TF_RESOURCE_TYPE
ALIAS = aws.kms_alias.KmsAlias.TF_RESOURCE_TYPE
CALLER = aws.data_aws_caller_identity.DataAwsCallerIdentity.TF_RESOURCE_TYPE
ACCOUNT = "${data.aws_caller_identity.account.account_id}"


def synth_key(region: str = "ap-northeast-2", **overrides) -> dict:
    """One key in a project stack of ``region`` (the stack's account): the key resource."""
    from tests.support import project_stack, synth_stack

    stack = project_stack(project="codemate", environment="test", region=region)
    KmsKey(stack, "key", **{**dict(purpose="data", description="test key"), **overrides})
    return synth_stack(stack).by_path(KEY, "key/key")


def statements(key: dict) -> dict[str, dict]:
    return {s["Sid"]: s for s in json.loads(key["policy"])["Statement"]}


def test_each_environment_has_one_rotated_logs_key_with_an_alias(env, stack):
    key = stack.by_path(KEY, "logs-key/key")
    assert key["enable_key_rotation"] is True
    assert key["rotation_period_in_days"] == 365
    assert key["deletion_window_in_days"] == 30
    target = stack.one(ALIAS, name=f"alias/codemate-logs-{env}")["target_key_id"]
    assert target == stack.ref(KEY, key, "key_id")


def test_logs_key_policy_delegates_to_the_account_and_lets_only_cloudwatch_logs_use_it(stack):
    policy = statements(stack.by_path(KEY, "logs-key/key"))
    assert set(policy) == {"AccountAdministersKey", "CloudWatchLogsOfThisAccount"}
    account = policy["AccountAdministersKey"]
    assert account["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    # the account administers the key but cannot encrypt or decrypt with it directly
    assert account["Action"] == list(KEY_ADMINISTRATION_ACTIONS)
    assert not {"kms:*", "kms:Decrypt", "kms:Encrypt"} & set(account["Action"])
    logs = policy["CloudWatchLogsOfThisAccount"]
    assert logs["Principal"] == {"Service": "logs.ap-northeast-2.amazonaws.com"}
    assert logs["Action"] == list(CLOUDWATCH_LOGS_ACTIONS)
    # only log groups of this account in this region, through the encryption context
    assert logs["Condition"] == {"ArnLike": {
        "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:ap-northeast-2:{ACCOUNT}:log-group:*"}}


def test_account_id_comes_from_the_callers_identity(stack):
    assert list(stack.data(CALLER)) == ["account"]


def test_no_statement_trusts_everyone_and_the_service_gets_no_wildcard_action(stack):
    policy = statements(stack.by_path(KEY, "logs-key/key"))
    assert all(s["Principal"] != "*" and s["Principal"].get("AWS") != "*" for s in policy.values())
    assert not [a for a in policy["CloudWatchLogsOfThisAccount"]["Action"] if "*" in a]


def test_a_key_without_service_users_has_only_the_account_statement():
    key = synth_key()
    assert list(statements(key)) == ["AccountAdministersKey"]
    assert statements(key)["AccountAdministersKey"]["Principal"] == {
        "AWS": f"arn:aws:iam::{ACCOUNT}:root"}


def test_a_key_for_cloudwatch_alarms_lets_cloudwatch_only_generate_data_keys_and_decrypt():
    # GIVEN a key for an SNS topic that CloudWatch alarms publish to
    policy = statements(synth_key(cloudwatch_alarms=True))
    # THEN CloudWatch may use it for exactly what publishing to an encrypted topic needs
    services = {sid: s["Principal"]["Service"] for sid, s in policy.items() if "Service" in s["Principal"]}
    assert services == {"CloudWatchAlarmsPublishToTopics": "cloudwatch.amazonaws.com"}
    alarms = policy["CloudWatchAlarmsPublishToTopics"]
    assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert alarms["Action"] == list(CLOUDWATCH_ALARMS_ACTIONS) == ["kms:GenerateDataKey", "kms:Decrypt"]


def test_the_logs_key_gives_cloudwatch_alarms_nothing(stack):
    principals = [s["Principal"] for s in statements(stack.by_path(KEY, "logs-key/key")).values()]
    assert {"Service": "cloudwatch.amazonaws.com"} not in principals


def test_deletion_window_can_be_shortened():
    assert synth_key(deletion_window_days=7)["deletion_window_in_days"] == 7


@pytest.mark.parametrize("region, partition", [
    ("ap-northeast-2", "aws"), ("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"),
])
def test_partition_follows_the_region(region, partition):
    assert partition_of(region) == partition


def test_key_in_a_china_region_uses_the_china_partition():
    key = synth_key(region="cn-north-1", cloudwatch_logs=True)
    logs = statements(key)["CloudWatchLogsOfThisAccount"]
    assert logs["Principal"] == {"Service": "logs.cn-north-1.amazonaws.com"}
    assert statements(key)["AccountAdministersKey"]["Principal"]["AWS"].startswith("arn:aws-cn:iam::")


def test_alias_longer_than_aws_allows_is_a_config_error():
    with pytest.raises(ConfigError, match="KMS alias name .* is 256 chars; AWS allows 250"):
        Naming("p" * 247, "dev")("logs", kind=NameKind.KMS_ALIAS)
