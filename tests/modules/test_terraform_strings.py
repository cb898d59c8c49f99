"""Terraform-safe strings: a user's ``${`` and ``%{`` reach Terraform as literal text, the code's tokens do not.

A setting that holds ``${`` or ``%{`` used to be emitted unescaped: Terraform read it as an
interpolation and stopped the plan ("Invalid reference"). Here every free-text setting gets a value
with both, the environment is synthesized, and the JSON must carry Terraform's escapes; then the real
Terraform reads the escaped strings back and must return exactly what the user wrote.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from environments import load
from modules.compute.options import SecretReference
from modules.monitoring.options import MonitoringOptions
from modules.framework import Fn, Token
from modules.terraform_strings import escape_template, terraform_literal, terraform_literals
from tests.app_support import container
from tests.support import synth_settings

HOSTILE = "a ${b} and %{ if c }d%{ endif } $${e}"
ESCAPED = "a $${b} and %%{ if c }d%%{ endif } $$${e}"

TARGET_GROUP = "aws_lb_target_group"
SUBSCRIPTION = "aws_sns_topic_subscription"
PIPELINE = "aws_codepipeline"
BUCKET_CORS = "aws_s3_bucket_cors_configuration"


# -- the function -----------------------------------------------------------------------------

def test_both_template_openers_are_doubled():
    assert escape_template(HOSTILE) == ESCAPED
    assert terraform_literal(HOSTILE) == ESCAPED


def test_text_without_openers_is_unchanged():
    for text in ("plain", "$HOME and 100%", "{}", "$ {x}", "% {x}", ""):
        assert terraform_literal(text) == text


def test_non_strings_pass_through():
    assert terraform_literal(None) is None
    assert terraform_literal(3) == 3


def test_a_token_of_the_code_is_kept_and_the_text_around_it_escaped():
    token = Fn.upper("x")  # a cdktf string token: ${TfToken[TOKEN.n]}
    assert Token.is_unresolved(token)
    assert terraform_literal(token) == token
    mixed = f"${{x}}:{token}:%{{y}}"
    assert terraform_literal(mixed) == f"$${{x}}:{token}:%%{{y}}"


def test_mapping_keys_and_values_are_escaped():
    assert terraform_literals({"k${x}": "v%{y}"}) == {"k$${x}": "v%%{y}"}


# -- every free-text setting, through a synthesized stack ----------------------------------

@pytest.fixture(scope="module")
def hostile():
    """dev with HOSTILE in every setting that is free text (and valid for AWS)."""
    dev = load("dev")
    backend = dev.services[1]
    services = (
        replace(dev.services[0], environment={**dev.services[0].environment, "GREETING": HOSTILE},
                container_health_check=f"echo '{HOSTILE}' && true", health_check_path="/health?q=${b}%{c}"),
        replace(backend, secrets=(*backend.secrets,
                                  SecretReference(variable="ODD_KEY", secret="database", json_key="k${b}%{c}"))),
    )
    settings = replace(
        dev, services=services,
        monitoring=MonitoringOptions(alarm_emails=("ops${b}%{c}@example.com",)),
        cicd=replace(dev.cicd, branch="feature/${b}%{c}"),
    )
    return synth_settings(settings)


def test_container_environment_value_is_escaped(hostile):
    env = {e["name"]: e["value"] for e in container(hostile, "frontend")["environment"]}
    assert env["GREETING"] == ESCAPED


def test_token_values_beside_it_stay_interpolations(hostile):
    env = {e["name"]: e["value"] for e in container(hostile, "backend")["environment"]}
    assert env["DATABASE_HOST"].startswith("${aws_db_instance.") and env["DATABASE_HOST"].endswith(".address}")


def test_container_health_check_is_escaped(hostile):
    assert container(hostile, "frontend")["healthCheck"]["command"] == ["CMD-SHELL", f"echo '{ESCAPED}' && true"]


def test_secret_json_key_is_escaped_and_the_arn_stays_a_reference(hostile):
    secret = {s["name"]: s["valueFrom"] for s in container(hostile, "backend")["secrets"]}["ODD_KEY"]
    assert secret.startswith("${aws_secretsmanager_secret.") and secret.endswith(".arn}:k$${b}%%{c}::")


def test_load_balancer_health_check_path_is_escaped(hostile):
    paths = sorted(tg["health_check"]["path"] for tg in hostile.resources(TARGET_GROUP).values())
    assert paths == ["/health", "/health?q=$${b}%%{c}"]


def test_alarm_email_is_escaped(hostile):
    assert hostile.one(SUBSCRIPTION)["endpoint"] == "ops$${b}%%{c}@example.com"


def test_pipeline_branch_is_escaped(hostile):
    pipeline = hostile.one(PIPELINE)
    source = pipeline["stage"][0]["action"][0]["configuration"]
    assert source["BranchName"] == "feature/$${b}%%{c}"
    assert pipeline["trigger"][0]["git_configuration"]["push"][0]["branches"]["includes"] == ["feature/$${b}%%{c}"]


def test_every_interpolation_left_in_the_json_is_one_the_code_made(hostile):
    # A single '$' (or '%') before '{' opens an interpolation (a directive); Terraform reads '$${' ('%%{')
    # as the literal text '${' ('%{'), after as many literal '$' ('%') as come before it.
    interpolations = re.findall(r"(?<!\$)\$\{([^}]*)\}", hostile.text)
    directives = re.findall(r"(?<!%)%\{([^}]*)\}", hostile.text)
    assert interpolations and all(re.match(r"^(tolist\()?(data\.|ephemeral\.)?aws_[a-z0-9_]+\.", i) for i in interpolations), \
        sorted({i for i in interpolations if not i.startswith(("aws_", "data.", "ephemeral.", "tolist(aws_"))})
    assert directives == []


# -- Terraform itself reads the escaped strings back as the user's text --------------------

@pytest.mark.skipif(shutil.which("terraform") is None, reason="no terraform binary on PATH to read the strings back")
def test_terraform_reads_the_escaped_strings_as_the_original_text(tmp_path):
    originals = {"hostile": HOSTILE, "email": "ops${b}%{c}@example.com", "dollars": "$${x} $$ $ {y}",
                 "trailing": "end$ and %", "directive_only": "%{ for x in y }${x}%{ endfor }"}
    config = {"output": {name: {"value": terraform_literal(text)} for name, text in originals.items()}}
    (tmp_path / "main.tf.json").write_text(json.dumps(config))
    rc = tmp_path / "terraformrc"
    rc.touch()
    env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1", "TF_CLI_CONFIG_FILE": str(rc)}
    for command in (["init", "-input=false"], ["apply", "-auto-approve", "-input=false"]):
        result = subprocess.run(["terraform", *command, "-no-color"], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
    shown = subprocess.run(["terraform", "output", "-json"], cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=60)
    assert {name: o["value"] for name, o in json.loads(shown.stdout).items()} == originals
