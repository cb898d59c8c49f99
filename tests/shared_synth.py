"""One ``main.py`` synth of every stack of every system per test run, shared by every worker.

The controller starts it in the background when pytest starts (``pytest_configure``); the first
test that needs it waits for it, and every other worker reads the same files. Whoever holds the
lock (the background process, or a worker that got there first) writes; the rest read. The output
lives in the run's shared directory (``CODEMATE_TESTS_SHARED``, removed at the end of the run).
Tests treat it as read-only: one that changes a stack copies it first.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _shared() -> Path:
    return Path(os.environ["CODEMATE_TESTS_SHARED"])


def _synthesize(shared: Path) -> dict:
    """Synthesize into ``shared/committed/cdktf.out`` unless done; the result (exit code, stderr)."""
    shared.mkdir(parents=True, exist_ok=True)
    result = shared / "committed.json"
    with open(shared / "committed.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not result.exists():
            done = subprocess.run([sys.executable, str(ROOT / "main.py"), "--outdir",
                                   str(shared / "committed" / "cdktf.out")], cwd=ROOT, capture_output=True, text=True,
                                  env={**os.environ, "CHECKPOINT_DISABLE": "1"}, timeout=600, check=False)
            result.write_text(json.dumps({"returncode": done.returncode, "stderr": done.stderr[-4000:]}))
    return json.loads(result.read_text())


def committed_output() -> Path:
    """``main.py``'s output (every stack, committed settings) of this run; synthesized on first use."""
    shared = _shared()
    result = _synthesize(shared)
    if result["returncode"] != 0:
        import pytest

        pytest.fail(f"python main.py failed (exit {result['returncode']}): {result['stderr']}", pytrace=False)
    return shared / "committed" / "cdktf.out"


_BACKGROUND: list[subprocess.Popen] = []


def start_in_background() -> None:
    """Start the synth now, in a process of its own, so it runs while the workers start."""
    _BACKGROUND.append(subprocess.Popen([sys.executable, "-m", "tests.shared_synth"], cwd=ROOT,
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, env=dict(os.environ)))


def stop_background() -> None:
    """End the background synth if a short run never needed it (before the shared directory goes)."""
    for process in _BACKGROUND:
        if process.poll() is None:
            process.terminate()
        process.wait()
    _BACKGROUND.clear()


if __name__ == "__main__":
    _synthesize(_shared())
