"""modules/iam/grants and the grant_* methods: the used resource writes the statements (bare stack)."""

from __future__ import annotations

import json

import pytest

from modules.secrets.options import SecretsOptions

from modules.framework import aws
from modules.iam.grants import InlinePolicy, sid
from modules.iam.policy import allow
from modules.secrets.secrets_manager import Secrets
from modules.security.kms import KmsKey
from modules.storage.secure_bucket import SecureBucket
from tests.support import project_stack, synth_stack


class Role:
    """A minimal grantee: a role and its inline policy."""

    def __init__(self, stack, id):
        self.role = aws.iam_role.IamRole(stack, id, name=id, assume_role_policy="{}")
        self.policy = InlinePolicy(stack, f"{id}-policy", role_id=self.role.id, name="app")

    def add_to_role_policy(self, *statements):
        self.policy.add(*statements)


def statements(synth, path):
    return json.loads(synth.by_path("aws_iam_role_policy", path)["policy"])["Statement"]


def test_a_role_with_nothing_granted_has_no_policy():
    stack = project_stack()
    Role(stack, "idle")
    assert synth_stack(stack).count("aws_iam_role_policy") == 0


def test_repeated_sids_are_numbered_and_later_grants_rewrite_one_policy():
    stack = project_stack()
    role = Role(stack, "app")
    role.add_to_role_policy(allow("Read", ["s3:GetObject"], "arn:a"))
    role.add_to_role_policy(allow("Read", ["s3:GetObject"], "arn:b"))
    synth = synth_stack(stack)
    assert synth.count("aws_iam_role_policy") == 1
    assert [(s["Sid"], s["Resource"]) for s in statements(synth, "app-policy")] == [("Read", "arn:a"), ("Read2", "arn:b")]


def test_bucket_grant_read_write_is_objects_and_list_only_with_the_key_through_s3():
    stack = project_stack()
    role = Role(stack, "app")
    key = KmsKey(stack, "key", purpose="files", description="files", service_principals=("s3",))
    bucket = SecureBucket(stack, "uploads", name="shop-uploads-dev", tags={}, kms_key_arn=key.key_arn)
    bucket.grant_read_write(role, kms_key_arn=key.key_arn)
    synth = synth_stack(stack)
    arn = synth.ref("aws_s3_bucket", synth.by_path("aws_s3_bucket", "uploads"), "arn")
    got = statements(synth, "app-policy")
    assert [(s["Sid"], s["Action"], s["Resource"]) for s in got[:2]] == [
        ("UploadsReadWriteObjects", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], f"{arn}/*"),
        ("UploadsList", ["s3:ListBucket"], arn)]
    assert got[2]["Action"] == ["kms:GenerateDataKey", "kms:Decrypt"]
    assert got[2]["Condition"] == {"StringEquals": {"kms:ViaService": "s3.ap-northeast-2.amazonaws.com"}}


def test_bucket_grant_read_gives_no_write():
    stack = project_stack()
    role = Role(stack, "reader")
    SecureBucket(stack, "reports", name="shop-reports-dev", tags={}).grant_read(role)
    actions = [a for s in statements(synth_stack(stack), "reader-policy") for a in s["Action"]]
    assert actions == ["s3:GetObject", "s3:ListBucket"]


def test_secrets_grant_read_names_only_the_chosen_secrets_and_decrypts_through_secrets_manager():
    stack = project_stack()
    role = Role(stack, "fn")
    secrets = Secrets(stack, "secrets", options=SecretsOptions(names=("jwt", "canvas")))
    secrets.grant_read(role, "canvas")
    synth = synth_stack(stack)
    read, decrypt = statements(synth, "fn-policy")
    canvas = synth.ref("aws_secretsmanager_secret", synth.by_path("aws_secretsmanager_secret", "secrets/canvas"), "arn")
    assert (read["Action"], read["Resource"]) == (["secretsmanager:GetSecretValue"], [canvas])
    assert decrypt["Condition"] == {"StringEquals": {"kms:ViaService": "secretsmanager.ap-northeast-2.amazonaws.com"}}
    with pytest.raises(ValueError, match="unknown secret"):
        secrets.grant_read(role, "nope")


def test_key_grant_is_scoped_to_one_service():
    stack = project_stack()
    role = Role(stack, "worker")
    key = KmsKey(stack, "key", purpose="queues", description="queues", service_principals=("sqs",))
    key.grant_encrypt_decrypt(role, via_service="sqs")
    [statement] = statements(synth_stack(stack), "worker-policy")
    assert statement["Sid"] == "QueuesKeySqs"
    assert statement["Condition"] == {"StringEquals": {"kms:ViaService": "sqs.ap-northeast-2.amazonaws.com"}}


def test_sid_is_alphanumeric_camel_case():
    assert sid("files", "read-write") == "FilesReadWrite"
