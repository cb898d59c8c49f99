"""The delivery and the verification, for real against the emulator (rehearsal tier: ``make rehearse``).

Conduit's dev is applied, then delivered as its workflow would (a new image, the next revision, the
service moved to it). A settings change applied afterwards (an environment variable: Terraform registers
a new revision no service runs, the service ignoring task_definition) reaches the service with the next
delivery, which starts from the latest revision; `tooling/verify.py` passes on the delivered stack and
fails when a contract variable is missing from the running revision or a service is gone.
Skipped only where terraform or the provider mirror is absent (the reason says which).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from rehearsal import runner
from tests.rehearsal.test_terraform import ROOT
from tests.rehearsal.test_terraform import pytestmark as _rehearsal_marks

pytestmark = _rehearsal_marks


def _terraform(args: list[str], cwd, env) -> subprocess.CompletedProcess:
    done, _ = runner._run(args, cwd, env)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done


@pytest.fixture(scope="module")
def applied(tmp_path_factory):
    """conduit-dev applied on an emulator of its own: (workdir, env, endpoint, document)."""
    from rehearsal.emulator import Emulator

    out = tmp_path_factory.mktemp("synth") / "cdktf.out"
    done = subprocess.run([sys.executable, "main.py", "--outdir", str(out), "conduit-dev"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    scratch = tmp_path_factory.mktemp("work")
    env = runner.terraform_env(runner.cli_config(scratch, runner.DEFAULT_MIRROR.absolute()), scratch)
    (ref,) = runner.select(runner.discover(out, runner.manifest(sys.executable)), ["conduit-dev"])
    with Emulator() as url:
        report = runner.validate_stack(ref, scratch, url, env)
        assert report.ok, report.diagnostics
        workdir = scratch / report.stack
        _terraform(["apply", "-input=false", "-no-color", "-auto-approve"], workdir, env)
        yield workdir, env, url, json.loads((workdir / "main.tf.json").read_text())


def _service(endpoint: str) -> tuple[dict, dict]:
    from tooling.deliver import _client

    ecs = _client("ecs", "ap-northeast-2", endpoint)
    service = ecs.describe_services(cluster="conduit-cluster-dev", services=["conduit-backend"])["services"][0]
    definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    return service, definition["containerDefinitions"][0]


def _verify(document: dict, endpoint: str) -> list:
    from tooling.deliver import _client
    from tooling.verify import checks

    return checks(document, system="conduit", environment="dev", emulator=True,
                  client=lambda service: _client(service, "ap-northeast-2", endpoint))


def test_a_settings_change_reaches_the_service_with_the_next_delivery(applied):
    from tooling.deliver import deliver_stack

    workdir, env, url, document = applied
    # GIVEN a delivery of image a1
    deliver_stack(document, system="conduit", environment="dev", tag="a1", endpoint_url=url)
    _, container = _service(url)
    assert container["image"].endswith(":a1")
    assert all(c.ok for c in _verify(document, url)), [c.line() for c in _verify(document, url) if not c.ok]
    # WHEN a setting changes (an environment variable of the task definition) and is applied
    changed = json.loads((workdir / "main.tf.json").read_text())
    (task,) = changed["resource"]["aws_ecs_task_definition"].values()
    containers = json.loads(task["container_definitions"])
    containers[0]["environment"].append({"name": "FEATURE_FLAG", "value": "on"})
    task["container_definitions"] = json.dumps(containers)
    (workdir / "main.tf.json").write_text(json.dumps(changed))
    _terraform(["apply", "-input=false", "-no-color", "-auto-approve"], workdir, env)
    # THEN the running service still runs the delivered revision (Terraform ignores task_definition) ...
    service, container = _service(url)
    assert container["image"].endswith(":a1") and "FEATURE_FLAG" not in {e["name"] for e in container["environment"]}
    # ... and the next delivery registers its revision from the latest one: the new setting and image b2
    deliver_stack(changed, system="conduit", environment="dev", tag="b2", endpoint_url=url)
    _, container = _service(url)
    assert container["image"].endswith(":b2")
    assert {"name": "FEATURE_FLAG", "value": "on"} in container["environment"]
    # and the re-plan after all this is empty: CI owns the image, Terraform the rest
    done, _ = runner._run(["plan", "-input=false", "-no-color", "-detailed-exitcode"], workdir, env)
    assert done.returncode == 0, done.stdout[-3000:]


def test_verify_fails_on_a_missing_contract_variable_and_on_a_missing_service(applied):
    from tooling.deliver import _client, latest_revision

    _, _, url, document = applied
    ecs = _client("ecs", "ap-northeast-2", url)
    # GIVEN a revision without PORT (a contract variable) running
    family = _service(url)[1] and ecs.describe_task_definition(
        taskDefinition=_service(url)[0]["taskDefinition"])["taskDefinition"]
    request = {k: family[k] for k in ("family", "taskRoleArn", "executionRoleArn", "networkMode", "containerDefinitions",
                                      "requiresCompatibilities", "cpu", "memory") if family.get(k)}
    request["containerDefinitions"][0]["environment"] = [
        e for e in request["containerDefinitions"][0]["environment"] if e["name"] != "PORT"]
    arn = ecs.register_task_definition(**request)["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster="conduit-cluster-dev", service="conduit-backend", taskDefinition=arn)
    assert latest_revision(ecs, family["family"]) == arn
    failed = [c.line() for c in _verify(document, url) if not c.ok]
    assert failed == ["FAIL service conduit-backend has the contract's variables: missing PORT"]
    # WHEN the service is gone THEN verify says so, and the command exits 1
    ecs.delete_service(cluster="conduit-cluster-dev", service="conduit-backend", force=True)
    failed = [c.line() for c in _verify(document, url) if not c.ok]
    assert "FAIL service conduit-backend: missing" in failed[0] or "FAIL service conduit-backend: INACTIVE" in failed[0]
