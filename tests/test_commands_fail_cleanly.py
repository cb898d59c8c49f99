"""Every command under bad input, as a user meets it (a process of its own): exit 2, the one error line
on stderr, nothing on stdout, nothing written outside what the command owns and no partial output.

main.py's second line (``nothing written; <outdir> is unchanged``) is its documented confirmation; a
``make`` target adds make's own ``make: *** [...] Error 2`` after the command's line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from systems import SYSTEMS

ROOT = Path(__file__).resolve().parents[1]
SYSTEM_NAMES = ", ".join(s.name for s in SYSTEMS)


def run(*args: str, cwd: Path = ROOT, env: dict | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "CHECKPOINT_DISABLE": "1", "PYTHONDONTWRITEBYTECODE": "1", **(env or {})})


def listing(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*")) if path.exists() else []


def assert_clean_failure(done: subprocess.CompletedProcess, lines: list[str]) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.splitlines() == lines
    assert "Traceback" not in done.stderr


# -- main.py --------------------------------------------------------------------------------------------


EXAMPLE = next(f"{s.name}:{s.environments[-1]}" for s in SYSTEMS if not s.primary)
"""The example the message gives: the first system besides the primary one, with its own environment."""


def test_main_with_an_unknown_system_in_system_env(tmp_path):
    done = run("main.py", "conduit:dev", "shop:dev", "--outdir", str(tmp_path / "out"))
    assert_clean_failure(done, [
        f"error: [?:dev] stack = 'shop:dev': unknown system 'shop'; systems: {SYSTEM_NAMES} — fix: name a system "
        f"listed by --list (system:env, e.g. {EXAMPLE}); a new system is added under systems/<system>/ "
        "(README: Adding a system)",
        "nothing written; " + str(tmp_path / "out") + " is unchanged",
    ])
    assert listing(tmp_path) == []


def test_main_with_an_unknown_environment_of_a_known_system(tmp_path):
    done = run("main.py", "conduit:staging", "--outdir", str(tmp_path / "out"))
    assert_clean_failure(done, [
        "error: [conduit:staging] environment = 'staging': unknown environment of conduit; known: dev, prod — fix: "
        "use one of those, or add environments/conduit/staging.py and list it in systems/conduit/__init__.py",
        "nothing written; " + str(tmp_path / "out") + " is unchanged",
    ])
    assert listing(tmp_path) == []


def test_main_builds_a_stack_named_twice_once_and_says_so(tmp_path):
    # GIVEN a selection that names conduit-dev three ways
    done = run("main.py", "conduit:dev", "conduit-dev", "conduit", "--outdir", str(tmp_path / "out"))
    # THEN it is synthesized once (with conduit-prod, from 'conduit'), with a note per repeat on stderr
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "out" / "stacks").iterdir()) == ["conduit-dev", "conduit-prod"]
    assert [line for line in done.stderr.splitlines() if " names " in line] == [
        "note: 'conduit-dev' names conduit:dev again (already named by 'conduit:dev'); each stack is built once",
        "note: 'conduit' names conduit:dev again (already named by 'conduit:dev'); each stack is built once",
    ]
    assert "error" not in done.stderr and "Synthesized 2 stack(s)" in done.stdout


def test_main_list_with_repeats_lists_each_stack_once():
    done = run("main.py", "--list", "--json", "dev", "codemate:dev", "dev")
    assert done.returncode == 0
    assert [row["stack"] for row in __import__("json").loads(done.stdout)] == ["dev"]
    assert len(done.stderr.splitlines()) == 2 and all(line.startswith("note: ") for line in done.stderr.splitlines())


def test_main_usage_error_is_one_line(tmp_path):
    done = run("main.py", "--outdir", str(tmp_path / "out"), "--lst")
    assert_clean_failure(done, ["error: main.py: unrecognized arguments: --lst — fix: see main.py --help"])
    assert listing(tmp_path) == []


# -- python -m backend ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["bootstrap", "verify", "locks"])
def test_backend_with_an_unknown_system(command, tmp_path):
    done = run("-m", "backend", command, "--system", "unknown", cwd=ROOT, env={"HOME": str(tmp_path)})
    assert_clean_failure(done, [
        f"error: python -m backend {command}: argument --system: invalid choice: 'unknown' (choose from "
        + ", ".join(f"'{s.name}'" for s in SYSTEMS) + f") — fix: see python -m backend {command} --help"])
    assert listing(tmp_path) == []


def test_backend_without_a_command():
    done = run("-m", "backend")
    assert_clean_failure(done, ["error: python -m backend: the following arguments are required: command — fix: "
                                "see python -m backend --help"])


# -- python -m review -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def one_stack(tmp_path_factory, all_stacks_output) -> Path:
    """A synth output holding one stack (conduit-dev), copied from the run's shared synth."""
    out = tmp_path_factory.mktemp("review-out") / "out"
    (out / "stacks").mkdir(parents=True)
    shutil.copytree(all_stacks_output / "stacks" / "conduit-dev", out / "stacks" / "conduit-dev")
    return out


