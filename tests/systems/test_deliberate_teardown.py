"""Tearing a protected environment down deliberately: ``main.py --teardown`` synthesizes the committed
settings with every protection against a destroy switched off and nothing else changed; validation
accepts that only inside the deliberate teardown; the rehearsal's teardown step applies only protection
updates and leaves nothing (scripted Terraform here; on the emulator: ``make rehearse APPLY=1 TEARDOWN=1``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from environments import load
from modules.database.options import DatabaseOptions, TableOptions
from modules.errors import ConfigError
from modules.networking.options import LoadBalancerOptions
from modules.teardown import PROTECTION_ATTRIBUTES, teardown_settings
from modules.validation import deliberate_teardown
from rehearsal import runner
from rehearsal.copy import differences
from rehearsal.runner import StackRef, StackReport, Step
from systems import SYSTEMS

ROOT = Path(__file__).resolve().parents[2]
PROTECTED = [(s, env) for s in SYSTEMS for env in s.environments if env != "dev"]


def objects(settings, kind):
    """Every ``kind`` object in ``settings`` (nested, in tuples)."""
    import dataclasses

    found = [settings] if isinstance(settings, kind) else []
    if dataclasses.is_dataclass(settings):
        for f in dataclasses.fields(settings):
            found += objects(getattr(settings, f.name), kind)
    elif isinstance(settings, (tuple, list)):
        for item in settings:
            found += objects(item, kind)
    return found


@pytest.mark.parametrize("system, env", PROTECTED, ids=[s.stack_name(e) for s, e in PROTECTED])
def test_teardown_settings_switch_every_protection_off_and_keep_final_snapshots(system, env):
    settings = load(env, system)
    off = teardown_settings(settings)
    assert off.force_destroy is True and off.name == settings.name and off.project == settings.project
    for database, before in zip(objects(off, DatabaseOptions), objects(settings, DatabaseOptions)):
        assert database == replace(before, deletion_protection=False, allow_unprotected_prod=True)
    assert all(lb.deletion_protection is False for lb in objects(off, LoadBalancerOptions))
    assert all(t.deletion_protection is False and t.allow_unprotected_prod for t in objects(off, TableOptions))
    with deliberate_teardown():
        system.validate(off)


def test_production_refuses_the_teardown_settings_outside_a_deliberate_teardown():
    from systems import BY_NAME

    with pytest.raises(ConfigError) as caught:
        BY_NAME["conduit"].validate(teardown_settings(load("prod", "conduit")))
    assert caught.value.field == "force_destroy" and "main.py --teardown" in caught.value.fix
    BY_NAME["conduit"].validate(load("prod", "conduit"))  # and the committed settings are untouched


@pytest.fixture(scope="module")
def teardown_output(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("teardown") / "out"
    names = [f"{s.name}:{env}" for s, env in PROTECTED]
    done = subprocess.run([sys.executable, "main.py", "--teardown", *names, "--outdir", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, env={**os.environ, "CHECKPOINT_DISABLE": "1"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].startswith("TEARDOWN: these stacks have every protection against a destroy "
                                                   "switched off.")
    return out


@pytest.mark.parametrize("system, env", PROTECTED, ids=[s.stack_name(e) for s, e in PROTECTED])
def test_the_teardown_stack_differs_only_in_protections(teardown_output, all_stacks_output, system, env):
    stack = system.stack_name(env)
    committed = json.loads((all_stacks_output / "stacks" / stack / "cdk.tf.json").read_text())
    torn = json.loads((teardown_output / "stacks" / stack / "cdk.tf.json").read_text())
    changed = [path for path in differences(committed, torn) if not path.startswith("//")]
    assert changed, f"{stack}: the teardown switches nothing off"
    assert all(path.startswith("resource.") and path.rsplit(".", 1)[1] in PROTECTION_ATTRIBUTES for path in changed), changed
    assert torn["terraform"]["backend"] == committed["terraform"]["backend"]  # the same state


def test_teardown_needs_the_stacks_named_and_writes_nothing(tmp_path):
    done = subprocess.run([sys.executable, "main.py", "--teardown", "--outdir", str(tmp_path / "out")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == ["error: main.py: --teardown needs the stacks to tear down named, e.g. main.py "
                                        "--teardown conduit:prod — fix: see main.py --help"]
    assert not (tmp_path / "out").exists()


# -- the rehearsal's teardown step, on scripted Terraform -------------------------------------------------------


def _done(stdout: str = "", returncode: int = 0) -> subprocess.CompletedProcess:
    return subprocess.CompletedProcess(["terraform"], returncode, stdout, "")


@pytest.fixture
def scripted(monkeypatch, tmp_path):
    """Terraform answers by subcommand; ``main.py --teardown`` writes a stack; the emulator keeps a snapshot."""
    answers: dict = {"changes": [("aws_lb.alb", ["update"], {"enable_deletion_protection": True},
                                  {"enable_deletion_protection": False})], "state": [], "commands": []}
    workdir = tmp_path / "conduit-prod"
    workdir.mkdir()
    document = {"provider": {"aws": [{"region": "ap-northeast-2"}]},
                "terraform": {"required_providers": {"aws": {"source": "aws", "version": "5.1"}}}}
    (workdir / "main.tf.json").write_text(json.dumps(document))

    def run(args, cwd, env, timeout=0):
        answers["commands"].append(args)
        if args[0] == "show":
            return _done(json.dumps({"resource_changes": [
                {"address": a, "change": {"actions": act, "before": b, "after": af}}
                for a, act, b, af in answers["changes"]]})), 0.0
        if args[0] == "destroy":
            (Path(cwd) / "terraform.tfstate").write_text(json.dumps({"resources": answers["state"]}))
        return _done(), 0.0

    def synth(command, **kwargs):
        out = Path(command[command.index("--outdir") + 1]) / "stacks" / "conduit-prod"
        out.mkdir(parents=True)
        (out / "cdk.tf.json").write_text(json.dumps(document))
        return _done()

    monkeypatch.setattr(runner, "_run", run)
    monkeypatch.setattr(runner.subprocess, "run", synth)
    monkeypatch.setattr(runner, "final_snapshots", lambda endpoint: ["RDS snapshot conduit-db-final-prod"])
    return answers, tmp_path


def _teardown(tmp_path, protected=("aws_lb.alb",)) -> StackReport:
    report = StackReport("conduit-prod", "conduit/prod", ok=True, emulator="http://127.0.0.1:1",
                         destroy=Step(True, 1.0), destroy_protected=list(protected))
    return runner.teardown(report, StackRef("conduit-prod", "conduit", "prod", tmp_path), tmp_path, {})


def test_a_teardown_that_only_switches_protections_off_is_applied_then_destroyed(scripted):
    answers, tmp_path = scripted
    report = _teardown(tmp_path)
    assert report.ok and report.teardown.ok and report.teardown_destroy.ok
    assert report.teardown_changes == ["aws_lb.alb update enable_deletion_protection"]
    assert report.kept == ["RDS snapshot conduit-db-final-prod"]
    assert [c[0] for c in answers["commands"]] == ["plan", "show", "apply", "destroy"]
    assert "-target=aws_lb.alb" in answers["commands"][0]


def test_a_teardown_plan_that_changes_more_than_protections_is_not_applied(scripted):
    answers, tmp_path = scripted
    answers["changes"].append(("aws_db_instance.db", ["delete", "create"], {"engine": "mysql"}, {"engine": "pg"}))
    report = _teardown(tmp_path)
    assert not report.ok and not report.teardown.ok and report.teardown_destroy is None
    assert report.teardown.detail == "the teardown plan changes more than protections: aws_db_instance.db — not applied"
    assert [c[0] for c in answers["commands"]] == ["plan", "show"]


def test_a_teardown_that_leaves_something_in_the_state_fails(scripted):
    answers, tmp_path = scripted
    answers["state"] = [{"mode": "managed", "type": "aws_lb", "name": "alb"}]
    report = _teardown(tmp_path)
    assert not report.ok and report.teardown.ok and not report.teardown_destroy.ok
    assert report.teardown_destroy.detail == "left in the state after the teardown's destroy: aws_lb.alb"


def test_nothing_protected_means_no_teardown(scripted):
    answers, tmp_path = scripted
    report = _teardown(tmp_path, protected=())
    assert report.ok and report.teardown is None and answers["commands"] == []
