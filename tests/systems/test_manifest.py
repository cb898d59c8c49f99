"""The stack manifest: names, state keys, selection and ``--list [--json]`` (no jsii)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import main
from modules.errors import ConfigError
from systems import SYSTEMS

ROOT = Path(__file__).resolve().parents[2]
# SPEC §5's naming rule, applied to the registry: the primary system's stacks are its environments,
# every other stack is <system>-<env>; each system's state bucket and lock table carry its name.
EXPECTED = [env if system.primary else f"{system.name}-{env}" for system in SYSTEMS for env in system.environments]
OTHER = next(system for system in SYSTEMS if not system.primary)  # any non-primary system, for the examples


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True)


def test_list_json_prints_every_stack_with_its_state_and_lock():
    result = run("--list", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["stack"] for r in rows] == EXPECTED
    assert len({system.name for system in SYSTEMS}) == len(SYSTEMS) >= 2
    expected_rows = [{"system": system.name, "environment": env, "stack": env if system.primary else f"{system.name}-{env}",
                      "state_bucket": f"{system.name}-terraform-state", "state_key": f"{env}/terraform.tfstate",
                      "lock_table": f"{system.name}-terraform-locks"}
                     for system in SYSTEMS for env in system.environments]
    assert rows == expected_rows
    assert next(r for r in rows if r["stack"] == "dev") == {"system": "codemate", "environment": "dev", "stack": "dev",
                       "state_bucket": "codemate-terraform-state", "state_key": "dev/terraform.tfstate",
                       "lock_table": "codemate-terraform-locks"}


def test_list_starts_no_jsii_and_writes_nothing(tmp_path):
    # GIVEN a fresh interpreter WHEN the manifest is listed THEN neither jsii nor the framework is imported
    code = ("import sys, main; main.main(['--list', '--json', '--outdir', %r]); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('jsii', 'cdktf', 'cdktn', 'constructs')))"
            % str(tmp_path / "out"))
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
    assert not (tmp_path / "out").exists()


def test_list_as_text_groups_systems_and_names_state():
    result = run("--list", OTHER.name)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 1 + len(OTHER.environments)
    last = OTHER.environments[-1]
    assert (f"{OTHER.name}-{last}" in lines[-1]
            and f"s3://{OTHER.name}-terraform-state/{last}/terraform.tfstate" in lines[-1])


def test_no_two_stacks_share_a_state_bucket_and_key():
    rows = main.manifest(main.parse_selection([]))
    assert len({(r["state_bucket"], r["state_key"]) for r in rows}) == len(rows)


def test_primary_stacks_keep_their_names_and_state_keys():
    rows = {r["stack"]: r for r in main.manifest(main.parse_selection(["codemate"]))}
    assert list(rows) == ["dev", "staging", "prod"]
    assert {r["state_key"] for r in rows.values()} == {"dev/terraform.tfstate", "staging/terraform.tfstate",
                                                       "prod/terraform.tfstate"}


_LAST = next(system for system in reversed(SYSTEMS) if not system.primary)


@pytest.mark.parametrize("tokens, stacks", [
    (["dev", "prod"], ["dev", "prod"]),
    ([OTHER.name], [f"{OTHER.name}-{env}" for env in OTHER.environments]),
    ([f"{OTHER.name}:{OTHER.environments[-1]}", f"{_LAST.name}-{_LAST.environments[0]}"],
     [f"{OTHER.name}-{OTHER.environments[-1]}", f"{_LAST.name}-{_LAST.environments[0]}"]),
    (["codemate:staging", "staging"], ["staging"]),
    ([], EXPECTED),
])
def test_selection_forms(tokens, stacks):
    assert [s.stack_name(e) for s, e in main.parse_selection(tokens)] == stacks


@pytest.mark.parametrize("token, phrase", [
    (f"{OTHER.name}:qa", f"unknown environment of {OTHER.name}; known: {', '.join(OTHER.environments)}"),
    ("qa", "unknown system or environment"),
    ("billing", "unknown system or environment"),
])
def test_unknown_system_or_environment_is_one_line_listing_the_known_ones(token, phrase, tmp_path):
    result = run(token, "--outdir", str(tmp_path / "out"))
    assert result.returncode == 2
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: [") and phrase in first and "— fix:" in first
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_every_system_has_the_same_shape():
    for system in SYSTEMS:
        package = ROOT / "systems" / system.package
        assert (package / "stack.py").is_file(), system.name
        assert (package / "README.md").is_file(), system.name
        assert (ROOT / "environments" / system.package / "project.py").is_file(), system.name
        for env in system.environments:
            assert (ROOT / system.environment_file(env)).is_file(), (system.name, env)


def test_a_construct_error_names_its_system(monkeypatch, tmp_path, capsys):
    import modules.patterns.load_balanced_service as pattern

    real = pattern.EcsService

    def failing(scope, id, **kwargs):
        from modules.stack import ProjectStack

        if ProjectStack.of(scope).project.name == "conduit":
            raise ConfigError("prod", "service.cpu", 1, "rejected by a construct", "fix it")
        return real(scope, id, **kwargs)

    # a system built on the load-balanced service pattern (Conduit's is the first): the error names it
    monkeypatch.setattr(pattern, "EcsService", failing)
    assert main.main(["conduit:prod", "--outdir", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.splitlines()[0] == (
        "error: [conduit:prod] service.cpu = 1: rejected by a construct — fix: fix it")
    assert not (tmp_path / "out").exists()
