"""Shared fixtures: each environment is synthesized once per test session."""

from __future__ import annotations

import os
import shutil
import tempfile

# --- Temporary files of the processes the suite starts stay in the suite's own directory -------
# cdktf's Testing.app()/full_synth() make a `cdktf.outdir.*` directory in Node's os.tmpdir() and
# never remove it (10,434 of them had piled up in one machine's /tmp after a day of runs). Node
# reads TMPDIR when jsii starts its kernel, on the first import of the framework (tests.support,
# below), so TMPDIR is set first, to a directory this process creates and removes when it ends
# (pytest_unconfigure). Python's own temporary files, pytest's tmp_path included, stay where they
# were (the directory is fixed before TMPDIR changes).
tempfile.gettempdir()
SUITE_TMP = tempfile.mkdtemp(prefix="codemate-tests-")
os.environ["TMPDIR"] = SUITE_TMP
# What every process of one run shares (the controller's directory; xdist workers inherit the variable).
SHARED = os.environ.setdefault("CODEMATE_TESTS_SHARED", os.path.join(SUITE_TMP, "shared"))
os.makedirs(SHARED, exist_ok=True)

import pytest  # noqa: E402

from environments import ENVIRONMENT_NAMES  # noqa: E402
from tests.shared_synth import committed_output, start_in_background, stop_background  # noqa: E402
from tests.support import Synth  # noqa: E402

_CACHE: dict[str, Synth] = {}


def synthesized(env: str) -> Synth:
    """The synthesized stack of Codemate's ``env`` with its committed settings: read from the one
    ``main.py`` output of this run (tests/shared_synth.py), not synthesized again in this worker."""
    if env not in _CACHE:
        _CACHE[env] = Synth((committed_output() / "stacks" / env / "cdk.tf.json").read_text())
    return _CACHE[env]


@pytest.fixture(params=ENVIRONMENT_NAMES)
def env(request) -> str:
    """Parametrizes a test over every environment."""
    return request.param


@pytest.fixture
def stack(env: str) -> Synth:
    """The synthesized stack of the parametrized environment."""
    return synthesized(env)


@pytest.fixture
def dev() -> Synth:
    return synthesized("dev")


@pytest.fixture
def staging() -> Synth:
    return synthesized("staging")


@pytest.fixture
def prod() -> Synth:
    return synthesized("prod")


@pytest.fixture(scope="session")
def all_stacks_output():
    """``main.py``'s output for every stack of every system: synthesized once per run, shared by every
    worker (tests/shared_synth.py). Read it; a test that changes a stack works on a copy."""
    return committed_output()


# --- The suite never writes the repository's own output -------------------------------------
# A stray `App()` without `outdir` creates ./cdktf.out/stacks; the next `make synth` then refuses
# that directory (it holds files the tool did not write). Checked once, in the controlling process.
from pathlib import Path  # noqa: E402

_ROOT = Path(__file__).resolve().parents[1]


def _repository_output() -> list[tuple[str, int]]:
    """Every path (and its modification time) of ./cdktf.out and any ./.cdktf.out.* beside it."""
    found = []
    for top in sorted(_ROOT.glob("cdktf.out")) + sorted(_ROOT.glob(".cdktf.out.*")):
        for path in [top, *sorted(top.rglob("*"))]:
            found.append((str(path.relative_to(_ROOT)), path.lstat().st_mtime_ns))
    return found


def _is_controller(config) -> bool:
    return not hasattr(config, "workerinput")  # pytest-xdist workers carry workerinput


def pytest_configure(config):
    if _is_controller(config) and getattr(config.option, "numprocesses", None):
        start_in_background()  # the shared synth starts while pytest collects and the workers start


def pytest_sessionstart(session):
    if _is_controller(session.config):
        session.config._repository_output = _repository_output()


def pytest_unconfigure(config):
    stop_background()
    shutil.rmtree(SUITE_TMP, ignore_errors=True)  # this process made it (above); every worker has its own


def pytest_sessionfinish(session, exitstatus):
    before = getattr(session.config, "_repository_output", None)
    if before is None or not _is_controller(session.config):
        return
    after = _repository_output()
    if after != before:
        changed = sorted(set(before) ^ set(after))
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = ("a test changed the repository's own synth output (tests must write under tmp_path): "
                   + ", ".join(path for path, _ in changed[:10]))
        if reporter:
            reporter.ensure_newline()
            reporter.write_line(f"ERROR: {message}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# --- The longest files first ---------------------------------------------------------------------
# `make test` passes --no-loadscope-reorder, so xdist keeps this order: the files that take longest
# (`--durations`) first, then the files with the most tests (xdist's own default order), so no worker
# is left with a long file at the end. The rehearsal tier (`-m rehearsal`, run by `make rehearse`)
# starts with the validation of every stack.
FIRST = ("tests/rehearsal/test_terraform.py", "tests/rehearsal/test_delivery.py", "tests/backend/test_e2e.py",
         "tests/rehearsal/test_emulator.py", "tests/systems/test_add_a_system.py", "tests/modules/test_node_lazy.py",
         "tests/test_failures.py", "tests/backend/test_bootstrap.py", "tests/security/test_gate.py",
         "tests/review/test_delivery_affected.py", "tests/test_cdktf_cli.py", "tests/modules/cdn/test_cloudfront.py",
         "tests/test_suite.py", "tests/review/test_diagram.py", "tests/review/test_cost.py")


def pytest_collection_modifyitems(config, items):
    per_file: dict[str, int] = {}
    for item in items:
        per_file[item.nodeid.split("::")[0]] = per_file.get(item.nodeid.split("::")[0], 0) + 1

    def order(item):
        path = item.nodeid.split("::")[0]
        first = FIRST.index(path) if path in FIRST else len(FIRST)
        return (first, -per_file[path], path)

    items.sort(key=order)  # stable: within a file the tests keep their order
