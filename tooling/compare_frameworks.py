"""Synthesize every stack with both frameworks and fail on any unexpected difference.

    python -m tooling.compare_frameworks              # .venv (cdktf) against .venv-cdktn (cdktn)
    python -m tooling.compare_frameworks --keep /tmp/cmp   # keep both outputs there
    make compare-frameworks                           # installs both venvs first

Each framework synthesizes ``main.py`` in its own venv (two subprocesses, run
side by side, ``FRAMEWORK`` set for each). Then every ``stacks/<env>/cdk.tf.json``
and ``manifest.json`` is parsed and compared, after normalising only the
differences the two frameworks are known to make (docs/frameworks.md):

* the framework version in the ``//`` metadata and in the manifest;
* the AWS provider's ``version`` and ``source`` in ``terraform.required_providers``
  (``aws`` and ``hashicorp/aws`` are the same Terraform provider address);
* JSON formatting (whitespace; cdktf writes an empty list over two lines).

Anything else (a resource, an attribute, a construct path, the order of keys)
is listed by its JSON path and the exit status is 1. The report also lists the
Terraform addresses of each stack (resources, data sources, outputs) on both
sides: equal addresses mean an existing state moves between the frameworks
with nothing to migrate. Exit 2: a venv or a synth is missing (one line, the fix).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parents[1]

#: framework -> venv, as the Makefile installs them (FRAMEWORK=cdktf|cdktn).
VENVS = {"cdktf": ".venv", "cdktn": ".venv-cdktn"}
#: Terraform provider addresses that all mean registry.terraform.io/hashicorp/aws.
AWS_SOURCES = {"aws", "hashicorp/aws", "registry.terraform.io/hashicorp/aws"}
NORMALISED = "<normalised>"
MAX_LISTED = 40


class CompareError(Exception):
    """Something needed for the comparison is missing; the message names the fix."""


def normalise(document: dict[str, Any], *, manifest: bool = False) -> tuple[dict[str, Any], dict[str, str]]:
    """A copy of ``document`` with the known framework differences replaced by a placeholder.

    Returns the copy and what was replaced (``{json path: original value}``). A provider
    source that is not the AWS provider is left as it is, so it shows as a difference.
    """
    doc = json.loads(json.dumps(document))
    replaced: dict[str, str] = {}
    if manifest:
        if isinstance(doc.get("version"), str):
            replaced["manifest.json version"] = doc["version"]
            doc["version"] = NORMALISED
        return doc, replaced
    metadata = doc.get("//", {}).get("metadata", {})
    if isinstance(metadata.get("version"), str):
        replaced["//.metadata.version"] = metadata["version"]
        metadata["version"] = NORMALISED
    aws = doc.get("terraform", {}).get("required_providers", {}).get("aws")
    if isinstance(aws, dict):
        if isinstance(aws.get("version"), str):
            replaced["terraform.required_providers.aws.version"] = aws["version"]
            aws["version"] = NORMALISED
        if aws.get("source") in AWS_SOURCES:
            replaced["terraform.required_providers.aws.source"] = aws["source"]
            aws["source"] = NORMALISED
    return doc, replaced


def differences(left: Any, right: Any, path: str = "") -> Iterator[str]:
    """JSON paths where ``left`` and ``right`` differ, key order of objects included."""
    here = path or "(document)"
    if isinstance(left, dict) and isinstance(right, dict):
        for key in left.keys() - right.keys():
            yield f"{path}.{key}: only with cdktf" if path else f"{key}: only with cdktf"
        for key in right.keys() - left.keys():
            yield f"{path}.{key}: only with cdktn" if path else f"{key}: only with cdktn"
        common = [k for k in left if k in right]
        for key in common:
            yield from differences(left[key], right[key], f"{path}.{key}" if path else key)
        if common != [k for k in right if k in left]:
            yield f"{here}: keys in another order"
    elif isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            yield f"{here}: {len(left)} items with cdktf, {len(right)} with cdktn"
        for index, (a, b) in enumerate(zip(left, right)):
            yield from differences(a, b, f"{path}[{index}]")
    elif type(left) is not type(right) or left != right:
        yield f"{here}: {json.dumps(left)[:120]} with cdktf, {json.dumps(right)[:120]} with cdktn"


def addresses(stack: dict[str, Any]) -> set[str]:
    """Terraform addresses a state holds or a plan shows: resources, data sources, outputs."""
    found = {f"{type_}.{name}" for type_, items in stack.get("resource", {}).items() for name in items}
    found |= {f"data.{type_}.{name}" for type_, items in stack.get("data", {}).items() for name in items}
    found |= {f"output.{name}" for name in stack.get("output", {})}
    return found


def compare_outputs(cdktf_out: Path, cdktn_out: Path) -> tuple[list[str], list[str]]:
    """(report lines, problems) of comparing two synth output directories."""
    report: list[str] = []
    problems: list[str] = []
    files = ["manifest.json"] + sorted(
        str(p.relative_to(cdktf_out)) for p in (cdktf_out / "stacks").glob("*/cdk.tf.json"))
    other = {"manifest.json"} | {str(p.relative_to(cdktn_out)) for p in (cdktn_out / "stacks").glob("*/cdk.tf.json")}
    for name in sorted(other - set(files)):
        problems.append(f"{name}: only with cdktn")
    known: dict[str, tuple[str, str]] = {}
    for name in files:
        if not (cdktn_out / name).is_file():
            problems.append(f"{name}: only with cdktf")
            continue
        is_manifest = name == "manifest.json"
        left_raw = json.loads((cdktf_out / name).read_text())
        right_raw = json.loads((cdktn_out / name).read_text())
        left, left_replaced = normalise(left_raw, manifest=is_manifest)
        right, right_replaced = normalise(right_raw, manifest=is_manifest)
        for key in left_replaced.keys() | right_replaced.keys():
            known[key] = (left_replaced.get(key, "-"), right_replaced.get(key, "-"))
        problems.extend(f"{name}: {d}" for d in differences(left, right))
        if not is_manifest:
            env = Path(name).parent.name
            a, b = addresses(left_raw), addresses(right_raw)
            same = "identical" if a == b else f"DIFFERENT ({len(a - b)} only with cdktf, {len(b - a)} only with cdktn)"
            report.append(f"  {env:<8} {len(a):>4} addresses (resources, data sources, outputs): {same}")
    report.insert(0, "Known differences (normalised):")
    report[1:1] = [f"  {key}: {old!r} (cdktf) / {new!r} (cdktn)" for key, (old, new) in sorted(known.items())]
    report.insert(len(known) + 1, "Terraform addresses per stack:")
    return report, problems


def synthesize(outdir: Path, environments: list[str]) -> None:
    """Run ``main.py`` with each framework's venv into ``outdir/<framework>``, side by side."""
    for framework, venv in VENVS.items():
        if not (ROOT / venv / "bin" / "python").is_file():
            raise CompareError(f"{venv}/bin/python not found — run 'make install FRAMEWORK={framework}' "
                               "(or 'make compare-frameworks', which installs both)")
    running = []
    for framework, venv in VENVS.items():
        python = ROOT / venv / "bin" / "python"
        env = {**os.environ, "FRAMEWORK": framework, "CHECKPOINT_DISABLE": "1"}
        env.pop("CDKTF_OUTDIR", None)
        log = tempfile.TemporaryFile(mode="w+")
        command = [str(python), "main.py", "--outdir", str(outdir / framework), *environments]
        running.append((framework, subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                                    stderr=subprocess.STDOUT, text=True), log))
    failed = []
    for framework, process, log in running:
        if process.wait() != 0:
            log.seek(0)
            failed.append(f"{framework} synth failed (exit {process.returncode}):\n{log.read()[-3000:]}")
        log.close()
    if failed:
        raise CompareError("\n".join(failed))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("environments", nargs="*", metavar="ENV", help="environments (default: all)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="write the outputs to DIR/cdktf and DIR/cdktn and keep them (default: a temporary directory)")
    args = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="compare-frameworks-") as scratch:
            outdir = (args.keep or Path(scratch)).absolute()
            synthesize(outdir, args.environments)
            report, problems = compare_outputs(outdir / "cdktf", outdir / "cdktn")
    except CompareError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("\n".join(report))
    if problems:
        print(f"FAIL: {len(problems)} difference(s) beyond the known ones:", file=sys.stderr)
        for problem in problems[:MAX_LISTED]:
            print(f"  {problem}", file=sys.stderr)
        if len(problems) > MAX_LISTED:
            print(f"  ... and {len(problems) - MAX_LISTED} more", file=sys.stderr)
        return 1
    print("OK: cdktf and cdktn synthesize the same stacks (only the known differences above).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