COMPARE_FIX = ("synthesize the base first (e.g. git worktree add ../base main && python main.py --outdir "
               "../base/cdktf.out in it), then pass that directory")


def test_review_cost_compare_at_a_missing_directory(one_stack, tmp_path):
    before = listing(one_stack)
    done = run("-m", "review", "cost", "--outdir", str(one_stack), "--compare", str(tmp_path / "base"))
    assert_clean_failure(done, [f"error: [review] --compare = '{tmp_path / 'base'}': the base output does not exist "
                                f"— fix: {COMPARE_FIX}"])
    assert listing(tmp_path) == [] and listing(one_stack) == before


def test_review_cost_compare_at_a_directory_that_is_no_synth_output(one_stack, tmp_path):
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "notes.txt").write_text("not a synth output")
    done = run("-m", "review", "cost", "--outdir", str(one_stack), "--compare", str(tmp_path / "base"), "--json")
    assert_clean_failure(done, [f"error: [review] --compare = '{tmp_path / 'base'}': the base output holds no "
                                f"synthesized stacks (no stacks/*/cdk.tf.json) — fix: {COMPARE_FIX}"])
    assert listing(tmp_path) == ["base", "base/notes.txt"]


def test_review_cost_compare_works_against_a_real_base(one_stack):
    done = run("-m", "review", "cost", "--outdir", str(one_stack), "--compare", str(one_stack), "--json")
    assert done.returncode == 0, done.stderr
    assert '"conduit-dev"' in done.stdout


def test_review_diagram_at_an_empty_outdir(tmp_path):
    (tmp_path / "out").mkdir()
    done = run("-m", "review", "diagram", "--outdir", str(tmp_path / "out"))
    assert_clean_failure(done, [f"error: [review] --outdir = '{tmp_path / 'out'}': no synthesized stacks (no "
                                f"stacks/*/cdk.tf.json) — fix: run `make synth` (or python main.py --outdir "
                                f"{tmp_path / 'out'}) first"])
    assert listing(tmp_path) == ["out"]


def test_review_diagram_into_a_file(one_stack, tmp_path):
    (tmp_path / "file").write_text("mine")
    done = run("-m", "review", "diagram", "--outdir", str(one_stack), "--into", str(tmp_path / "file"))
    assert_clean_failure(done, [f"error: [review] --into = '{tmp_path / 'file'}': a file, not a directory — fix: "
                                "name a directory for the diagrams (default: <outdir>/diagrams)"])
    assert (tmp_path / "file").read_text() == "mine"


def test_a_diagram_run_that_fails_midway_leaves_nothing_behind(one_stack, tmp_path, monkeypatch, capsys):
    # GIVEN the renderer fails after the .dot sources were written
    from review import diagram

    def failing(jobs):
        assert jobs
        raise diagram.RenderError("error: the renderer failed: boom")

    monkeypatch.setattr(diagram, "draw", failing)
    monkeypatch.setattr(diagram, "renderer_problem", lambda: None)
    # WHEN the diagrams are drawn into a directory that does not exist yet
    status = diagram.run(one_stack, None, tmp_path / "diagrams", ("dot", "svg"))
    # THEN one line, exit 1, and no diagrams directory and no .dot file of this run
    assert status == 1 and capsys.readouterr().err == "error: the renderer failed: boom\n"
    assert listing(tmp_path) == []


