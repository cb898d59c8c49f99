"""python -m review cost | diagram | refresh-prices (see review/__init__.py)."""

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

    args = parser.parse_args(argv)
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
