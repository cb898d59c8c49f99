"""Rehearse synthesized stacks with the real AWS provider against a local emulator.

    python -m rehearsal                          # init + validate every stack of the synth output
    python -m rehearsal --stacks dev --apply     # and plan, apply, re-plan (must be empty), destroy
    python -m rehearsal --json                   # the report for machines
    make rehearse [STACKS="dev staging"] [APPLY=1]

Exit 0 when every selected stack passed, 1 when one did not, 2 on bad input or a missing
prerequisite (one line naming it and the fix, nothing run).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rehearsal import runner
from rehearsal.runner import RehearsalError, StackReport
from tooling.failures import OneLineParser

EXIT_BAD_INPUT = 2


def parse(argv):
    parser = OneLineParser(prog="python -m rehearsal", description=__doc__.split("\n\n")[0])
    parser.add_argument("--outdir", type=Path, default=Path(os.environ.get("CDKTF_OUTDIR", "cdktf.out")),
                        help="the synth output to rehearse (default: $CDKTF_OUTDIR or cdktf.out)")
    parser.add_argument("--stacks", default=os.environ.get("STACKS", ""),
                        help="stacks to rehearse: directory, system/environment or environment names, "
                             "comma- or space-separated (default: $STACKS, else every stack)")
    parser.add_argument("--apply", action="store_true",
                        help="also plan, apply, re-plan (must be empty) and destroy each selected stack")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--mirror", type=Path, default=runner.DEFAULT_MIRROR,
                        help="filesystem mirror holding hashicorp/aws (default: $REHEARSAL_PROVIDER_MIRROR "
                             "or /opt/tf-plugins)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep the scratch directories here (default: a temporary directory, removed)")
    parser.add_argument("--jobs", type=int, default=2,
                        help="stacks rehearsed at once (default 2): validated in threads of this process; with "
                             "--apply, each stack's cycle runs in a process of its own with its own emulator")
    parser.add_argument("--parallelism", type=int, default=10, help="terraform -parallelism (default 10)")
    parser.add_argument("--retries", type=int, default=os.environ.get("RETRIES") or "0",
                        help="with --apply and more than one stack: a stack that did not pass is rehearsed again, up "
                             "to this many times, each in a fresh process, emulator and directory; every earlier "
                             "attempt's failure stays in the report and in the summary (default: $RETRIES or 0)")
    parser.add_argument("--teardown", action="store_true",
                        help="with --apply: after a destroy refused by the stack's own protection, tear it down the "
                             "documented way (main.py --teardown: protections off, applied to what remains, then "
                             "destroy); nothing may be left")
    parser.add_argument("--preflight", action="store_true",
                        help="only check the prerequisites (terraform on PATH, the provider mirror) and exit: "
                             "make rehearse runs it before it synthesizes or tests anything")
    return parser.parse_args(argv)


def check_prerequisites(args) -> None:
    if shutil.which("terraform") is None:
        raise RehearsalError("terraform: not on PATH — fix: install Terraform >= 1.10 "
                             "(https://developer.hashicorp.com/terraform/install)")
    provider = args.mirror / "registry.terraform.io" / "hashicorp" / "aws"
    if not provider.is_dir():
        raise RehearsalError(f"--mirror {args.mirror}: no registry.terraform.io/hashicorp/aws in it — fix: point "
                             "--mirror (or REHEARSAL_PROVIDER_MIRROR) at a filesystem mirror of the provider "
                             "(terraform providers mirror DIR)")
    if args.teardown and not args.apply:
        raise RehearsalError("--teardown: tears down what an apply built — fix: add --apply (APPLY=1)")
    if args.jobs < 1 or args.parallelism < 1:
        raise RehearsalError(f"--jobs {args.jobs} / --parallelism {args.parallelism}: must be at least 1 — fix: "
                             "pass a positive number")
    if not 0 <= args.retries <= 3:
        raise RehearsalError(f"--retries {args.retries}: must be 0 to 3 — fix: pass 0 (none), 1, 2 or 3")


def main(argv=None) -> int:
    args = parse(argv)
    try:
        check_prerequisites(args)
        if args.preflight:
            return 0
        names = runner.parse_names(args.stacks)
        stacks = runner.select(runner.discover(args.outdir, runner.manifest(sys.executable)), names)
    except RehearsalError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT

    scratch = args.workdir or Path(tempfile.mkdtemp(prefix="rehearsal-"))
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        if args.apply and args.jobs > 1 and len(stacks) > 1:
            reports = fan_out(args, stacks, scratch)
        else:
            reports = rehearse_here(args, stacks, scratch)
    finally:
        if args.workdir is None:
            shutil.rmtree(scratch, ignore_errors=True)

    passed = all(r.ok for r in reports)
    if args.json:
        print(json.dumps({"ok": passed, "stacks": [r.as_dict() for r in reports]}, indent=2, default=str))
    else:
        print("\n".join(summary_lines(reports, applied=args.apply)))
    return 0 if passed else 1


def summary_lines(reports: list[StackReport], *, applied: bool) -> list[str]:
    """The end of the text report: the stacks that did not pass, their lines repeated (a CI log is often
    read from its tail, and thirteen stacks' reports scroll the failure away), then the count, naming them."""
    failed = [r for r in reports if not r.ok]
    later = [r for r in reports if r.ok and r.earlier_attempts]
    lines = []
    if failed and len(reports) > 1:
        lines.append(f"--- the {len(failed)} stack(s) that did not pass, again ---")
        for r in failed:
            lines.append(validate_line(r))
            if applied:
                lines += cycle_lines(r)
    if later:
        lines.append(f"--- the {len(later)} stack(s) that passed only on a later attempt (flaky: read why) ---")
        lines += [f"{r.label:<20} {a}" for r in later for a in r.earlier_attempts]
    lines.append(f"rehearsal: {len(reports) - len(failed)} of {len(reports)} stack(s) passed"
                 + ("" if applied else " (validate only; --apply for the full cycle)")
                 + (f"; on a later attempt: {', '.join(r.label for r in later)}" if later else "")
                 + (f"; not passed: {', '.join(r.label for r in failed)}" if failed else ""))
    return lines


def rehearse_here(args, stacks, scratch: Path) -> list[StackReport]:
    """Validate the stacks (``--jobs`` at once) and, with ``--apply``, run their cycles one after the
    other, all against one emulator in this process (emptied between stacks)."""
    from rehearsal.emulator import Emulator, reset

    unsupported, known = runner.load_unsupported(), runner.load_known_diffs()
    env = runner.terraform_env(runner.cli_config(scratch, args.mirror.absolute()), scratch)
    with Emulator() as url:
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            reports = list(pool.map(lambda ref: runner.validate_stack(ref, scratch, url, env), stacks))
        if not args.json:
            for report in reports:
                print(validate_line(report), flush=True)
        if args.apply:
            for report in reports:
                reset(url)
                runner.apply_cycle(report, scratch, env, unsupported=unsupported, known=known,
                                   parallelism=args.parallelism, endpoint=url)
                if args.teardown:
                    ref = next(s for s in stacks if s.stack == report.stack)
                    runner.teardown(report, ref, scratch, env, parallelism=args.parallelism, endpoint=url)
                if not args.json:
                    print("\n".join(cycle_lines(report)), flush=True)
    return reports


def _report_text(stdout: str) -> str:
    """The JSON report of a stack's process: its output from the line ``{`` on. moto prints a line of its
    own to stdout for a service it has no backend for (``Unable to find appropriate backend for
    access-analyzer...``), before the report."""
    lines = stdout.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip("\n") == "{"), 0)
    return "".join(lines[start:])


