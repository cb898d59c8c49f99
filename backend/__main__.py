"""Create, verify and repair the Terraform state backend (S3 bucket + DynamoDB lock table).

    python -m backend bootstrap              # create what is missing, repair drift
    python -m backend bootstrap --dry-run    # print what would change, change nothing
    python -m backend verify                 # list every missing or weaker setting
    python -m backend bootstrap --system conduit   # another system's bucket and table
    python -m backend locks --system conduit       # state locks held, and how to release one a killed run left

Each system has its own state bucket and lock table. Names and region default
to ``environments/<system>/project.py`` (``--system``, default the primary
system, codemate): the settings every stack of that system's S3 backend uses.
Never prompts. Exit status: 0 when the backend is as
required, 1 when it is not (verify found problems, or a dry run would change
something), 2 on an error (bad input, credentials, permissions, ownership),
130 when interrupted (Ctrl-C; rerun: the bootstrap is idempotent).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from typing import Sequence, TextIO

from backend.bootstrap import (
    BackendError,
    BackendSpec,
    Mode,
    make_clients,
    run,
    validate_endpoint_url,
    validate_spec,
)
from systems import BY_NAME, PRIMARY, SYSTEMS
from tooling import failures

EXIT_OK = 0
EXIT_NOT_AS_REQUIRED = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--system", default=PRIMARY.name, choices=[s.name for s in SYSTEMS],
                        help=f"whose backend (default: {PRIMARY.name}); names come from environments/<system>/project.py")
    common.add_argument("--region", help="AWS region (default: the system's region)")
    common.add_argument("--bucket", help="state bucket (default: the system's, e.g. codemate-terraform-state)")
    common.add_argument("--table", help="lock table (default: the system's, e.g. codemate-terraform-locks)")
    common.add_argument("--kms-key-id", help="KMS key for the bucket and the table "
                                             "(default: AES-256 for the bucket, aws/dynamodb for the table)")
    common.add_argument("--profile", help="AWS profile (default: the standard credential chain)")
    common.add_argument("--endpoint-url", metavar="URL",
                        help="a local AWS emulator such as moto or LocalStack (skips the TLS-only bucket policy)")
    top = failures.OneLineParser(prog="python -m backend", description=__doc__.split("\n\n")[0])
    commands = top.add_subparsers(dest="command", required=True)
    bootstrap = commands.add_parser("bootstrap", parents=[common], help="create and repair the backend")
    bootstrap.add_argument("--dry-run", action="store_true", help="print what would change, change nothing")
    commands.add_parser("verify", parents=[common], help="check the backend; change nothing")
    locks = commands.add_parser("locks", parents=[common],
                                help="list the state locks held (lock table items, .tflock objects) and the exact "
                                     "terraform force-unlock step for each; change nothing")
    locks.add_argument("--outdir", default=os.environ.get("CDKTF_OUTDIR", "cdktf.out"),
                       help="the synth output whose stack directories the steps name (default: $CDKTF_OUTDIR or "
                            "cdktf.out)")
    return top


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    args = parser().parse_args(argv)
    if args.command == "locks":
        return _locks(args, out, err)
    mode = Mode.VERIFY if args.command == "verify" else Mode.DRY_RUN if args.dry_run else Mode.APPLY
    system = BY_NAME[args.system]
    source = f"environments/{system.package}/project.py"
    project = importlib.import_module(f"environments.{system.package}.project").PROJECT
    spec = BackendSpec.from_project(project, bucket=args.bucket, table=args.table, region=args.region,
                                    kms_key_id=args.kms_key_id)
    lines: list[str] = []

    def emit(line: str) -> None:
        lines.append(line)
        print(line, file=out, flush=True)

    try:
        validate_spec(spec)  # before any credentials or network
        validate_endpoint_url(args.endpoint_url)
        target = f"bucket {spec.bucket}, table {spec.table}, region {spec.region}"
        print(f"{mode.value}: {target}" + (f", endpoint {args.endpoint_url}" if args.endpoint_url else ""), file=out)
        for name, given, configured in (("bucket", spec.bucket, project.state_bucket),
                                        ("table", spec.table, project.lock_table)):
            if given != configured:
                print(f"note: --{name} {given} is not the {configured} that {source} "
                      "gives every stack's backend", file=out)
        clients = make_clients(region=spec.region, profile=args.profile, endpoint_url=args.endpoint_url)
        report = run(spec, clients, mode, emit)
    except BackendError as error:
        print(f"error: {error.message}", file=err)
        print(f"fix: {error.fix}", file=err)
        changed = sum(line.startswith(("created", "repaired")) for line in lines)
        print(f"{changed} change(s) made before the error; rerun when fixed (the bootstrap is idempotent)"
              if changed else "nothing was changed", file=err)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted; rerun to finish (the bootstrap is idempotent)", file=err)
        return EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 - a bug or an unforeseen AWS answer: one line, not a traceback
        if failures.debug_requested([]):
            traceback.print_exception(error, file=err)
        print(f"error: unexpected {failures.python_message(error)}", file=err)
        print(f"fix: rerun with {failures.DEBUG_VARIABLE}=1 for the traceback and report it", file=err)
        print("rerun when fixed (the bootstrap is idempotent)", file=err)
        return EXIT_ERROR
    print(report.summary, file=out)
    return EXIT_OK if report.as_required else EXIT_NOT_AS_REQUIRED


def _locks(args, out: TextIO, err: TextIO) -> int:
    """``locks``: 0 when no lock is held, 1 when one is (each with its release step), 2 on an error."""
    from backend.locks import describe, held_locks, stack_directory

    system = BY_NAME[args.system]
    project = importlib.import_module(f"environments.{system.package}.project").PROJECT
    spec = BackendSpec.from_project(project, bucket=args.bucket, table=args.table, region=args.region,
                                    kms_key_id=args.kms_key_id)
    try:
        validate_spec(spec)
        validate_endpoint_url(args.endpoint_url)
        clients = make_clients(region=spec.region, profile=args.profile, endpoint_url=args.endpoint_url)
        locks = held_locks(clients.dynamodb, clients.s3, bucket=spec.bucket, table=spec.table)
    except BackendError as error:
        print(f"error: {error.message} — fix: {error.fix}", file=err)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted; nothing was changed", file=err)
        return EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 - AWS refused (no table, no permission, ...): one line
        if failures.debug_requested([]):
            traceback.print_exception(error, file=err)
        print(f"error: reading the locks of bucket {spec.bucket}, table {spec.table}: {failures.python_message(error)} "
              f"— fix: check the names (python -m backend verify --system {system.name}) and your credentials",
              file=err)
        return EXIT_ERROR
    for lock in locks:
        for line in describe(lock, stack_directory(system, lock.key, args.outdir)):
            print(line, file=out)
    if not locks:
        print(f"no state lock held: table {spec.table}, bucket {spec.bucket}", file=out)
        return EXIT_OK
    print(f"{len(locks)} state lock(s) held; release one only when no terraform runs on that state any more "
          "(force-unlock does not stop a running apply)", file=out)
    return EXIT_NOT_AS_REQUIRED


if __name__ == "__main__":
    sys.exit(main())
