"""python -m review cost | diagram | refresh-prices (see review/__init__.py), and the delivery commands
the workflows run: affected | removed | plan-policy | plan-manifest | apply | drift | drift-report | stacks
(see review/delivery.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Sequence

from modules.errors import ConfigError
from tooling.failures import OneLineParser

EXIT_CONFIG_ERROR = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m review", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    default_outdir = os.environ.get("CDKTF_OUTDIR", "cdktf.out")

    cost = sub.add_parser("cost", help="monthly cost per stack (Markdown, or --json)")
    cost.add_argument("stacks", nargs="*", metavar="STACK", help="stacks to price (default: every one in the output)")
    cost.add_argument("--outdir", type=Path, default=Path(default_outdir), help="synth output (default: cdktf.out)")
    cost.add_argument("--json", action="store_true", help="print only JSON on stdout")
    cost.add_argument("--compare", type=Path, metavar="BASE_DIR",
                      help="another synth output (e.g. of the base branch): print the per-stack difference")
    cost.add_argument("--usage", type=Path, help="usage assumptions (default: review/usage.toml)")

    diagram = sub.add_parser("diagram", help="one architecture picture per stack (.dot, .svg, .png)")
    diagram.add_argument("stacks", nargs="*", metavar="STACK")
    diagram.add_argument("--outdir", type=Path, default=Path(default_outdir))
    diagram.add_argument("--into", type=Path, help="where to write (default: <outdir>/diagrams)")
    diagram.add_argument("--format", action="append", choices=("dot", "svg", "png"),
                         help="output formats (default: dot, svg and png)")

    refresh = sub.add_parser("refresh-prices", help="re-read the price table from the AWS price list (network)")
    refresh.add_argument("--region", default="ap-northeast-2")
    refresh.add_argument("--dry-run", action="store_true", help="print the changes, write nothing")

    _delivery_parsers(sub)

    args = parser.parse_args(argv)
    if args.command in DELIVERY_COMMANDS:
        return _delivery(args)
    try:
        if args.command == "cost":
            return _cost(args)
        if args.command == "diagram":
            from review.diagram import run
            return run(args.outdir, args.stacks or None, args.into, tuple(args.format or ("dot", "svg", "png")))
        from review.refresh import refresh_prices
        return refresh_prices(args.region, dry_run=args.dry_run)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_CONFIG_ERROR


DELIVERY_COMMANDS = ("affected", "removed", "plan-policy", "plan-manifest", "apply", "drift", "drift-report",
                     "stacks")


def _delivery_parsers(sub) -> None:
    """The delivery commands (review/delivery.py, docs/delivery.md)."""
    github = dict(metavar="FILE", help="append name=value lines here (the workflow's $GITHUB_OUTPUT)")
    summary = dict(metavar="FILE", help="append a Markdown report here (the workflow's $GITHUB_STEP_SUMMARY)")

    p = sub.add_parser("affected", help="the stacks whose Terraform differs between two synth outputs")
    p.add_argument("--base", required=True, metavar="DIR", help="the base branch's synth output")
    p.add_argument("--head", required=True, metavar="DIR", help="this change's synth output")
    p.add_argument("--json", action="store_true", help="print JSON (plan, removed, unchanged, reasons)")
    p.add_argument("--stages", metavar="ENV,...",
                   help="also write one output per environment, in this order (apply.yml: dev,staging,prod); a "
                        "stack of another environment is an error")
    p.add_argument("--allow-removed", metavar="STACK,...", help="removed stacks already destroyed (approved)")
    p.add_argument("--labels", metavar="LABEL,...", help="the pull request's labels: remove-stack:<stack> approves")
    p.add_argument("--all-without-base", action="store_true",
                   help="if --base does not exist (the base did not synthesize), plan every stack")
    p.add_argument("--github-output", **github)
    p.add_argument("--summary", **summary)

    p = sub.add_parser("removed", help="one line per removed stack of affected's removed output; exit 1 if any")
    p.add_argument("rows", metavar="ROWS_JSON")

    p = sub.add_parser("plan-policy", help="refuse replacing or deleting stateful resources (terraform show -json)")
    p.add_argument("--plan", required=True, metavar="PLAN_JSON", help="terraform show -json tfplan > PLAN_JSON")
    p.add_argument("--stack", required=True)
    p.add_argument("--environment", required=True)
    p.add_argument("--allow-replace", metavar="STACK:ADDRESS,...", default="",
                   help="approved replacements or deletions (also $ALLOW_REPLACE)")
    p.add_argument("--stage", default="apply", help="apply (default): refuse what is not approved; pr: report it")
    p.add_argument("--plan-text", metavar="FILE", help="the human plan, shown in the summary")
    p.add_argument("--json", action="store_true")
    p.add_argument("--summary", **summary)

    p = sub.add_parser("plan-manifest", help="record (write) or check (verify) the reviewed plan")
    p.add_argument("action", choices=("write", "verify"))
    p.add_argument("--stack-dir", required=True, metavar="DIR", help="the synthesized stack directory")
    p.add_argument("--stack", required=True)
    p.add_argument("--commit", required=True, metavar="SHA")
    p.add_argument("--plan", required=True, metavar="TFPLAN", help="the saved plan file")
    p.add_argument("--plan-json", metavar="PLAN_JSON", help="write: terraform show -json of --plan")
    p.add_argument("--out", metavar="FILE", help="write: where the manifest goes")
    p.add_argument("--encrypt", action="store_true",
                   help="write: also store the plan encrypted as tfplan.enc beside --out ($PLAN_ARTIFACT_KEY)")
    p.add_argument("--manifest", metavar="FILE", help="verify: the manifest the plan job wrote")
    p.add_argument("--digest", metavar="SHA256", help="the stack digest the synth job listed")
    p.add_argument("--fresh-plan-json", metavar="PLAN_JSON", help="verify: a plan made now, must match the reviewed")

    p = sub.add_parser("apply", help="verify and apply each stack's reviewed plan, in order; stop at the first refusal")
    p.add_argument("--stacks-json", required=True, metavar="ROWS_JSON", help="one stage output of affected")
    p.add_argument("--outdir", required=True, metavar="DIR", help="the synth output (artifact synth)")
    p.add_argument("--plans", required=True, metavar="DIR", help="holds plan-<stack>/ (artifacts plan-*)")
    p.add_argument("--commit", required=True, metavar="SHA")
    p.add_argument("--encrypted", action="store_true", help="the plans are tfplan.enc ($PLAN_ARTIFACT_KEY)")

    p = sub.add_parser("drift", help="terraform plan -detailed-exitcode in a stack directory; report the drift")
    p.add_argument("--stack-dir", required=True, metavar="DIR", help="an initialized stack directory")
    p.add_argument("--stack", help="its name (default: the directory's)")
    p.add_argument("--out", metavar="FILE", help="write the result as JSON (for drift-report)")
    p.add_argument("--summary", **summary)

    p = sub.add_parser("drift-report", help="every stack's drift result; exit 1 on drift, failure or a missing result")
    p.add_argument("--results", required=True, metavar="DIR")
    p.add_argument("--expect", metavar="ROWS_JSON", help="the stacks that should have a result (stacks output)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--summary", **summary)

    p = sub.add_parser("stacks", help="every stack (main.py --list --json), compact for $GITHUB_OUTPUT")
    p.add_argument("--github-output", **github)


def _delivery(args) -> int:
    """Bad input: one line and exit 2; a bug: one line and exit 1 (SYNTH_DEBUG=1 for the traceback)."""
    from review import delivery
    from tooling import failures

    if args.command == "plan-policy" and not args.allow_replace:
        args.allow_replace = os.environ.get("ALLOW_REPLACE", "")
    if args.command == "plan-manifest":
        needed = ("plan_json", "out") if args.action == "write" else ("manifest",)
        for name in needed:
            if not getattr(args, name):
                print(f"error: plan-manifest {args.action} needs --{name.replace('_', '-')} — fix: pass it "
                      f"(python -m review plan-manifest --help)", file=sys.stderr)
                return delivery.EXIT_BAD_INPUT
    handler = {
        "affected": delivery.run_affected, "removed": delivery.run_removed, "plan-policy": delivery.run_plan_policy,
        "plan-manifest": delivery.run_plan_manifest, "apply": delivery.run_apply, "drift": delivery.run_drift,
        "drift-report": delivery.run_drift_report, "stacks": delivery.run_stacks,
    }[args.command]

    def body() -> int:
        try:
            return handler(args)
        except delivery.DeliveryError as error:
            print(f"error: {error}", file=sys.stderr)
            return delivery.EXIT_BAD_INPUT

    return failures.run(body)


def _cost(args) -> int:
    from review import report
    from review.stacks import stack_names, stacks_root
    from review.usage import USAGE_FILE
    usage = args.usage or USAGE_FILE
    if args.compare is not None and not stack_names(args.compare):  # before anything is read or printed
        state = ("does not exist" if not args.compare.exists() else "is not a directory" if not args.compare.is_dir()
                 else f"holds no synthesized stacks (no {stacks_root(args.compare).name}/*/cdk.tf.json)")
        raise ConfigError("review", "--compare", str(args.compare), f"the base output {state}",
                          "synthesize the base first (e.g. git worktree add ../base main && python main.py "
                          "--outdir ../base/cdktf.out in it), then pass that directory")
    if not usage.is_file():
        raise ConfigError("review", "--usage", str(usage), "no such file",
                          "pass an existing usage file, or leave --usage out for review/usage.toml")
    extra = [args.compare] if args.compare else []
    head, warnings = report.costs(args.outdir, args.stacks or None, usage_file=usage, extra_outdirs=extra)
    for warning in warnings:
        print(warning, file=sys.stderr)
    if args.compare:
        base, _ = report.costs(args.compare, [n for n in (args.stacks or [])
                                              if n in report.stack_names(args.compare)] or None,
                               usage_file=usage, extra_outdirs=[args.outdir])
        rows = report.compare(head, base)
        print(report.as_json(rows) if args.json else report.compare_markdown(rows))
        return 0
    if args.json:
        print(report.as_json([r.as_dict() for r in head]))
        return 0
    print(f"## Monthly cost estimate ({args.outdir})\n")
    print(report.summary_markdown(head))
    for result in head:
        print()
        print(report.markdown(result))
    return 0


if __name__ == "__main__":
    from tooling import failures

    failures.entry(main)  # anything unforeseen: one line (exit 1), Ctrl-C 130, as every command