def fan_out(args, stacks, scratch: Path) -> list[StackReport]:
    """Rehearse each stack (validate and cycle) in a process of its own, ``--jobs`` at a time.

    A cycle mostly waits on the provider's fixed delays, so cycles run side by side; each process has
    its own emulator (the compatibility layer patches moto in the process that runs it). They share
    the scratch directory, each stack in its own subdirectory. Reports come back as JSON; a process
    that ends without one is reported as that stack's failure.
    """
    def attempt(ref: runner.StackRef, workdir: Path) -> StackReport:
        command = [sys.executable, "-m", "rehearsal", "--outdir", str(args.outdir.absolute()),
                   "--stacks", ref.label, "--apply", "--json", "--workdir", str(workdir.absolute()),
                   "--mirror", str(args.mirror.absolute()), "--jobs", "1", "--parallelism", str(args.parallelism),
                   "--retries", "0", *(["--teardown"] if args.teardown else [])]
        started = time.monotonic()
        done = subprocess.run(command, cwd=runner.ROOT, capture_output=True, text=True)
        try:
            (data,) = json.loads(_report_text(done.stdout))["stacks"]
            return StackReport.from_dict(data)
        except (ValueError, KeyError, TypeError):
            detail = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1][:600]
            return StackReport(ref.stack, ref.label, seconds=round(time.monotonic() - started, 1),
                               init=runner.Step(False, 0.0, f"its rehearsal process exited {done.returncode} "
                                                             f"without a report: {detail}"))

    def one(ref: runner.StackRef) -> StackReport:
        if not args.json:
            print(f"{ref.label:<20} started: validate, then the cycle, in a process of its own", flush=True)
        earlier: list[str] = []
        for number in range(1, args.retries + 2):
            report = attempt(ref, scratch if number == 1 else scratch / f"attempt-{number}")
            validated = report.init is not None and report.init.ok and report.validate is not None
            if report.ok or number == args.retries + 1 or (validated and not report.applied):
                break  # a stack that does not validate fails the same way again: no second attempt
            earlier.append(f"attempt {number}: {failure_summary(report)}")
            if not args.json:
                print("\n".join([validate_line(report), *cycle_lines(report),
                                 f"{'':<20} attempt {number} of {args.retries + 1} did not pass: rehearsed again in a "
                                 "fresh process, emulator and directory"]), flush=True)
        report.earlier_attempts = earlier
        if not args.json:
            print("\n".join([validate_line(report), *cycle_lines(report)]), flush=True)
        return report

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        return list(pool.map(one, stacks))


