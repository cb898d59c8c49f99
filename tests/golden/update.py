"""Refresh the golden copies of every stack: ``python -m tests.golden.update``.

Run it only for a change whose output differences you intend, and list each
difference and why in the commit message: the golden files are how a review
sees that a refactor kept every Terraform address and property.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "stacks"


def main() -> int:
    import main as app

    with tempfile.TemporaryDirectory() as tmp:
        outdir = Path(tmp) / "out"
        if app.main(["--outdir", str(outdir)]) != 0:
            return 1
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for stack in sorted((outdir / "stacks").iterdir()):
            target = GOLDEN / f"{stack.name}.tf.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(stack / "cdk.tf.json", target)
            print(f"wrote {target.relative_to(Path.cwd()) if target.is_relative_to(Path.cwd()) else target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
