"""The rehearsal copy: the synthesized stack with only the emulator's provider settings, the mirror's
provider version and local state — nothing else changed."""

from __future__ import annotations

import json

import pytest

from rehearsal.copy import (
    EMULATOR_PROVIDER_SETTINGS,
    MIRROR_PROVIDER_VERSION,
    NotAStack,
    differences,
    rehearsal_copy,
    write_rehearsal_copy,
)
from tests.conftest import synthesized

URL = "http://127.0.0.1:45999"


@pytest.fixture
def document(env) -> dict:
    return json.loads(synthesized(env).text)  # with the "//" metadata, exactly as cdktf writes it


def test_only_provider_endpoints_version_and_backend_differ(document):
    copy = rehearsal_copy(document, URL)
    changed = differences(document, copy)
    allowed = {"terraform.backend.s3", "terraform.backend.local", "terraform.required_providers.aws.source",
               "terraform.required_providers.aws.version"}
    allowed |= {f"provider.aws[{i}].{k}" for i in range(len(document["provider"]["aws"]))
                for k in (*EMULATOR_PROVIDER_SETTINGS, "endpoints")}  # every provider, a second region's too
    assert changed and set(changed) <= allowed, set(changed) - allowed
    # every resource, data source, ephemeral resource and output is untouched
    for block in ("resource", "data", "ephemeral", "output"):
        assert copy.get(block) == document.get(block)
    # and what the stack sets on its provider (region, default tags) is kept
    assert {k: copy["provider"]["aws"][0][k] for k in document["provider"]["aws"][0]} == document["provider"]["aws"][0]


def test_state_is_local_and_the_provider_is_the_mirrors(document):
    copy = rehearsal_copy(document, URL)
    assert copy["terraform"]["backend"] == {"local": {"path": "terraform.tfstate"}}
    assert copy["terraform"]["required_providers"]["aws"] == {"source": "hashicorp/aws", "version": MIRROR_PROVIDER_VERSION}
    assert document["terraform"]["backend"]["s3"]["key"].endswith("/terraform.tfstate")  # the original is not mutated


def test_every_service_the_stack_uses_goes_to_the_emulator(document):
    (endpoints,) = rehearsal_copy(document, URL)["provider"]["aws"][0]["endpoints"]
    assert set(endpoints.values()) == {URL}
    prefixes = {t.split("_")[1] for t in document["resource"]}
    # resource prefix -> endpoint key, where they differ
    rename = {"lb": "elbv2", "cloudwatch": "logs", "default": "ec2", "eip": "ec2", "internet": "ec2", "nat": "ec2",
              "route": "ec2", "security": "ec2", "subnet": "ec2", "vpc": "ec2", "flow": "ec2", "db": "rds",
              "appautoscaling": "appautoscaling", "secretsmanager": "secretsmanager"}
    missing = {p for p in prefixes if rename.get(p, p) not in endpoints}
    assert not missing


def test_a_stack_that_sets_endpoints_itself_is_refused():
    document = json.loads(synthesized("dev").text)
    document["provider"]["aws"][0]["endpoints"] = [{"s3": "https://example.com"}]
    with pytest.raises(NotAStack, match="endpoints"):
        rehearsal_copy(document, URL)


def test_a_document_without_an_aws_provider_is_refused():
    with pytest.raises(NotAStack, match="provider.aws"):
        rehearsal_copy({"terraform": {}, "resource": {}}, URL)


def test_the_copy_is_written_as_main_tf_json(tmp_path):
    source = tmp_path / "cdk.tf.json"
    source.write_text(synthesized("dev").text)
    target = write_rehearsal_copy(source, tmp_path / "work", URL)
    assert target == tmp_path / "work" / "main.tf.json"
    assert json.loads(target.read_text())["terraform"]["backend"] == {"local": {"path": "terraform.tfstate"}}
    assert source.read_text() == synthesized("dev").text


def test_the_stack_assets_come_along(tmp_path):
    # Lambda packages are read by relative path ("assets/<id>/<hash>/<name>.zip"): without them every
    # function failed to apply ("reading ZIP file ... no such file or directory").
    stack = tmp_path / "out" / "stacks" / "s"
    (stack / "assets" / "fn" / "HASH").mkdir(parents=True)
    (stack / "assets" / "fn" / "HASH" / "fn.zip").write_bytes(b"PK")
    (stack / "cdk.tf.json").write_text(synthesized("dev").text)
    write_rehearsal_copy(stack / "cdk.tf.json", tmp_path / "work", URL)
    assert (tmp_path / "work" / "assets" / "fn" / "HASH" / "fn.zip").read_bytes() == b"PK"


def test_a_stack_without_assets_gets_none(tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "cdk.tf.json").write_text(synthesized("dev").text)
    write_rehearsal_copy(tmp_path / "s" / "cdk.tf.json", tmp_path / "work", URL)
    assert not (tmp_path / "work" / "assets").exists()
