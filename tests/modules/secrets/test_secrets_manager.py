"""Secrets Manager: four containers per environment, KMS-encrypted, recovery window 0 only in dev."""

from __future__ import annotations

import json

import pytest

from modules.framework import aws

SECRET = aws.secretsmanager_secret.SecretsmanagerSecret.TF_RESOURCE_TYPE
SECRET_VERSION = aws.secretsmanager_secret_version.SecretsmanagerSecretVersion.TF_RESOURCE_TYPE
KMS_KEY = aws.kms_key.KmsKey.TF_RESOURCE_TYPE
KMS_ALIAS = aws.kms_alias.KmsAlias.TF_RESOURCE_TYPE


def test_the_four_spec_secrets_exist_per_environment(env, stack):
    names = sorted(s["name"] for s in stack.under(SECRET, "secrets"))
    assert names == sorted(f"codemate/{env}/{n}" for n in ("database", "nextauth", "anthropic", "github-oauth"))


def test_secrets_are_containers_without_values(stack):
    # Negative: no secret version, so no value in the code, the JSON or the state
    assert stack.under(SECRET_VERSION, "secrets") == []
    for secret in stack.under(SECRET, "secrets"):
        assert not {"secret_string", "secret_binary"} & set(secret)


@pytest.mark.parametrize("env_name, days", [("dev", 0), ("staging", 7), ("prod", 30)])
def test_recovery_window_is_zero_only_in_dev(request, env_name, days):
    stack = request.getfixturevalue(env_name)
    assert {s["recovery_window_in_days"] for s in stack.under(SECRET, "secrets")} == {days}


def test_secrets_are_encrypted_with_the_environments_rotating_key(env, stack):
    key = stack.by_path(KMS_KEY, "secrets/key")
    assert key["enable_key_rotation"] is True
    assert {s["kms_key_id"] for s in stack.under(SECRET, "secrets")} == {stack.ref(KMS_KEY, key, "arn")}
    assert stack.by_path(KMS_ALIAS, "secrets/key-alias")["name"] == f"alias/codemate-secrets-{env}"


def test_secrets_key_has_an_explicit_policy_that_delegates_only_to_this_account(stack):
    # GIVEN the secrets key WHEN synthesized THEN its policy is written out (not AWS's implicit default)
    key = stack.by_path(KMS_KEY, "secrets/key")
    document = json.loads(key["policy"])
    assert document["Version"] == "2012-10-17"
    account = "${data.aws_caller_identity.account.account_id}"
    administer, use = document["Statement"]
    # the account administers the key (no kms:*, no Encrypt/Decrypt) ...
    assert (administer["Sid"], administer["Principal"]) == ("AccountAdministersKey", {"AWS": f"arn:aws:iam::{account}:root"})
    assert "kms:*" not in administer["Action"] and "kms:Decrypt" not in administer["Action"]
    # ... and may use it only through Secrets Manager of this region; the execution roles' IAM
    # policies grant kms:Decrypt through Secrets Manager only (tests/modules/compute)
    assert use["Sid"] == "UseThroughServicesOfThisAccount"
    assert use["Condition"] == {"StringEquals": {
        "kms:CallerAccount": account, "kms:ViaService": ["secretsmanager.ap-northeast-2.amazonaws.com"]}}


def test_secrets_key_keeps_its_terraform_address(stack):
    # the policy was added to the existing resources: the key is updated in place, never replaced
    assert {stack.path(k) for k in stack.under(KMS_KEY, "secrets")} == {"secrets/key"}
    assert {stack.path(a) for a in stack.under(KMS_ALIAS, "secrets")} == {"secrets/key-alias"}
