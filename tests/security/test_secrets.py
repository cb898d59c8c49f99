"""security/secrets: no literal that looks like a credential in the synthesized JSON."""

from __future__ import annotations

import json

import pytest

from security.secrets import is_reference, scan_document


def resource(type_: str, path: str, **props) -> dict:
    """A one-resource document shaped like cdktf's output."""
    body = {"//": {"metadata": {"path": f"dev/{path}", "uniqueId": "x_12345678"}}, **props}
    return {"resource": {type_: {"x_12345678": body}}}


def rules(doc: dict) -> list[str]:
    return [str(f) for f in scan_document(doc)]


def test_committed_environments_hold_no_secret_literal(stack):
    assert scan_document(stack.doc) == []


# -- credential shapes anywhere --------------------------------------------------

def test_catches_an_aws_access_key_id_in_any_string():
    doc = resource("aws_instance", "app/server", tags={"Note": "key AKIAIOSFODNN7EXAMPLE here"})
    assert rules(doc) == ["aws_instance app/server: tags.Note: AWS access key ID"]


def test_catches_a_pem_private_key():
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA PRIVATE KEY-----"
    doc = resource("aws_instance", "app/server", user_data=pem)
    assert rules(doc) == ["aws_instance app/server: user_data: private key"]


def test_catches_an_openssh_private_key_in_an_output():
    doc = {"output": {"key": {"value": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn..."}}}
    assert rules(doc) == ["output: key.value: private key"]


@pytest.mark.parametrize("token, rule", [
    ("ghp_" + "a" * 36, "GitHub token"),
    ("sk-ant-api03-" + "b" * 40, "API secret key (sk-...)"),
    ("xoxb-1234567890-abcdef", "Slack token"),
])
def test_catches_well_known_api_tokens(token, rule):
    doc = resource("aws_ssm_parameter", "config/flag", description=f"token {token}")
    assert rules(doc) == [f"aws_ssm_parameter config/flag: description: {rule}"]


def test_a_finding_never_repeats_the_secret():
    doc = resource("aws_instance", "app/server", tags={"Note": "AKIAIOSFODNN7EXAMPLE"})
    assert "AKIAIOSFODNN7EXAMPLE" not in " ".join(rules(doc))


# -- credential-like property names -----------------------------------------------

@pytest.mark.parametrize("prop", ["password", "master_password", "auth_token", "secret_string", "password_wo",
                                  "api_key", "client_secret", "secret_key", "token"])
def test_catches_a_literal_in_a_credential_property(prop):
    doc = resource("aws_db_instance", "database/instance", **{prop: "hunter2hunter2"})
    assert rules(doc) == [f"aws_db_instance database/instance: {prop}: literal value in credential-like property {prop!r}"]


def test_catches_a_literal_credential_in_the_provider():
    doc = {"provider": {"aws": [{"region": "ap-northeast-2", "secret_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}]}}
    assert rules(doc) == ["provider: aws.[0].secret_key: literal value in credential-like property 'secret_key'"]


def test_catches_a_plain_text_secret_in_container_environment():
    # GIVEN an ECS task whose container definitions (a JSON string) set a password as a plain variable
    definitions = json.dumps([{"name": "backend", "environment": [
        {"name": "NODE_ENV", "value": "production"},
        {"name": "DATABASE_PASSWORD", "value": "correct-horse-battery"},
    ]}])
    doc = resource("aws_ecs_task_definition", "backend/task", container_definitions=definitions)
    # THEN only the password is reported
    assert rules(doc) == ["aws_ecs_task_definition backend/task: container_definitions.(json).[0].environment.[1]."
                          "DATABASE_PASSWORD: literal value for credential-like variable 'DATABASE_PASSWORD'"]


@pytest.mark.parametrize("value", [
    "${aws_secretsmanager_secret_version.db_1234ABCD.secret_string}",
    "${jsondecode(aws_secretsmanager_secret_version.db.secret_string)[\"password\"]}",
    "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:codemate/dev/database-AbCdEf",
    "",
])
def test_references_and_secrets_manager_arns_are_allowed(value):
    doc = resource("aws_db_instance", "database/instance", password=value)
    assert rules(doc) == []


def test_secrets_injected_from_secrets_manager_are_allowed():
    definitions = json.dumps([{"name": "backend", "secrets": [
        {"name": "DATABASE_PASSWORD", "valueFrom": "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:x-AbCd"},
    ]}])
    assert rules(resource("aws_ecs_task_definition", "backend/task", container_definitions=definitions)) == []


@pytest.mark.parametrize("prop, value", [
    ("auth_token_update_strategy", "ROTATE"),      # the name does not end with the credential word
    ("manage_master_user_password", True),          # not a string
    ("password_length", 32),
    ("secret_arn", "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:x"),
    ("kms_key_id", "alias/codemate-logs-dev"),
])
def test_settings_about_credentials_are_not_credentials(prop, value):
    assert rules(resource("aws_elasticache_replication_group", "cache/redis", **{prop: value})) == []


def test_a_literal_mixed_with_a_reference_is_still_a_literal():
    doc = resource("aws_db_instance", "database/instance", password="prefix-${random_password.db.result}")
    assert len(rules(doc)) == 1


@pytest.mark.parametrize("value, expected", [
    ("${a.b.c}", True),
    ("${jsondecode(x)[\"k\"]}", True),
    ("${a}${b}", False),
    ("x${a}", False),
    ("${a", False),
])
def test_is_reference(value, expected):
    assert is_reference(value) is expected
