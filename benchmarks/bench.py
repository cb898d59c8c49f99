#!/usr/bin/env python3
"""Synth speed and memory, measured in fresh processes (`make bench`).

Prints, in one run (each figure the median wall time of --runs fresh processes, with the
CPU time and the peak resident memory of the whole process tree, Python + Node):

  * eager floor  — a new interpreter that loads cdktf and the AWS provider's jsii assembly
                   the default way (NODE_LAZY_INDEX=0: Node requires all ~2,200 namespaces;
                   BINDINGS_TYPE_CHECKS=1: the bindings as pip installed them;
                   ATTRIBUTE_TOKEN_CACHE=0: every id/arn read goes to Node;
                   JSII_ONE_PROCESS=0: jsii's relay Node process in front of its kernel;
                   JSII_STRUCT_VALUES=0: every struct field through its getter, unset ones as null)
  * lazy floor   — the same as the project runs it (modules/node_lazy.py, unchecked_bindings.py,
                   attribute_tokens.py, jsii_one_process.py, jsii_arguments.py)
  * codemate     — `python main.py dev staging prod`: Codemate's three environments, the
                   synth the goals are set for; also the default way, and with only jsii's relay
                   process back (JSII_ONE_PROCESS=0)
  * app          — `python main.py`: every stack of every system, as a user runs it
  * per stack    — `python main.py <stack>` for each stack the app wrote (read from its output,
                   so new environments or systems are measured without editing this file)
  * marginal     — one environment with N = 0, 10, 40 extra load-balanced services
                   (benchmarks/scale.py); the least-squares slope is the cost of one more service

and compares them with the goals of issue 20 (stricter than issue 12's 0.8 x / 300 MB / 40 ms):
every stack (`python main.py`) <= 0.8 x the eager floor measured in the same run, Codemate's three
environments <= 0.6 x, the largest peak of the project's own synths (app, Codemate, each stack)
<= 200 MiB, <= 25 ms per extra service. The figures are also written to
benchmarks/results.json (not committed), and a Markdown table for the README is printed.
Not a test: nothing here fails on a slow machine; the goals are compared and reported.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("results.json")

GOAL_APP_RATIO = 0.8  # python main.py (every stack) / eager floor
GOAL_RATIO = 0.6  # Codemate's three environments / eager floor
GOAL_PEAK_MB = 200  # MiB: the largest tree peak of the project's own synths
GOAL_MS_PER_SERVICE = 25
EXTRA_SERVICES = (0, 10, 40)
CODEMATE = ("dev", "staging", "prod")  # the synth the goals are set for

FLOOR = "import modules.framework; from modules.aws_provider import _stub_package; _stub_package()"
# The default way: Node loads every namespace, the bindings run their type checks, every
# attribute read is a round trip, jsii relays through a second Node process.
EAGER = {"NODE_LAZY_INDEX": "0", "BINDINGS_TYPE_CHECKS": "1", "ATTRIBUTE_TOKEN_CACHE": "0", "JSII_ONE_PROCESS": "0",
         "JSII_STRUCT_VALUES": "0"}


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


def measure(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """Wall time (s), CPU time of the process tree (s) and peak tree RSS (KiB) of one fresh process."""
    environment = {**os.environ, "CHECKPOINT_DISABLE": "1", **(env or {})}
    # Write .pyc files like a user's interpreter does, whatever this shell says.
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        peak = max(peak, _tree_rss_kib(process.pid))
        time.sleep(0.02)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    process.returncode = code
    if code != 0:
        raise RuntimeError(f"benchmark command failed ({code}): {' '.join(argv)}\n"
                           f"{process.stderr.read().decode()[-2000:]}")
    process.stderr.close()
    # ru_* of a reaped child include its own reaped descendants (jsii waits for Node).
    return elapsed, usage.ru_utime + usage.ru_stime, peak


def figure(runs: int, argv: list[str], env: dict[str, str] | None = None) -> dict:
    samples = [measure(argv, env) for _ in range(runs)]
    return {
        "seconds": round(statistics.median(s for s, _, _ in samples), 3),
        "cpu_seconds": round(statistics.median(c for _, c, _ in samples), 3),
        "peak_mb": round(max(m for _, _, m in samples) / 1024),
        "runs": runs,
    }


def slope(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of ``(x, y)`` points."""
    mean_x = statistics.fmean(x for x, _ in points)
    mean_y = statistics.fmean(y for _, y in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x, _ in points)


