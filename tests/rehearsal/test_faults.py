"""Faults in the middle of a run, on the emulator, with the real Terraform and the real hashicorp/aws
provider and the backend the stacks use (S3 state locked through DynamoDB, bootstrapped by
``python -m backend bootstrap``): an apply killed halfway, a destroy killed halfway, AWS throttling
and 5xx answers. A handful of cheap resources (SSM parameters, log groups, one SQS queue), not a
system's stack: each scenario takes seconds, not minutes.

What a killed run leaves is what it leaves against AWS: the lock item in the lock table, and the
resources created since the state was last written (Terraform writes an S3 state at the end, and at
most every 20 s in between by default). The project's tooling names the exact steps (``python -m backend locks``:
``terraform force-unlock -force <ID>``; :func:`rehearsal.recovery.import_steps`: ``terraform import``),
and after them the next run converges with an empty re-plan.

Skipped only where terraform or the provider mirror is absent (the reason says which).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backend.locks import lock_id_in, unlock_step
from environments.conduit.project import PROJECT
from rehearsal import runner
from rehearsal.copy import EMULATOR_PROVIDER_SETTINGS, MIRROR_PROVIDER_VERSION
from rehearsal.emulator import Emulator, ProbeSession, reset
from rehearsal.faults import Fault, FaultPlan
from rehearsal.recovery import already_existing, import_steps

ROOT = Path(__file__).resolve().parents[2]
MIRROR = runner.DEFAULT_MIRROR
SYSTEM, KEY = "conduit", "dev/terraform.tfstate"  # a real system's backend and the state key of its dev stack

pytestmark = [
    pytest.mark.rehearsal,
    pytest.mark.skipif(shutil.which("terraform") is None,
                       reason="no terraform binary on PATH: the fault rehearsal runs the real Terraform CLI"),
    pytest.mark.skipif(not (MIRROR / "registry.terraform.io" / "hashicorp" / "aws").is_dir(),
                       reason=f"no hashicorp/aws filesystem mirror at {MIRROR} (set REHEARSAL_PROVIDER_MIRROR)"),
]

PARAMETERS = [f"p{i}" for i in range(6)]
LOG_GROUPS = [f"g{i}" for i in range(3)]


def configuration(url: str, *, queue: bool = False, max_retries: int | None = None) -> dict:
    """Cheap resources with the stacks' backend, pointed at the emulator. The provider keeps its own
    retry default (25) unless ``max_retries`` is given: the stacks do not set it."""
    provider = {"region": PROJECT.region, **EMULATOR_PROVIDER_SETTINGS,
                "endpoints": [{service: url for service in ("iam", "logs", "sqs", "ssm", "sts")}]}
    del provider["max_retries"]
    if max_retries is not None:
        provider["max_retries"] = max_retries
    resources: dict = {
        "aws_ssm_parameter": {name: {"name": f"/faults/{name}", "type": "String", "value": name} for name in PARAMETERS},
        "aws_cloudwatch_log_group": {name: {"name": f"/faults/{name}", "retention_in_days": 1} for name in LOG_GROUPS},
    }
    if queue:
        resources["aws_sqs_queue"] = {"q": {"name": "faults-q", "sqs_managed_sse_enabled": True}}
    return {
        "terraform": {
            "required_providers": {"aws": {"source": "hashicorp/aws", "version": MIRROR_PROVIDER_VERSION}},
            "backend": {"s3": {
                "bucket": PROJECT.state_bucket, "key": KEY, "region": PROJECT.region, "encrypt": True,
                "dynamodb_table": PROJECT.lock_table,
                # only what an emulator needs (tests/backend/test_e2e.py does the same)
                "endpoints": {"s3": url, "dynamodb": url}, "use_path_style": True,
                "skip_credentials_validation": True, "skip_requesting_account_id": True,
                "skip_metadata_api_check": True, "skip_region_validation": True, "skip_s3_checksum": True,
            }},
        },
        "provider": {"aws": [provider]},
        "resource": resources,
    }


class Scene:
    """One emulator with its faults, a bootstrapped backend, and a stack directory
    ``<out>/stacks/conduit-dev`` holding the configuration (so the tooling's steps name it)."""

    def __init__(self, tmp: Path, url: str, plan: FaultPlan) -> None:
        self.url, self.plan, self.out = url, plan, tmp / "out"
        self.dir = self.out / "stacks" / "conduit-dev"
        self.dir.mkdir(parents=True)
        self.env = runner.terraform_env(runner.cli_config(tmp, MIRROR.absolute()), tmp)
        boot = self.python("-m", "backend", "bootstrap", "--system", SYSTEM, "--endpoint-url", url)
        assert boot.returncode == 0, boot.stdout + boot.stderr

    def write(self, **options) -> dict:
        document = configuration(self.url, **options)
        (self.dir / "main.tf.json").write_text(json.dumps(document, indent=2))
        return document

    def terraform(self, *args: str, timeout: int = 600, flags: tuple[str, ...] = ("-input=false", "-no-color")
                  ) -> subprocess.CompletedProcess:
        return subprocess.run(["terraform", *args, *flags], cwd=self.dir, env=self.env,
                              capture_output=True, text=True, timeout=timeout)

    def python(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, *args], cwd=ROOT, env=self.env, capture_output=True, text=True,
                              timeout=300)

    def shell(self, command: str) -> subprocess.CompletedProcess:
        """A step exactly as the tooling printed it."""
        return subprocess.run(["sh", "-c", command], env=self.env, capture_output=True, text=True, timeout=300)

    def killed(self, command: str, after: int, action: str, of_type: str = "aws_ssm_parameter") -> list[dict]:
        """Run ``terraform <command> -json`` and SIGKILL it once ``after`` resources of ``of_type`` finished
        ``action``; then wait for a request it had in flight to be answered (AWS finishes what it was
        asked, whoever is still listening)."""
        process = subprocess.Popen(["terraform", command, "-auto-approve", "-input=false", "-no-color", "-json",
                                    "-parallelism=1"], cwd=self.dir, env=self.env, stdout=subprocess.PIPE, text=True)
        seen: list[dict] = []
        done = 0
        for line in process.stdout:
            message = json.loads(line)
            seen.append(message)
            hook = message.get("hook", {})
            if (message.get("type") == "apply_complete" and hook.get("action") == action
                    and hook.get("resource", {}).get("resource_type") == of_type):
                done += 1
                if done == after:
                    process.send_signal(signal.SIGKILL)
                    break
        process.wait(timeout=60)
        assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed"
        time.sleep(1.5)  # the slowed request in flight, if any, is answered
        return seen

    def locks(self) -> subprocess.CompletedProcess:
        return self.python("-m", "backend", "locks", "--system", SYSTEM, "--endpoint-url", self.url,
                           "--outdir", str(self.out))

    def release_the_lock_as_told(self) -> str:
        """The lock the killed run left: Terraform refuses the next run, ``python -m backend locks`` names
        it with the exact step, the step releases it."""
        refused = self.terraform("plan", "-lock-timeout=0s")
        assert refused.returncode == 1 and "Error acquiring the state lock" in refused.stderr
        lock_id = lock_id_in(refused.stderr)
        assert lock_id
        listed = self.locks()
        assert listed.returncode == 1, listed.stdout + listed.stderr
        step = unlock_step(lock_id, self.dir)
        lines = listed.stdout.splitlines()
        assert lines[0].startswith(f"locked   {PROJECT.state_bucket}/{KEY}: ") and f"lock {lock_id} in DynamoDB" in lines[0]
        assert lines[1] == f"         if that run is gone (killed, its runner lost): {step}"
        assert lines[2].startswith("1 state lock(s) held")
        unlocked = self.shell(step)
        assert unlocked.returncode == 0, unlocked.stdout + unlocked.stderr
        again = self.locks()
        assert (again.returncode, again.stdout.splitlines()) == (
            0, [f"no state lock held: table {PROJECT.lock_table}, bucket {PROJECT.state_bucket}"])
        return lock_id

    def replan_is_empty(self) -> None:
        replan = self.terraform("plan", "-detailed-exitcode")
        assert replan.returncode == 0, replan.stdout[-3000:] + replan.stderr[-3000:]

    def existing(self) -> tuple[list[str], list[str]]:
        session = ProbeSession(self.url)
        names = sorted(p["Name"] for p in session.client("ssm").describe_parameters(MaxResults=50)["Parameters"])
        groups = sorted(g["logGroupName"] for g in session.client("logs").describe_log_groups()["logGroups"])
        return names, groups


