"""How the suite itself behaves (tests/conftest.py): it leaves no temporary directories behind, and
every worker reads the one synth of the run (tests/shared_synth.py).

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
from tests.conftest import SUITE_TMP

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
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "COV_")) and k != "CODEMATE_TESTS_SHARED"}
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


def test_every_worker_reads_the_same_synth_and_it_is_made_once(tmp_path):
    # GIVEN a run of three workers, each asking for the run's shared synth in a test of its own file
    tests = tmp_path / "tests_shared"
    tests.mkdir()
    for n in range(3):
        (tests / f"test_ask_{n}.py").write_text(
            "import os\nfrom tests.shared_synth import committed_output\n"
            "def test_ask():\n"
            "    out = committed_output()\n"
            "    assert (out / 'stacks' / 'dev' / 'cdk.tf.json').is_file()\n"
            "    with open(os.environ['RECORD'], 'a') as f:\n"
            "        f.write(str(out) + ' ' + str(os.stat(out / 'stacks' / 'dev' / 'cdk.tf.json').st_ino) + '\\n')\n")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "COV_")) and k != "CODEMATE_TESTS_SHARED"}
    env.update(RECORD=str(tmp_path / "record"), TMPDIR=str(tmp_path))
    # WHEN they run
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "3",
                           "-p", "tests.conftest", "--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml"),
                           str(tests)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    # THEN all three read the same files (one output, one inode): it was synthesized once
    records = (tmp_path / "record").read_text().split("\n")[:-1]
    assert len(records) == 3 and len(set(records)) == 1, records