def line(label: str, result: dict, extra: str = "") -> str:
    return (f"{label:<34} {result['seconds']:6.2f} s  cpu {result['cpu_seconds']:5.2f} s  "
            f"peak {result['peak_mb']:5d} MiB  {extra}").rstrip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per figure (median; default 3)")
    parser.add_argument("--no-stacks", action="store_true", help="skip the per-stack figures")
    parser.add_argument("--no-marginal", action="store_true", help="skip the extra-services figures")
    args = parser.parse_args()

    python = sys.executable
    runs = args.runs
    load_before = os.getloadavg()
    results: dict = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "load_average_before": [round(x, 2) for x in load_before],
                    "python": platform.python_version()},
        "runs": runs,
    }
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out = Path(tmp) / "out"
        measure([python, "main.py", "--outdir", str(out)])  # warm the OS page cache and .pyc files
        stacks = sorted(p.name for p in (out / "stacks").iterdir() if (p / "cdk.tf.json").is_file())

        eager = figure(runs, [python, "-c", FLOOR], EAGER)
        lazy = figure(runs, [python, "-c", FLOOR])
        codemate_argv = [python, "main.py", *CODEMATE, "--outdir", str(Path(tmp) / "codemate")]
        codemate = figure(runs, codemate_argv)
        codemate_eager = figure(runs, codemate_argv, EAGER)
        codemate_relay = figure(runs, codemate_argv, {"JSII_ONE_PROCESS": "0"})  # only jsii's relay back
        app = figure(runs, [python, "main.py", "--outdir", str(out)])
        app_eager = figure(runs, [python, "main.py", "--outdir", str(out)], EAGER)
        ratio = codemate["seconds"] / eager["seconds"]
        app_ratio = app["seconds"] / eager["seconds"]
        cpu_ratio = codemate["cpu_seconds"] / eager["cpu_seconds"]
        results.update(eager_floor=eager, lazy_floor=lazy, codemate=codemate, codemate_eager=codemate_eager,
                       codemate_relay=codemate_relay,
                       app=app, app_eager=app_eager, app_stacks=stacks,
                       ratio_codemate_to_eager_floor=round(ratio, 3),
                       ratio_app_to_eager_floor=round(app_ratio, 3),
                       cpu_ratio_codemate_to_eager_floor=round(cpu_ratio, 3))

        print(line("eager floor (cdktf + provider)", eager))
        print(line("lazy floor (cdktf + provider)", lazy))
        print(line("codemate: main.py dev staging prod", codemate,
                   f"ratio {ratio:.2f} x eager floor (CPU {cpu_ratio:.2f})"))
        print(line("codemate the default way (EAGER)", codemate_eager))
        print(line("codemate with jsii's relay process", codemate_relay))
        print(line(f"app: main.py ({len(stacks)} stacks)", app, f"ratio {app_ratio:.2f} x eager floor"))
        print(line("app the default way (EAGER)", app_eager))

        if not args.no_stacks:
            results["stacks"] = {}
            for stack in stacks:
                try:
                    result = figure(runs, [python, "main.py", stack, "--outdir", str(Path(tmp) / "one")])
                except RuntimeError as error:  # main.py does not take this stack's name: say so, go on
                    print(f"stack {stack}: not measured ({str(error).splitlines()[0]})")
                    continue
                results["stacks"][stack] = result
                print(line(f"  stack {stack}", result))

        if not args.no_marginal:
            points, cpu_points = [], []
            results["extra_services"] = {}
            for count in EXTRA_SERVICES:
                result = figure(runs, [python, "-m", "benchmarks.scale", str(count), str(Path(tmp) / f"scale{count}")])
                results["extra_services"][str(count)] = result
                points.append((count, result["seconds"]))
                cpu_points.append((count, result["cpu_seconds"]))
                print(line(f"  dev + {count} services", result))
            per_service_ms = slope(points) * 1000
            cpu_per_service_ms = slope(cpu_points) * 1000
            results["ms_per_extra_service"] = round(per_service_ms, 1)
            results["cpu_ms_per_extra_service"] = round(cpu_per_service_ms, 1)
            print(f"marginal cost of one more service:  {per_service_ms:5.1f} ms wall, {cpu_per_service_ms:5.1f} ms CPU "
                  "(least-squares slopes)")

    peak = max(app["peak_mb"], codemate["peak_mb"], *(r["peak_mb"] for r in results.get("stacks", {}).values()))
    results["goals"] = {
        "app_ratio": {"goal": GOAL_APP_RATIO, "value": round(app_ratio, 3), "met": app_ratio <= GOAL_APP_RATIO},
        "ratio": {"goal": GOAL_RATIO, "value": round(ratio, 3), "met": ratio <= GOAL_RATIO},
        "peak_mb": {"goal": GOAL_PEAK_MB, "value": peak, "met": peak <= GOAL_PEAK_MB},
    }
    if "ms_per_extra_service" in results:
        value = results["ms_per_extra_service"]
        results["goals"]["ms_per_extra_service"] = {"goal": GOAL_MS_PER_SERVICE, "value": value,
                                                    "met": value <= GOAL_MS_PER_SERVICE}
    results["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")

    print()
    for name, goal in results["goals"].items():
        print(f"goal {name}: {goal['value']} vs {goal['goal']} — {'met' if goal['met'] else 'MISSED'}")
    print(f"(median of {runs} runs each; {os.cpu_count()} CPUs, load average {load_before[0]:.1f} before; "
          f"python {platform.python_version()}; largest peak {peak} MiB; written to {RESULTS.relative_to(ROOT)})")
    print()
    print(markdown(results))
    return 0


