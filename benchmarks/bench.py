#!/usr/bin/env python3
"""Synth speed and memory, measured in fresh processes (`make bench`).

Prints, in one run:
  * cold synth  — `python main.py` for dev, staging and prod in a new interpreter
  * jsii floor  — a new interpreter that loads cdktf and the AWS provider's jsii
                  assembly and nothing else: no app can synthesize faster
  * ratio       — cold synth / floor (goal: at most 1.5)
  * peak memory — the largest resident set of the whole process tree (Python + Node)
  * with --eager: the same app if the provider's eager __init__ were imported

Each figure is the median of --runs runs (default 3). Not a test: nothing here
fails on a slow machine; the goal is compared and reported.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_RATIO = 1.5

FLOOR = "import modules.framework; from modules.aws_provider import _stub_package; _stub_package()"
EAGER = "import importlib, modules.framework as f; importlib.import_module(f.PROVIDER_PACKAGE)"


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def measure(argv: list[str]) -> tuple[float, int]:
    """Wall time (s) and peak tree RSS (KiB) of one fresh process."""
    env = {**os.environ, "CHECKPOINT_DISABLE": "1"}
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss_kib(process.pid))
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        sys.exit(f"benchmark command failed ({process.returncode}): {' '.join(argv)}\n"
                 f"{process.stderr.read().decode()[-2000:]}")
    return elapsed, peak


def median_of(runs: int, argv: list[str]) -> tuple[float, int]:
    samples = [measure(argv) for _ in range(runs)]
    return statistics.median(t for t, _ in samples), max(m for _, m in samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--eager", action="store_true", help="also time the provider's eager import")
    args = parser.parse_args()

    python = sys.executable
    with tempfile.TemporaryDirectory() as out:
        measure([python, "main.py", "--outdir", out])  # warm the OS page cache and .pyc files
        synth_s, synth_kib = median_of(args.runs, [python, "main.py", "--outdir", out])
    floor_s, floor_kib = median_of(args.runs, [python, "-c", FLOOR])
    ratio = synth_s / floor_s

    print(f"cold synth (dev, staging, prod): {synth_s:6.2f} s   peak memory {synth_kib / 1024:6.0f} MiB")
    print(f"jsii floor (cdktf + provider):   {floor_s:6.2f} s   peak memory {floor_kib / 1024:6.0f} MiB")
    verdict = "meets" if ratio <= GOAL_RATIO else "MISSES"
    print(f"ratio synth / floor:             {ratio:6.2f}     {verdict} the goal of at most {GOAL_RATIO}")
    if args.eager:
        eager_s, eager_kib = median_of(1, [python, "-c", EAGER])
        print(f"eager provider import alone:     {eager_s:6.2f} s   peak memory {eager_kib / 1024:6.0f} MiB")
    print(f"(median of {args.runs} runs each, {os.cpu_count()} CPUs; python {sys.version.split()[0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
