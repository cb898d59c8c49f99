#!/usr/bin/env python3
"""cdktf app: one stack per environment (dev, staging, prod).

    python main.py                 # all environments
    python main.py dev prod        # only these
    cdktf synth / cdktf deploy dev # through the official CLI (cdktf.json runs this file)

Settings are validated before anything is built; a wrong one stops with one
line naming environment, field, value and fix, exit status 2, and the
previous output left exactly as it was: the new output is written to a
sibling directory and moved into place only when every stack synthesized.
Every other failure is one line too (exit 1, 2 or 130; ``--debug`` shows the
traceback), and the output directory is checked before anything is replaced
(tooling/outdir.py: never the project, the home directory or a directory this
tool did not write).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Callable, Sequence

from tooling import failures
from tooling.outdir import prepared

with failures.import_guard():  # an error in a settings file: one line, not a traceback
    from environments import ENVIRONMENT_NAMES, load
    from environments.settings import EnvironmentSettings
    from environments.validation import validate

EXIT_CONFIG_ERROR = failures.EXIT_BAD_INPUT
ROOT = Path(__file__).resolve().parent


def main(
    argv: Sequence[str] | None = None,
    *,
    loader: Callable[[str], EnvironmentSettings] = load,
) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("environments", nargs="*", metavar="ENV",
                        help=f"environments to synthesize (default: all of {', '.join(ENVIRONMENT_NAMES)})")
    parser.add_argument("--outdir", default=os.environ.get("CDKTF_OUTDIR", "cdktf.out"),
                        help="output directory (default: $CDKTF_OUTDIR or cdktf.out)")
    parser.add_argument("--debug", action="store_true",
                        help=f"print the traceback of a failure (also: {failures.DEBUG_VARIABLE}=1)")
    args = parser.parse_args(argv)
    names = list(dict.fromkeys(args.environments)) or list(ENVIRONMENT_NAMES)

    debug = args.debug or failures.debug_requested([])
    stacks: list = []

    def build() -> int:
        selected = [loader(name) for name in names]
        for settings in selected:
            validate(settings)
        stacks.extend(synthesize(selected, args.outdir))
        return failures.EXIT_OK

    status = failures.run(build, outdir=lambda: args.outdir, debug=debug)
    if status != failures.EXIT_OK:
        return status
    # the new output is in place: a failure from here on must not claim it is unchanged
    return failures.run(lambda: print(summary(stacks, Path(args.outdir))) or failures.EXIT_OK, debug=debug)


def synthesize(selected: Sequence[EnvironmentSettings], outdir: str | os.PathLike) -> list:
    """Synthesize the stacks into ``outdir``, replacing it only if all of them succeed."""
    from environments.stack import EnvironmentStack  # starts jsii: only once settings are valid
    from modules.framework import App

    with prepared(os.fspath(outdir), protected=(ROOT,)) as staging:
        app = App(outdir=str(staging))
        stacks = [EnvironmentStack(app, settings) for settings in selected]
        app.synth()
    return stacks


def summary(stacks: Sequence, outdir: Path) -> str:
    lines = [f"Synthesized {len(stacks)} stack(s) into {outdir}/stacks:"]
    for stack in stacks:
        s = stack.settings
        path = outdir / "stacks" / s.name / "cdk.tf.json"
        document = json.loads(path.read_text())
        resources = sum(len(v) for v in document.get("resource", {}).values())
        lock = s.project.lock_table + (" + S3 lock file" if s.native_state_lock else "")
        lines.append(
            f"  {s.name:<8} {resources:>4} resources   state s3://{s.project.state_bucket}/{s.state_key}"
            f"   lock {lock}"
        )
        lines.extend(f"           note: {note}" for note in stack.notes)
    try:
        shown = outdir.absolute().relative_to(Path.cwd())
    except ValueError:
        shown = outdir.absolute()
    lines.append(f"Review a plan: cd {shown}/stacks/<env> && terraform init && terraform plan")
    return "\n".join(lines)


if __name__ == "__main__":
    failures.entry(main)
