"""End to end: the real CLI bootstraps a local AWS emulator, then the real Terraform uses the backend
block synthesized for dev: state at ``dev/terraform.tfstate``, locking, and kept state versions.

One moto server (``ThreadedMotoServer``) serves the module; each scenario starts from an empty
emulator and a fresh bootstrap. Terraform needs no provider download: the only resource is the
built-in ``terraform_data``, whose ``local-exec`` provisioner holds the lock for a moment so that two
concurrent applies really overlap.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from environments import load
from environments.codemate.project import PROJECT
from tests.support import synth_settings

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("terraform") is None,
                       reason="no terraform binary on PATH: the end-to-end proof runs the real Terraform CLI"),
]

ROOT = Path(__file__).resolve().parents[2]
BUCKET, TABLE, REGION = PROJECT.state_bucket, PROJECT.lock_table, PROJECT.region
KEY = load("dev").state_key
LOCK_ERROR = "Error acquiring the state lock"
# How long the winner holds the lock: long enough that the other apply, started a moment later,
# still meets it when `make test` runs a worker per CPU plus one (3 s was seen to race under load).
HOLD_LOCK_SECONDS = 6


@pytest.fixture(scope="module")
def emulator():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def environment(tmp: Path) -> dict[str, str]:
    """Fake credentials only, no checkpoint calls, no prompts."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    cli_config = tmp / "terraformrc"
    cli_config.touch()
    env.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION,
        AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE=str(tmp / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp / "none"),
        CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1", TF_CLI_CONFIG_FILE=str(cli_config),
    )
    return env


def client(service: str, url: str):
    return boto3.client(service, region_name=REGION, endpoint_url=url, aws_access_key_id="testing",
                        aws_secret_access_key="testing", config=Config(s3={"addressing_style": "path"}))


def bootstrap_cli(url: str, tmp: Path, command: str = "bootstrap") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "backend", command, "--endpoint-url", url], cwd=ROOT,
                          env=environment(tmp), capture_output=True, text=True, timeout=120)


def reset(url: str) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=30).close()


# --------------------------------------------------------------------------- the CLI


def test_cli_bootstraps_the_emulator_then_finds_nothing_to_change(emulator, tmp_path):
    reset(emulator)
    first = bootstrap_cli(emulator, tmp_path)
    assert first.returncode == 0, first.stderr
    assert f"created      bucket {BUCKET}: in {REGION}" in first.stdout
    assert f"created      table {TABLE}: in {REGION}" in first.stdout
    assert f"skipped      bucket {BUCKET} TLS-only policy: not applied against the local emulator" in first.stdout

    second = bootstrap_cli(emulator, tmp_path)
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines()[-1] == "backend is as required; nothing changed"
    assert bootstrap_cli(emulator, tmp_path, "verify").returncode == 0


# --------------------------------------------------------------------------- Terraform against the backend


@dataclass(frozen=True)
class Scenario:
    id: str
    native_state_lock: bool
    drop_dynamodb: bool = False

    @property
    def dynamodb(self) -> bool:
        return not self.drop_dynamodb


SCENARIOS = [
    Scenario("dynamodb-lock", native_state_lock=False),
    Scenario("both-locks-during-migration", native_state_lock=True),
    Scenario("native-lock-file-only", native_state_lock=True, drop_dynamodb=True),
]


@dataclass
class Outcome:
    synthesized: dict
    backend: dict
    first_apply: subprocess.CompletedProcess
    racers: list[subprocess.CompletedProcess]
    dynamodb_lock_seen: bool
    lock_file_seen: bool
    s3: object
    dynamodb: object


def synthesized_backend(scenario: Scenario) -> dict:
    """The dev stack's ``terraform.backend.s3`` block exactly as synthesized."""
    settings = replace(load("dev"), native_state_lock=scenario.native_state_lock)
    block = dict(synth_settings(settings).doc["terraform"]["backend"]["s3"])
    if scenario.drop_dynamodb:  # the last migration step (docs/state-backend.md)
        del block["dynamodb_table"]
    return block


def pointed_at(block: dict, url: str) -> dict:
    """Only what an emulator needs added: its endpoints, path-style addressing, no AWS-only checks."""
    return {
        **block,
        "endpoints": {"s3": url, "dynamodb": url},
        "use_path_style": True,
        "skip_credentials_validation": True,
        "skip_requesting_account_id": True,
        "skip_metadata_api_check": True,
        "skip_region_validation": True,
        "skip_s3_checksum": True,
    }


def write_config(workdir: Path, backend: dict, value: str) -> None:
    config = {
        "terraform": {"backend": {"s3": backend}},
        "resource": {"terraform_data": {"probe": {
            "input": value,
            "triggers_replace": value,  # a new value replaces it, so its provisioner runs under the lock
            "provisioner": [{"local-exec": {"command": f"sleep {HOLD_LOCK_SECONDS}"}}],
        }}},
    }
    (workdir / "main.tf.json").write_text(json.dumps(config, indent=2))


def terraform(workdir: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["terraform", *args, "-input=false", "-no-color"], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=300)


def apply_args() -> list[str]:
    return ["apply", "-auto-approve", "-lock-timeout=0s"]


