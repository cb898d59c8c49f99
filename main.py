#!/usr/bin/env python3
"""cdktf app: one stack per environment (dev, staging, prod).

    python main.py                 # all environments
    python main.py dev prod        # only these
    cdktf synth / cdktf deploy dev # through the official CLI (cdktf.json runs this file)

Settings are validated before anything is built; a wrong one stops with one
line naming environment, field, value and fix, exit status 2, and the
previous output left exactly as it was: the new output is written to a
sibling directory and moved into place only when every stack synthesized.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Callable, Sequence

from environments import ENVIRONMENT_NAMES, load
from environments.settings import EnvironmentSettings
from environments.validation import validate
from modules.errors import ConfigError

EXIT_CONFIG_ERROR = 2


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
    args = parser.parse_args(argv)
    names = list(dict.fromkeys(args.environments)) or list(ENVIRONMENT_NAMES)

    try:
        selected = [loader(name) for name in names]
        for settings in selected:
            validate(settings)
        stacks = synthesize(selected, Path(args.outdir))
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        print(f"nothing written; {args.outdir} is unchanged", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    print(summary(stacks, Path(args.outdir)))
    return 0


def synthesize(selected: Sequence[EnvironmentSettings], outdir: Path) -> list:
    """Synthesize the stacks into ``outdir``, replacing it only if all of them succeed."""
    from environments.stack import EnvironmentStack  # starts jsii: only once settings are valid
    from modules.framework import new_app

    outdir = outdir.absolute()
    outdir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.new-", dir=outdir.parent))
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # mkdtemp makes it 0700; the output is an ordinary directory
    try:
        app = new_app(outdir=str(staging))
        stacks = [EnvironmentStack(app, settings) for settings in selected]
        app.synth()
        _replace(staging, outdir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return stacks


def _replace(new: Path, final: Path) -> None:
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    if final.exists():
        final.rename(old)
    new.rename(final)
    shutil.rmtree(old, ignore_errors=True)


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
    sys.exit(main())