def test_a_diagram_run_that_succeeds_moves_every_file_into_place(one_stack, tmp_path):
    from review import diagram

    assert diagram.run(one_stack, None, tmp_path / "d", ("dot",)) == 0
    assert listing(tmp_path) == ["d", "d/conduit-dev.dot"]


# -- python -m rehearsal and make rehearse ---------------------------------------------------------------------


def test_rehearsal_with_stacks_that_match_nothing_creates_no_workdir(one_stack, tmp_path):
    mirror = tmp_path / "mirror" / "registry.terraform.io" / "hashicorp" / "aws"
    mirror.mkdir(parents=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "terraform").write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "terraform").chmod(0o755)
    done = run("-m", "rehearsal", "--outdir", str(one_stack), "--stacks", "nothing-matches", "--mirror",
               str(tmp_path / "mirror"), "--workdir", str(tmp_path / "work"),
               env={"PATH": f"{bin_dir}:{os.environ['PATH']}"})
    assert_clean_failure(done, ["error: STACKS: 'nothing-matches' is not a synthesized stack — fix: choose among "
                                "conduit/dev"])
    assert not (tmp_path / "work").exists()


@pytest.fixture
def make_project(tmp_path) -> Path:
    """What `make rehearse` needs before its first check: the Makefile, the rehearsal command and its imports,
    the project's virtualenv (a link) — a copy, so that nothing can touch the real checkout."""
    copy = tmp_path / "project"
    copy.mkdir()
    for name in ("Makefile", "requirements-lock.txt"):
        shutil.copy2(ROOT / name, copy / name)
    for package in ("rehearsal", "tooling", "modules", "backend"):
        shutil.copytree(ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / ".venv").symlink_to(ROOT / ".venv")
    return copy


def make_rehearse(project: Path, path: str, *variables: str) -> subprocess.CompletedProcess:
    # -o: the venv's stamp counts as up to date (the copy's lock file is newer than the real stamp)
    return subprocess.run(["/usr/bin/make" if Path("/usr/bin/make").exists() else shutil.which("make"),
                           "--no-print-directory", "-o", ".venv/.installed", "rehearse", "APPLY=1", *variables],
                          cwd=project, capture_output=True, text=True, timeout=120,
                          env={**{k: v for k, v in os.environ.items()  # as from a shell, also under make test
                                  if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES")},
                               "PATH": path, "PYTHONDONTWRITEBYTECODE": "1"})


def make_error_line(project: Path) -> str:
    line = next(i for i, text in enumerate((project / "Makefile").read_text().splitlines(), 1)
                if text.startswith("rehearse-preflight:")) + 1
    return f"make: *** [Makefile:{line}: rehearse-preflight] Error 2"


@pytest.mark.skipif(shutil.which("make") is None, reason="no make on PATH")
def test_make_rehearse_without_terraform_stops_before_anything(make_project, tmp_path):
    # GIVEN a PATH with python3 and make but no terraform
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)
    before = listing(make_project)
    done = make_rehearse(make_project, str(bin_dir))
    # THEN exit 2, the rehearsal's one line and make's own, nothing synthesized, tested or written
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "error: terraform: not on PATH — fix: install Terraform >= 1.10 (https://developer.hashicorp.com/terraform/install)",
        make_error_line(make_project)]
    assert listing(make_project) == before


@pytest.mark.skipif(shutil.which("make") is None, reason="no make on PATH")
def test_make_rehearse_without_the_provider_mirror_stops_before_anything(make_project, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "terraform").write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "terraform").chmod(0o755)
    (bin_dir / "python3").symlink_to(sys.executable)
    before = listing(make_project)
    done = make_rehearse(make_project, f"{bin_dir}:/usr/bin:/bin", f"MIRROR={tmp_path / 'no-mirror'}")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        f"error: --mirror {tmp_path / 'no-mirror'}: no registry.terraform.io/hashicorp/aws in it — fix: point --mirror "
        "(or REHEARSAL_PROVIDER_MIRROR) at a filesystem mirror of the provider (terraform providers mirror DIR)",
        make_error_line(make_project)]
    assert listing(make_project) == before