@pytest.fixture
def scene(request, tmp_path):
    plan = getattr(request, "param", None) or FaultPlan()
    with Emulator(wrap=plan) as url:
        reset(url)  # moto's backends live in this process: start from an empty account
        yield Scene(tmp_path, url, plan)


def _json(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


# -- an apply killed halfway -----------------------------------------------------------------------------


@pytest.mark.parametrize("scene", [FaultPlan(Fault("PutParameter", "slow", times=100, delay=1.0))], indirect=True)
def test_an_apply_killed_halfway_converges_after_the_steps_the_tooling_names(scene):
    # GIVEN an apply killed (SIGKILL) after 3 of its 6 parameters (each takes a second)
    document = scene.write()
    assert scene.terraform("init").returncode == 0
    scene.killed("apply", after=3, action="create")
    parameters, groups = scene.existing()
    assert 3 <= len(parameters) < len(PARAMETERS)
    created_before_the_kill = sorted(parameters + groups)
    # WHEN the next run meets the lock it left THEN the tooling names it and the exact step releases it
    scene.release_the_lock_as_told()
    # AND the re-run stops only at what the killed run created but never wrote to the state (the state is
    # written at most every 20 s: usually none of it, as here), each named with its exact import step
    listed = scene.terraform("state", "list", flags=())
    recorded = {document["resource"][a.split(".")[0]][a.split(".")[1]]["name"] for a in listed.stdout.split()}
    unrecorded = sorted(set(created_before_the_kill) - recorded)
    rerun = scene.terraform("apply", "-auto-approve", "-json")
    messages = _json(rerun.stdout)
    orphans = already_existing(messages)
    assert rerun.returncode == (1 if unrecorded else 0), rerun.stdout[-3000:]
    names = {a: document["resource"][a.split(".")[0]][a.split(".")[1]]["name"] for a in orphans}
    assert sorted(names.values()) == unrecorded
    steps = import_steps(messages, document, scene.dir)
    assert steps == [f"cd {scene.dir} && terraform import -input=false {a} {names[a]}" for a in orphans]
    for step in steps:
        imported = scene.shell(step)
        assert imported.returncode == 0, imported.stdout + imported.stderr
    # THEN the next apply converges and the re-plan is empty: every resource once, nothing more
    final = scene.terraform("apply", "-auto-approve")
    assert final.returncode == 0, final.stdout[-3000:] + final.stderr[-3000:]
    scene.replan_is_empty()
    assert scene.existing() == (sorted(f"/faults/{p}" for p in PARAMETERS), sorted(f"/faults/{g}" for g in LOG_GROUPS))


# -- a destroy killed halfway ------------------------------------------------------------------------------


@pytest.mark.parametrize("scene", [FaultPlan(Fault("DeleteParameter", "slow", times=100, delay=1.0))],
                         indirect=True)
def test_a_destroy_killed_halfway_finishes_on_the_next_run(scene):
    # GIVEN everything applied, then a destroy killed after 2 of its deletions
    scene.write()
    assert scene.terraform("init").returncode == 0
    applied = scene.terraform("apply", "-auto-approve")
    assert applied.returncode == 0, applied.stderr
    scene.killed("destroy", after=2, action="delete")
    assert 0 < len(scene.existing()[0]) < len(PARAMETERS)
    # WHEN its lock is released as the tooling says and destroy runs again
    scene.release_the_lock_as_told()
    destroyed = scene.terraform("destroy", "-auto-approve")
    # THEN it finishes: nothing in the state, nothing in the emulator
    assert destroyed.returncode == 0, destroyed.stdout[-3000:] + destroyed.stderr[-3000:]
    listed = scene.terraform("state", "list", flags=())
    assert (listed.returncode, listed.stdout) == (0, "")
    assert scene.existing() == ([], [])


# -- AWS throttling and 5xx answers for a while ---------------------------------------------------------------

BAD_DAY = (Fault("PutParameter", "throttle", times=3), Fault("GetParameter", "throttle", times=2),
           Fault("CreateLogGroup", "unavailable", times=2), Fault("CreateQueue", "throttle", times=2),
           Fault("GetQueueAttributes", "unavailable", times=1))


@pytest.mark.parametrize("scene", [FaultPlan(*BAD_DAY)], indirect=True)
def test_throttling_and_5xx_for_a_while_are_ridden_out_by_the_providers_retries(scene):
    # GIVEN an emulator that throttles or fails the first calls of five operations
    scene.write(queue=True)
    assert scene.terraform("init").returncode == 0
    # WHEN the stack is applied with the provider's own retries (the stacks keep its default)
    applied = scene.terraform("apply", "-auto-approve", "-json")
    # THEN no failed apply: every resource created, every fault really injected, the re-plan empty
    messages = _json(applied.stdout)
    assert applied.returncode == 0, applied.stdout[-3000:] + applied.stderr[-3000:]
    created = sum(1 for m in messages if m.get("type") == "apply_complete" and m["hook"].get("action") == "create")
    assert created == len(PARAMETERS) + len(LOG_GROUPS) + 1
    assert dict(scene.plan.injected) == {(f.operation, f.kind): f.times for f in BAD_DAY}
    scene.replan_is_empty()


@pytest.mark.parametrize("scene", [FaultPlan(Fault("PutParameter", "throttle", times=100))], indirect=True)
def test_throttling_longer_than_the_retries_fails_the_apply_and_names_it(scene):
    # GIVEN throttling that does not stop, and a provider that retries once
    scene.write(max_retries=1)
    assert scene.terraform("init").returncode == 0
    # THEN the apply fails, naming the throttling (the injection is real; the retries are what save the day)
    applied = scene.terraform("apply", "-auto-approve", "-parallelism=1")
    assert applied.returncode == 1
    assert "ThrottlingException" in applied.stderr and "Rate exceeded" in applied.stderr
    assert scene.plan.injected[("PutParameter", "throttle")] >= 2
