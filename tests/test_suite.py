"""How the suite itself behaves (tests/conftest.py): it leaves no temporary directories behind, and
its workers give Codemate's dev rehearsal cycle, the critical path, the CPU first.

cdktf's Testing.app() makes a ``cdktf.outdir.*`` directory in Node's temporary directory and never
removes it; before this, 10,434 of them had piled up in one machine's /tmp after a day of runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from modules.framework import test_app
from tests.conftest import BASE_NICE, CYCLE, NICE, SUITE_TMP

ROOT = Path(__file__).resolve().parents[1]


def test_testing_apps_write_under_the_suite_directory_and_pythons_tmp_is_unchanged(tmp_path):
    app = test_app()
    assert Path(app.outdir).parent == Path(SUITE_TMP) and Path(app.outdir).name.startswith("cdktf.outdir.")
    assert os.environ["TMPDIR"] == SUITE_TMP
    assert tempfile.gettempdir() != SUITE_TMP and not str(tmp_path).startswith(SUITE_TMP)


def test_a_run_of_the_suite_leaves_nothing_in_the_temporary_directory(tmp_path):
    # GIVEN an empty temporary directory for a run of the suite (pytest's own files go elsewhere)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env["TMPDIR"] = str(scratch)
    # WHEN a test that makes a testing app runs in it
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         "--basetemp", str(tmp_path / "basetemp"),
         "tests/test_suite.py::test_testing_apps_write_under_the_suite_directory_and_pythons_tmp_is_unchanged"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    # THEN nothing is left there: the app's cdktf.outdir.* went into the suite's directory, removed at the end
    assert sorted(p.name for p in scratch.iterdir()) == []


def test_a_worker_runs_the_files_other_than_the_cycle_at_a_lower_priority(request):
    if not hasattr(request.config, "workerinput"):
        pytest.skip("a serial run (-n 0): no worker runs the cycle beside this one, so nothing is lowered")
    # this test is not the cycle's, so its worker lowered itself before its first test of another file
    assert not request.node.nodeid.startswith(CYCLE) and os.nice(0) == min(BASE_NICE + NICE, 19)