def validate_line(r: StackReport) -> str:
    if not r.init or not r.init.ok:
        return f"{r.label:<20} init FAILED ({r.init.seconds if r.init else 0} s): {r.init.detail if r.init else ''}"
    state = "ok" if r.validate and r.validate.ok and not r.validate_warnings else "FAILED"
    line = (f"{r.label:<20} validate {state}: {r.validate_errors} error(s), {r.validate_warnings} warning(s)"
            f"   init {r.init.seconds} s, validate {r.validate.seconds if r.validate else 0} s")
    return "\n".join([line, *(f"{'':<20}   {d}" for d in r.diagnostics)])


def failure_summary(r: StackReport) -> str:
    """Why a stack did not pass, in one line (the first failing lines of its report)."""
    if not r.init or not r.init.ok:
        return f"init: {r.init.detail if r.init else 'no report'}"
    if not (r.validate and r.validate.ok) or r.validate_warnings:
        return f"validate: {r.validate_errors} error(s), {r.validate_warnings} warning(s)"
    marks = ("FAILED", "failed:", "NOT on the known", "stale reviewed")
    found = [line.strip() for line in cycle_lines(r)[1:] if any(mark in line for mark in marks)]
    return "; ".join(found[:3])[:600] or "its report has no failing line (see its lines above)"


def cycle_lines(r: StackReport) -> list[str]:
    pad = f"{'':<20}"
    if not r.applied:
        return [f"{r.label:<20} apply skipped: validate did not pass"]
    lines = [f"{r.label:<20} cycle {'ok' if r.ok else 'FAILED'} in {r.seconds} s"
             + (f" (attempt {len(r.earlier_attempts) + 1})" if r.earlier_attempts else "")]
    lines += [f"{pad} earlier {a}" for a in r.earlier_attempts]
    lines += [f"{pad} prerequisite: {p}" for p in r.prerequisites]
    if r.plan and not r.plan.ok:
        return lines + [f"{pad} plan FAILED ({r.plan.seconds} s): {r.plan.detail}"]
    lines.append(f"{pad} apply: {r.created} of {r.planned} created, {len(r.failed)} failed"
                 f"{f', {len(r.accepted_failures)} reviewed-unsupported' if r.accepted_failures else ''}"
                 f"   plan {r.plan.seconds} s, apply {r.apply.seconds} s")
    lines += [f"{pad}   failed: {f}" for f in r.failed]
    lines += [f"{pad}   recover: {step}" for step in r.recovery]
    lines += [f"{pad}   reviewed: {f}" for f in r.accepted_failures]
    lines += [f"{pad}   stale reviewed entry (the emulator created it): {t} — remove it from rehearsal/unsupported.toml"
              for t in r.stale_unsupported]
    if r.delivered or r.delivery_error:
        lines.append(f"{pad} delivery: {len(r.delivered)} step(s)" + (f" FAILED: {r.delivery_error}" if r.delivery_error else ""))
        lines += [f"{pad}   {d}" for d in r.delivered]
    if r.verified:
        lines.append(f"{pad} verify: {len(r.verified) - len(r.verify_failed)} of {len(r.verified)} checks passed")
        lines += [f"{pad}   {v}" for v in r.verify_failed]
    if r.replan and r.replan.ok:
        lines.append(f"{pad} re-plan: no changes   {r.replan.seconds} s")
    elif r.replan:
        lines.append(f"{pad} re-plan: {len(r.replan_changes)} change(s)   {r.replan.seconds} s{r.replan.detail}")
        for c in r.replan_changes:
            flag = "known emulator difference" if c.known_emulator else "NOT on the known-emulator list"
            lines.append(f"{pad}   {c.address} {'/'.join(c.actions)} {', '.join(c.attributes)} [{flag}]")
    if r.destroy:
        state = ("refused by the stack's own protection, as configured" if r.destroy_protected and r.destroy.ok
                 else "ok" if r.destroy.ok else "FAILED")
        lines.append(f"{pad} destroy: {state}   {r.destroy.seconds} s")
        lines += [f"{pad}   {e}" for e in r.destroy_errors]
        lines += [f"{pad}   protected: {e}" for e in r.destroy_protected]
        if r.destroy_protected:
            lines += [f"{pad}     {d}" for d in r.destroy.detail.splitlines()]
    if r.teardown:
        state = "ok" if r.teardown.ok else "FAILED"
        lines.append(f"{pad} teardown (main.py --teardown: protections off, applied to what remained): {state}   "
                     f"{r.teardown.seconds} s")
        lines += [f"{pad}   {c}" for c in r.teardown_changes]
        lines += [f"{pad}   {d}" for d in r.teardown.detail.splitlines()]
    if r.teardown_destroy:
        state = "ok, nothing left" if r.teardown_destroy.ok else "FAILED"
        lines.append(f"{pad} teardown destroy: {state}   {r.teardown_destroy.seconds} s")
        lines += [f"{pad}   {d}" for d in r.teardown_destroy.detail.splitlines()]
        lines += [f"{pad}   kept on purpose: {k}" for k in r.kept]
    return lines


if __name__ == "__main__":
    sys.exit(main())
