"""What the cycle (plan -> apply -> re-plan -> destroy) demands of every stack it rehearses, checked
on scripted Terraform answers (no Terraform, no emulator): every planned resource is created or named
as failed, and a destroy that nothing refused leaves nothing in the state. The cycles themselves run
in `make rehearse STACKS=dev APPLY=1` (every system's dev, `.ci/run`)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from rehearsal import runner
from rehearsal.runner import StackReport


def _done(stdout: str = "", returncode: int = 0) -> subprocess.CompletedProcess:
    return subprocess.CompletedProcess(["terraform"], returncode, stdout, "")


def _created(address: str) -> str:
    type_, name = address.split(".")
    return json.dumps({"type": "apply_complete", "hook": {"action": "create", "resource": {
        "addr": address, "resource_type": type_, "resource_name": name}}})


@pytest.fixture
def scripted(monkeypatch, tmp_path):
    """Terraform answers by subcommand; the destroy leaves ``state`` in terraform.tfstate."""
    answers: dict = {"planned": ["aws_sqs_queue.a", "aws_sqs_queue.b"], "created": ["aws_sqs_queue.a",
                                                                                   "aws_sqs_queue.b"],
                     "state": []}
    (tmp_path / "main.tf.json").write_text(json.dumps({"resource": {}}))

    def run(args, cwd, env, timeout=0):
        command = args[0]
        if command == "show":
            changes = [{"address": a, "type": a.split(".")[0], "mode": "managed", "change": {"actions": ["create"]}}
                       for a in answers["planned"]]
            return _done(json.dumps({"resource_changes": changes})), 0.0
        if command == "apply":
            return _done("\n".join(_created(a) for a in answers["created"])), 0.0
        if command == "destroy":
            (Path(cwd) / "terraform.tfstate").write_text(json.dumps({"resources": answers["state"]}))
            return _done(""), 0.0
        return _done(), 0.0  # plan, re-plan: no changes

    monkeypatch.setattr(runner, "_run", run)
    return answers, tmp_path


def _cycle(workdir: Path) -> tuple[bool, StackReport]:
    report = StackReport("s", "s")
    return runner._cycle(report, workdir, {}, [], [], 10), report


def test_a_complete_cycle_passes(scripted):
    answers, workdir = scripted
    answers["state"] = [{"mode": "data", "type": "aws_caller_identity", "name": "me"}]  # data sources stay
    ok, report = _cycle(workdir)
    assert ok and report.planned == report.created == 2 and report.destroy.ok


def test_a_planned_resource_neither_created_nor_failed_fails_the_cycle(scripted):
    answers, workdir = scripted
    answers["created"] = ["aws_sqs_queue.a"]
    ok, report = _cycle(workdir)
    assert not ok and report.failed == ["1 of 2 planned resource(s) were neither created nor reported failed"]


def test_a_destroy_that_leaves_a_resource_in_the_state_fails_the_cycle(scripted):
    answers, workdir = scripted
    answers["state"] = [{"mode": "managed", "type": "aws_sqs_queue", "name": "b"}]
    ok, report = _cycle(workdir)
    assert not ok and not report.destroy.ok
    assert report.destroy_errors == ["left in the state after destroy: aws_sqs_queue.b"]