@pytest.fixture(scope="module", params=SCENARIOS, ids=[s.id for s in SCENARIOS])
def outcome(request, emulator, tmp_path_factory) -> Outcome:
    scenario: Scenario = request.param
    tmp = tmp_path_factory.mktemp(scenario.id)
    env = environment(tmp)
    reset(emulator)
    boot = bootstrap_cli(emulator, tmp)
    assert boot.returncode == 0, boot.stdout + boot.stderr
    s3, dynamodb = client("s3", emulator), client("dynamodb", emulator)

    synthesized = synthesized_backend(scenario)
    backend = pointed_at(synthesized, emulator)
    write_config(tmp, backend, "first")
    init = terraform(tmp, env, "init")
    assert init.returncode == 0, init.stdout + init.stderr
    first = terraform(tmp, env, *apply_args())
    assert first.returncode == 0, first.stdout + first.stderr

    # Two applies of a changed input at once: both must write the state.
    write_config(tmp, backend, "second")
    racers = [subprocess.Popen(["terraform", *apply_args(), "-input=false", "-no-color"], cwd=tmp, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    dynamodb_lock_seen = lock_file_seen = False
    deadline = time.monotonic() + 120
    while any(p.poll() is None for p in racers) and time.monotonic() < deadline:
        item = dynamodb.get_item(TableName=TABLE, Key={"LockID": {"S": f"{BUCKET}/{KEY}"}}).get("Item", {})
        dynamodb_lock_seen |= "Info" in item
        lock_file_seen |= "Contents" in s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{KEY}.tflock")
        time.sleep(0.2)
    results = [subprocess.CompletedProcess(p.args, p.wait(timeout=60), p.stdout.read(), "") for p in racers]
    for p in racers:
        p.stdout.close()
    return Outcome(synthesized, backend, first, results, dynamodb_lock_seen, lock_file_seen, s3, dynamodb)


def test_backend_block_is_the_synthesized_one_plus_emulator_settings_only(outcome):
    assert {k: v for k, v in outcome.backend.items() if k in outcome.synthesized} == outcome.synthesized
    assert set(outcome.backend) - set(outcome.synthesized) == {
        "endpoints", "use_path_style", "skip_credentials_validation", "skip_requesting_account_id",
        "skip_metadata_api_check", "skip_region_validation", "skip_s3_checksum",
    }
    assert outcome.synthesized["bucket"] == BUCKET and outcome.synthesized["key"] == KEY


def test_state_lands_at_the_environment_key(outcome):
    state = json.loads(outcome.s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read())
    (resource,) = state["resources"]
    assert resource["type"] == "terraform_data"
    assert resource["instances"][0]["attributes"]["input"]["value"] == "second"


def test_state_object_is_encrypted_at_rest(outcome):
    assert outcome.s3.head_object(Bucket=BUCKET, Key=KEY)["ServerSideEncryption"] == "AES256"


def test_dynamodb_digest_item_exists_when_dynamodb_locks(outcome):
    item = outcome.dynamodb.get_item(TableName=TABLE, Key={"LockID": {"S": f"{BUCKET}/{KEY}-md5"}}).get("Item")
    if "dynamodb_table" in outcome.backend:
        assert item is not None and item["Digest"]["S"]
    else:  # native lock file only: Terraform no longer touches the table
        assert item is None


def test_two_concurrent_applies_give_exactly_one_lock_error(outcome):
    errors = [r for r in outcome.racers if LOCK_ERROR in r.stdout]
    winners = [r for r in outcome.racers if r.returncode == 0]
    assert len(errors) == 1 and errors[0].returncode != 0
    assert sum(r.stdout.count(LOCK_ERROR) for r in outcome.racers) == 1
    assert len(winners) == 1 and LOCK_ERROR not in winners[0].stdout


def test_the_lock_error_comes_from_the_configured_lock(outcome):
    # Terraform takes the S3 lock file first when it is on, else the DynamoDB item.
    (loser,) = [r for r in outcome.racers if r.returncode != 0]
    expected = "PreconditionFailed" if outcome.backend.get("use_lockfile") else "ConditionalCheckFailed"
    assert expected in loser.stdout


def test_the_lock_is_held_through_the_configured_mechanism(outcome):
    assert outcome.dynamodb_lock_seen is ("dynamodb_table" in outcome.backend)
    assert outcome.lock_file_seen is bool(outcome.backend.get("use_lockfile"))


def test_locks_are_released_after_the_applies(outcome):
    item = outcome.dynamodb.get_item(TableName=TABLE, Key={"LockID": {"S": f"{BUCKET}/{KEY}"}}).get("Item")
    assert item is None
    assert "Contents" not in outcome.s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{KEY}.tflock")


def test_the_bucket_keeps_the_earlier_state_version(outcome):
    versions = [v for v in outcome.s3.list_object_versions(Bucket=BUCKET, Prefix=KEY)["Versions"] if v["Key"] == KEY]
    assert len(versions) >= 2
    earlier = [v for v in versions if not v["IsLatest"]]
    bodies = [outcome.s3.get_object(Bucket=BUCKET, Key=KEY, VersionId=v["VersionId"])["Body"].read() for v in earlier]
    assert any(b'"first"' in body for body in bodies)
    latest = outcome.s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read()
    assert b'"second"' in latest

