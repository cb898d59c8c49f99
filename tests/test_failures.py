"""Every failure of main.py as a user meets it: one line (no traceback), its exit status, output untouched.

Each test runs main.py in its own process on an edited copy of the project
(tests/test_main.py's ``project_copy``) that already holds an earlier output.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_main import edit, project_copy, run_main, tree_digest  # noqa: F401 (fixture)
from tooling.outdir import MARKER, MARKER_TEXT


@pytest.fixture
def project(project_copy: Path) -> Path:  # noqa: F811
    """The copy, with an earlier output of the tool in cdktf.out."""
    out = project_copy / "cdktf.out"
    (out / "stacks" / "dev").mkdir(parents=True)
    (out / "stacks" / "dev" / "cdk.tf.json").write_text('{"previous": true}')
    (out / MARKER).write_text(MARKER_TEXT)
    return project_copy


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def assert_one_line_failure(project: Path, result: subprocess.CompletedProcess, code: int, first: str,
                            before: dict) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.splitlines()[0] == first
    assert tree_digest(project / "cdktf.out") == before
    assert sorted(p.name for p in project.iterdir() if "cdktf.out" in p.name) == ["cdktf.out"]


# -- errors in a settings file: file, line and Python's message, exit 2 ------------------------

@pytest.mark.parametrize("old, new, reported_at, message", [
    ("nat_mode=NatMode.SINGLE", "nat_mode=NatMod.SINGLE", "NatMod.SINGLE", "NameError: name 'NatMod' is not defined"),
    ("import CacheOptions, DatabaseOptions", "import CacheOption, DatabaseOptions", "import CacheOption,",
     "ImportError: cannot import name 'CacheOption' from 'modules.database.options' ({settings})"),
    ("SETTINGS = CodemateSettings(", 'SETTINGS = CodemateSettings("dev", ', "SETTINGS =",
     "TypeError: CodemateSettings.__init__() takes 1 positional argument but 2 positional arguments "
     "(and 12 keyword-only arguments) were given"),
], ids=["NameError", "ImportError", "positional-TypeError"])
def test_error_in_an_environment_file_names_file_line_and_message(project, old, new, reported_at, message):
    dev = project / "environments" / "codemate" / "dev.py"
    edit(dev, old, new)
    line = line_of(dev, reported_at)
    before = tree_digest(project / "cdktf.out")
    result = run_main(project, "dev")
    message = message.format(settings=project / "modules" / "database" / "options.py")
    assert_one_line_failure(project, result, 2, f"error: [codemate:dev] environments/codemate/dev.py:{line}: {message} — "
                            f"fix: correct line {line} of environments/codemate/dev.py", before)
    assert result.stderr.splitlines()[1:] == ["nothing written; cdktf.out is unchanged"]


def test_missing_comma_is_a_syntax_error_with_its_line(project):
    dev = project / "environments" / "codemate" / "dev.py"
    edit(dev, "multi_az=False,", "multi_az=False")
    line = line_of(dev, "multi_az=False")  # Python points at the line missing its comma
    before = tree_digest(project / "cdktf.out")
    result = run_main(project, "dev")
    assert_one_line_failure(
        project, result, 2, f"error: [codemate:dev] environments/codemate/dev.py:{line}: SyntaxError: invalid syntax. Perhaps you "
        f"forgot a comma? — fix: correct line {line} of environments/codemate/dev.py", before)


def test_error_in_the_project_file_names_it(project):
    path = project / "environments" / "codemate" / "project.py"
    edit(path, 'name="codemate",', "name=codemate,")
    line = line_of(path, "name=codemate,")
    before = tree_digest(project / "cdktf.out")
    result = run_main(project, "staging")
    assert_one_line_failure(project, result, 2, f"error: [codemate:staging] environments/codemate/project.py:{line}: NameError: "
                            f"name 'codemate' is not defined — fix: correct line {line} of environments/codemate/project.py",
                            before)


def test_error_in_the_settings_schema_is_one_line_too(project):
    # Codemate's schema is code beside its stack (systems/codemate/settings.py): the environment file
    # that imports it is named, with Python's message naming the schema's broken import
    path = project / "systems" / "codemate" / "settings.py"
    edit(path, "from modules.networking.options import LoadBalancerOptions, VpcOptions",
         "from modules.networking.options import LoadBalancerOptions, VpcOption")
    dev = project / "environments" / "codemate" / "dev.py"
    line = line_of(dev, "from systems.codemate.settings import")
    before = tree_digest(project / "cdktf.out")
    result = run_main(project)
    assert_one_line_failure(
        project, result, 2, f"error: [codemate:dev] environments/codemate/dev.py:{line}: ImportError: cannot import name "
        f"'VpcOption' from 'modules.networking.options' ({project / 'modules' / 'networking' / 'options.py'}) — "
        f"fix: correct line {line} of environments/codemate/dev.py", before)


def test_debug_flag_and_variable_show_the_traceback(project):
    edit(project / "environments" / "codemate" / "dev.py", "nat_mode=NatMode.SINGLE", "nat_mode=NatMod.SINGLE")
    flagged = run_main(project, "dev", "--debug")
    by_variable = subprocess.run([sys.executable, "main.py", "dev"], cwd=project, capture_output=True, text=True,
                                 env={**os.environ, "SYNTH_DEBUG": "1"})
    for result in (flagged, by_variable):
        assert result.returncode == 2
        assert result.stderr.startswith("Traceback (most recent call last):")
        assert "NameError: name 'NatMod' is not defined" in result.stderr
        assert "error: [codemate:dev] environments/codemate/dev.py:" in result.stderr


# -- a bug in the code: exit 1, one line saying where -------------------------------------

def test_unexpected_error_is_one_line_with_exit_1(project):
    path = project / "modules" / "compute" / "ecr.py"
    text = path.read_text()
    anchor = "    def __init__("
    body_start = text.index(":\n", text.index(anchor)) + 2
    # first statement of the constructor: raise (simulates a bug)
    indent = "        "
    path.write_text(text[:body_start] + f'{indent}raise RuntimeError("boom")\n' + text[body_start:])
    line = line_of(path, 'raise RuntimeError("boom")')
    before = tree_digest(project / "cdktf.out")
    result = run_main(project, "dev")
    assert_one_line_failure(
        project, result, 1, f"unexpected error at modules/compute/ecr.py:{line}: RuntimeError: boom — rerun with "
        "--debug (or SYNTH_DEBUG=1) for the traceback and report it", before)


def test_a_construct_argument_node_refuses_is_one_line_at_the_construct_with_exit_1(project):
    # Node refuses the value after Python has gone on (modules/jsii_deferred.py): the error surfaces at the
    # synth, yet it names the line that created the object, and nothing is written
    path = project / "modules" / "compute" / "ecr.py"
    edit(path, 'image_tag_mutability="IMMUTABLE",', "image_tag_mutability=10,")
    line = line_of(path, "self.repository = aws.ecr_repository.EcrRepository(")
    before = tree_digest(project / "cdktf.out")
    # the copy runs its own jsii runtime and preload (inherited, this checkout's would be a runtime of another)
    env = {k: v for k, v in os.environ.items() if k not in ("JSII_RUNTIME", "JSII_ONE_PROCESS_PROGRAM", "NODE_OPTIONS")}
    result = subprocess.run([sys.executable, "main.py", "dev"], cwd=project, capture_output=True, text=True, env=env)
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    first, *rest = result.stderr.splitlines()
    assert first.startswith(f"unexpected error at modules/compute/ecr.py:{line}: RuntimeError: Passed to parameter "
                            "config of new @cdktf/provider-aws.ecrRepository.EcrRepository: ")
    assert "Key 'imageTagMutability'" in first and f"that object was created at {path}:{line}" in first
    assert first.endswith("— rerun with --debug (or SYNTH_DEBUG=1) for the traceback and report it")
    assert rest == ["nothing written; cdktf.out is unchanged"]
    assert tree_digest(project / "cdktf.out") == before
    assert sorted(p.name for p in project.iterdir() if "cdktf.out" in p.name) == ["cdktf.out"]


def test_an_error_from_node_is_placed_at_the_projects_own_call_not_at_the_jsii_plumbing():
    from modules.framework import TerraformStack, Testing, aws, test_app
    from tooling.failures import _project_frame

    stack = TerraformStack(test_app(), "plumbing")
    aws.ssm_parameter.SsmParameter(stack, "parameter", name="/x", type="String", value="${TfToken[TOKEN.nowhere]}")
    with pytest.raises(RuntimeError) as raised:
        line = sys._getframe().f_lineno + 1
        Testing.synth(stack)  # every jsii call passes through modules/jsii_deferred.py: never the place
    assert _project_frame(raised.value) == (__file__, line)


# -- the output directory ------------------------------------------------------------------

def test_outdir_dot_refuses_to_touch_the_project(project):
    before = {p.name for p in project.iterdir()}
    result = run_main(project, "dev", "--outdir", ".")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: output directory '.': is the project root; the synth replaces its output directory as a whole — "
        "fix: pass a dedicated directory such as cdktf.out",
        "nothing written",
    ]
    assert {p.name for p in project.iterdir()} == before
    assert (project / "main.py").is_file()


def test_empty_cdktf_outdir_is_refused(project):
    before = tree_digest(project / "cdktf.out")
    result = subprocess.run([sys.executable, "main.py", "dev"], cwd=project, capture_output=True, text=True,
                            env={**os.environ, "CDKTF_OUTDIR": ""})
    assert_one_line_failure(project, result, 2, "error: output directory '': empty — fix: pass a directory name, "
                            "e.g. --outdir cdktf.out (an empty CDKTF_OUTDIR counts: unset it)", before)
    assert (project / "main.py").is_file()


def test_outdir_at_an_existing_file_keeps_the_file(project):
    (project / "notes.txt").write_text("mine")
    result = run_main(project, "dev", "--outdir", "notes.txt")
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        "error: output directory 'notes.txt': exists and is not a directory (a file would be replaced) — "
        "fix: pass another path, or move the file away")
    assert (project / "notes.txt").read_text() == "mine"


def test_outdir_at_a_directory_of_the_user_keeps_its_files(project):
    (project / "docs").mkdir()
    (project / "docs" / "plan.md").write_text("mine")
    result = run_main(project, "dev", "--outdir", "docs")
    assert result.returncode == 2
    assert "is a non-empty directory this tool did not write" in result.stderr.splitlines()[0]
    assert (project / "docs" / "plan.md").read_text() == "mine"


def test_outdir_under_a_file_names_path_and_reason(project):
    (project / "notes.txt").write_text("mine")
    result = run_main(project, "dev", "--outdir", "notes.txt/out")
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        f"error: output directory 'notes.txt/out': {project / 'notes.txt'} is a file, not a directory — "
        "fix: pass a path whose parents are directories")
    assert "Traceback" not in result.stderr


# -- interrupted and killed runs -----------------------------------------------------------

def start_and_wait_for_staging(project: Path) -> subprocess.Popen:
    # Ctrl-C at a terminal: SIGINT has its default action. A suite started as a background job of a
    # non-interactive shell inherits SIGINT ignored (POSIX), and main.py would never see it.
    process = subprocess.Popen([sys.executable, "main.py"], cwd=project, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not list(project.glob(".cdktf.out.new-*")):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no staging directory appeared"
        time.sleep(0.05)
    return process


def test_ctrl_c_prints_one_line_exits_130_and_leaves_the_output(project):
    before = tree_digest(project / "cdktf.out")
    process = start_and_wait_for_staging(project)
    time.sleep(0.5)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err == "interrupted; cdktf.out unchanged\n"
    assert tree_digest(project / "cdktf.out") == before
    assert sorted(p.name for p in project.iterdir() if "cdktf.out" in p.name) == ["cdktf.out"]


def test_next_run_removes_what_a_killed_run_left(project):
    process = start_and_wait_for_staging(project)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)
    left = sorted(p.name for p in project.glob(".cdktf.out.*"))
    assert any(name.startswith(".cdktf.out.new-") for name in left)
    result = run_main(project, "dev")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in project.iterdir() if "cdktf.out" in p.name) == ["cdktf.out"]
    assert sorted(p.name for p in (project / "cdktf.out" / "stacks").iterdir()) == ["dev"]


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="no sysfs here to stand for a file system that refuses writes")
def test_outdir_on_a_file_system_that_refuses_writes_names_path_and_reason(project):
    # sysfs refuses new files (read-only or permission denied, depending on the machine)
    result = run_main(project, "dev", "--outdir", "/sys/synth-out")
    assert result.returncode == 2
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: output directory '/sys/synth-out': cannot ") and " — fix: pass " in first
    assert "Traceback" not in result.stderr


def test_sigterm_removes_the_staging_directory_and_exits_143(project):
    before = tree_digest(project / "cdktf.out")
    process = start_and_wait_for_staging(project)
    time.sleep(0.5)
    process.send_signal(signal.SIGTERM)  # a CI timeout or `kill`
    out, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    assert err == "terminated; cdktf.out unchanged\n"
    assert tree_digest(project / "cdktf.out") == before
    assert sorted(p.name for p in project.iterdir() if "cdktf.out" in p.name) == ["cdktf.out"]


def test_environment_listed_without_its_file_is_bad_input(project):
    edit(project / "systems" / "codemate" / "__init__.py", 'environments=("dev", "staging", "prod")',
         'environments=("dev", "staging", "prod", "qa")')
    result = run_main(project, "qa")
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        "error: [codemate:qa] environment = 'qa': listed in systems/codemate/__init__.py but environments/codemate/qa.py "
        "does not exist — fix: create environments/codemate/qa.py (copy another environment's file) or remove "
        "'qa' from codemate's environments in systems/codemate/__init__.py")


def test_settings_file_importing_a_missing_module_names_its_line(project):
    dev = project / "environments" / "codemate" / "dev.py"
    edit(dev, '"""dev: smallest sizes', 'import yaml_settings  # noqa\n"""dev: smallest sizes')
    result = run_main(project, "dev")
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        "error: [codemate:dev] environments/codemate/dev.py:1: ModuleNotFoundError: No module named 'yaml_settings' — "
        "fix: correct line 1 of environments/codemate/dev.py")
