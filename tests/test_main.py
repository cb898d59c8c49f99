"""main.py: synthesizes the named environments atomically and reports bad input in one line."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import main
from systems import SYSTEMS

OTHER = next(system for system in SYSTEMS if not system.primary)
from environments import load
from modules.errors import ConfigError
from tooling.outdir import MARKER, MARKER_TEXT

ROOT = Path(__file__).resolve().parents[1]


def tree_digest(path: Path) -> dict[str, str]:
    return {
        str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*")) if p.is_file()
    }


@pytest.fixture
def previous_output(tmp_path: Path) -> Path:
    """An existing cdktf.out from an earlier synth, with a stack that no longer exists."""
    out = tmp_path / "cdktf.out"
    (out / "stacks" / "dev").mkdir(parents=True)
    (out / "stacks" / "dev" / "cdk.tf.json").write_text('{"previous": true}')
    (out / "stacks" / "retired").mkdir()
    (out / "stacks" / "retired" / "cdk.tf.json").write_text("{}")
    (out / "manifest.json").write_text('{"version": "previous"}')
    (out / MARKER).write_text(MARKER_TEXT)  # written by this tool: may be replaced
    return out


def leftovers(parent: Path) -> list[str]:
    """Temporary or backup directories of an interrupted synth."""
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(".cdktf.out"))


def test_synth_writes_every_environment_and_prints_the_summary(previous_output, capsys):
    assert main.main(["codemate", "--outdir", str(previous_output)]) == 0
    stacks = sorted(p.name for p in (previous_output / "stacks").iterdir())
    assert stacks == ["dev", "prod", "staging"]  # the retired stack is gone: output is replaced whole
    out = capsys.readouterr().out
    assert f"Synthesized 3 stack(s) into {previous_output.absolute()}/stacks:" in out
    assert out.splitlines()[1].startswith("codemate — ")
    for env in ("dev", "staging", "prod"):
        assert f"state s3://codemate-terraform-state/{env}/terraform.tfstate" in out
    assert f"Review a plan: cd {previous_output.absolute()}/stacks/<stack>" in out
    assert leftovers(previous_output.parent) == []


def test_only_the_named_environments_are_synthesized(tmp_path):
    assert main.main(["prod", "dev", "--outdir", str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in (tmp_path / "out" / "stacks").iterdir()) == ["dev", "prod"]


def test_unknown_environment_stops_listing_the_known_ones(previous_output, capsys):
    before = tree_digest(previous_output)
    assert main.main(["dev", "qa", "--outdir", str(previous_output)]) == main.EXIT_CONFIG_ERROR
    err = capsys.readouterr().err
    assert err.splitlines()[0] == (
        "error: [?:qa] stack = 'qa': unknown system or environment; known: dev, staging, prod (codemate); "
        f"systems {', '.join(system.name for system in SYSTEMS)} — fix: name a codemate environment, a system, "
        f"system:env (e.g. {OTHER.name}:{OTHER.environments[-1]}) or a stack listed by --list; a new environment "
        "is added as environments/<system>/<env>.py and listed in systems/<system>/__init__.py"
    )
    assert tree_digest(previous_output) == before


def test_bad_setting_in_one_environment_writes_nothing(previous_output, capsys):
    # GIVEN an earlier output and prod settings with overlapping subnets
    def loader(name):
        settings = load(name)
        if name == "prod":
            settings = replace(settings, network=replace(
                settings.network, database_subnet_cidrs=("10.0.21.0/24", "10.0.21.0/25")))
        return settings

    before = tree_digest(previous_output)
    # WHEN all environments are synthesized
    code = main.main(["--outdir", str(previous_output)], loader=loader)
    # THEN exit 2, one error line naming env/field/fix, and the earlier output exactly as it was
    err = capsys.readouterr().err.splitlines()
    assert code == 2
    assert err[0].startswith("error: [codemate:prod] network.database_subnet_cidrs[1] = '10.0.21.0/25': overlaps")
    assert tree_digest(previous_output) == before
    assert leftovers(previous_output.parent) == []


def test_failure_while_building_the_last_stack_leaves_the_output_intact(previous_output, monkeypatch, capsys):
    import systems.codemate.stack

    real = systems.codemate.stack.WebSecurityGroups

    def failing_for_prod(scope, id, **kwargs):
        from modules.stack import ProjectStack

        if ProjectStack.of(scope).environment == "prod":
            raise ConfigError("prod", "services", "x", "rejected by a construct", "fix it")
        return real(scope, id, **kwargs)

    monkeypatch.setattr(systems.codemate.stack, "WebSecurityGroups", failing_for_prod)
    before = tree_digest(previous_output)
    assert main.main(["--outdir", str(previous_output)]) == 2
    assert "error: [codemate:prod] services = 'x': rejected by a construct — fix: fix it" in capsys.readouterr().err
    assert tree_digest(previous_output) == before
    assert leftovers(previous_output.parent) == []


# -- as a user runs it: a separate process on an edited copy of the project -----------------

@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    ignore = shutil.ignore_patterns("__pycache__")
    copy.mkdir()
    shutil.copy(ROOT / "main.py", copy)
    for package in ("modules", "environments", "backend", "systems", "tooling", "review"):
        shutil.copytree(ROOT / package, copy / package, ignore=ignore)
    return copy


def run_main(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "main.py", *args], cwd=project, capture_output=True, text=True)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_user_edit_breaking_a_cidr_exits_nonzero_without_traceback_or_output(project_copy):
    edit(project_copy / "environments" / "codemate" / "staging.py", '"10.0.12.0/24"', '"10.0.11.0/24"')
    (project_copy / "cdktf.out").mkdir()
    (project_copy / "cdktf.out" / "manifest.json").write_text("previous")
    result = run_main(project_copy, "codemate")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: [codemate:staging] network.private_app_subnet_cidrs[1] = '10.0.11.0/24': duplicates "
        "network.private_app_subnet_cidrs[0] — fix: give each subnet its own range inside 10.0.0.0/16",
        "nothing written; cdktf.out is unchanged",
    ]
    assert "Traceback" not in result.stdout + result.stderr
    assert (project_copy / "cdktf.out" / "manifest.json").read_text() == "previous"
    assert sorted(p.name for p in project_copy.iterdir() if "cdktf" in p.name) == ["cdktf.out"]


def test_missing_required_value_names_the_setting(project_copy):
    edit(project_copy / "environments" / "codemate" / "dev.py", "    log_retention_days=7,\n", "")
    result = run_main(project_copy, "dev")
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        "error: [codemate:dev] CodemateSettings.log_retention_days = None: missing required value — "
        "fix: set it in environments/codemate/dev.py"
    )


def test_unknown_setting_is_reported_not_raised(project_copy):
    edit(project_copy / "environments" / "codemate" / "prod.py", "multi_az=True,", "multi_az=True, multiaz=True,")
    result = run_main(project_copy, "prod")
    assert result.returncode == 2
    assert result.stderr.startswith(
        "error: [codemate:prod] DatabaseOptions.multiaz = None: unknown setting — fix: remove it from "
        "environments/codemate/prod.py or check its spelling against modules/database/options.py")
    assert "Traceback" not in result.stderr


def test_unknown_environment_on_the_command_line(project_copy):
    result = run_main(project_copy, "qa")
    assert result.returncode == 2
    assert "known: dev, staging, prod" in result.stderr
    assert not (project_copy / "cdktf.out").exists()


def test_a_reader_that_leaves_early_ends_the_list_quietly_with_141():
    # GIVEN stdout is a pipe nobody reads any more (`main.py --list | head -1` after head exits)
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run([sys.executable, "main.py", "--list"], cwd=ROOT, stdout=write,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write)
    # THEN no "unexpected error" line, and the status a shell reports for SIGPIPE
    assert (done.returncode, done.stderr) == (141, "")