def markdown(results: dict) -> str:
    """The README table of ``results``."""
    rows = [
        ("eager floor: cdktf + provider loaded the default way", results["eager_floor"]),
        ("lazy floor: the same as the project loads them", results["lazy_floor"]),
        (f"`python main.py {' '.join(CODEMATE)}` (Codemate)", results["codemate"]),
        ("the same, the default way (all five switches off)", results["codemate_eager"]),
        ("the same with jsii's relay process (`JSII_ONE_PROCESS=0` only; nothing deferred then)", results["codemate_relay"]),
        (f"`python main.py` (all {len(results['app_stacks'])} stacks)", results["app"]),
        ("the same, the default way", results["app_eager"]),
    ]
    rows += [(f"`python main.py {name}`", r) for name, r in results.get("stacks", {}).items()]
    rows += [(f"dev + {n} extra services", r) for n, r in results.get("extra_services", {}).items()]
    text = ["| figure | wall | CPU | peak RSS |", "|---|---:|---:|---:|"]
    text += [f"| {label} | {r['seconds']:.2f} s | {r['cpu_seconds']:.2f} s | {r['peak_mb']} MiB |" for label, r in rows]
    text.append(f"| **every stack / eager floor** (goal ≤ {GOAL_APP_RATIO}) | **{results['ratio_app_to_eager_floor']:.2f}** | | |")
    text.append(f"| **Codemate / eager floor** (goal ≤ {GOAL_RATIO}) | **{results['ratio_codemate_to_eager_floor']:.2f}** "
                f"| {results['cpu_ratio_codemate_to_eager_floor']:.2f} | |")
    text.append(f"| **largest peak of the project's synths** (goal ≤ {GOAL_PEAK_MB} MiB) | | | "
                f"**{results['goals']['peak_mb']['value']} MiB** |")
    if "ms_per_extra_service" in results:
        text.append(f"| **one more load-balanced service** (goal ≤ {GOAL_MS_PER_SERVICE} ms) "
                    f"| **{results['ms_per_extra_service']:.0f} ms** | {results['cpu_ms_per_extra_service']:.0f} ms | |")
    return "\n".join(text)


if __name__ == "__main__":
    sys.exit(main())
