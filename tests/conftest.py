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

import pytest  # noqa: E402

from environments import ENVIRONMENT_NAMES, load  # noqa: E402
from tests.support import Synth, synth_settings  # noqa: E402

_CACHE: dict[str, Synth] = {}


def synthesized(env: str) -> Synth:
    """The synthesized stack of ``env`` with its committed settings (cached)."""
    if env not in _CACHE:
        _CACHE[env] = synth_settings(load(env))
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
def all_stacks_output(tmp_path_factory):
    """``main.py``'s output for every stack of every system (synthesized once per session)."""
    import main

    outdir = tmp_path_factory.mktemp("all-stacks") / "cdktf.out"
    assert main.main(["--outdir", str(outdir)]) == 0
    return outdir


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


def pytest_sessionstart(session):
    if _is_controller(session.config):
        session.config._repository_output = _repository_output()


def pytest_unconfigure(config):
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


# --- The longest test first ---------------------------------------------------------------------
# Codemate's dev rehearsal cycle (~3.5 min, mostly the provider's own waits) starts first, so
# pytest-xdist gives it a worker at once and the other workers run everything else meanwhile.
# `make test` runs one worker more than there are CPUs (this one mostly waits) and passes
# --no-loadscope-reorder, so xdist keeps this order: the cycle, the other files that take longest
# (`--durations`), then the files with the most tests (xdist's own default order). The cycle's file
# holds three tests on one run: a worker with more than two pending tests is given no further
# file, so nothing waits behind the cycle.
FIRST = ("tests/rehearsal/test_cycle.py", "tests/rehearsal/test_terraform.py", "tests/security/test_gate.py",
         "tests/backend/test_e2e.py", "tests/rehearsal/test_emulator.py")


# The cycle is the suite's critical path, and its own CPU work (Terraform and the provider loading,
# planning, refreshing) slowed by about 60 s when the other workers kept both CPUs busy. So an xdist
# worker lowers its priority (and that of the processes it starts: checkov, terraform validate,
# main.py) before its first test of any other file: the cycle's worker never does while the cycle
# runs, and the others take whatever CPU the cycle leaves, which is most of it (it mostly waits).
CYCLE = FIRST[0]
NICE = 10
BASE_NICE = os.nice(0) if hasattr(os, "nice") else 0  # the priority the suite was started with
_lowered = False


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    global _lowered
    if (_lowered or not hasattr(item.config, "workerinput") or not hasattr(os, "nice")
            or item.nodeid.startswith(CYCLE + "::")):
        return
    _lowered = True
    os.nice(NICE)


def pytest_collection_modifyitems(config, items):
    per_file: dict[str, int] = {}
    for item in items:
        per_file[item.nodeid.split("::")[0]] = per_file.get(item.nodeid.split("::")[0], 0) + 1

    def order(item):
        path = item.nodeid.split("::")[0]
        first = FIRST.index(path) if path in FIRST else len(FIRST)
        return (first, -per_file[path], path)

    items.sort(key=order)  # stable: within a file the tests keep their order
