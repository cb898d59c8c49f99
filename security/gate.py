"""The security gate: checkov + secret scan of every synthesized environment.

    python -m security.gate                 # all environments in cdktf.out (make scan synthesizes first)
    python -m security.gate dev prod        # only these
    python -m security.gate --outdir DIR --accepted FILE --checkov PATH

For each environment it runs checkov (its own venv, ``.venv-checkov``; offline:
``--skip-download``, no API key, no update check) on
``<outdir>/stacks/<env>/cdk.tf.json``, maps each failed check to
``(check ID, resource, environment)`` and compares with the reviewed list in
``security/accepted-findings.toml``. It prints passed / failed / accepted
counts per environment and exits

* 0 when every failed check is accepted, every accepted entry still matches a
  finding in each environment it names, and the secret scan is clean;
* 1 when the gate fails (a finding not accepted, a stale accepted entry, or a
  secret-looking literal);
* 2 when it cannot judge (checkov missing or broken, output missing,
  accepted-findings file invalid).

A resource is named by its construct path below the stack, e.g.
``network/flow-log-group`` for ``dev/network/flow-log-group``: stable across
environments and synths (cdktf's logical IDs end in a hash), and it changes
only when a construct ID changes, which is a state-breaking rename anyway.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import time
import tomllib
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from modules.user_cache import user_cache
from security.secrets import SecretFinding, scan_document

ROOT = Path(__file__).resolve().parent.parent
ACCEPTED_FILE = ROOT / "security" / "accepted-findings.toml"
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
EXIT_FAILED = 1
EXIT_ERROR = 2

_CHECK_ID = re.compile(r"^CKV2?_[A-Z0-9]+_\d+$")
_ENTRY_KEYS = {"check", "resource", "environments", "reason"}


class GateError(RuntimeError):
    """The gate cannot judge: the message says what is wrong and how to fix it."""


# -- findings ----------------------------------------------------------------

@dataclass(frozen=True, order=True)
class Finding:
    environment: str
    check_id: str
    resource: str
    """Construct path below the stack (``network/flow-log-group``), or checkov's name if unmapped."""
    resource_type: str = field(default="", compare=False)
    check_name: str = field(default="", compare=False)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.check_id, self.resource, self.environment)


@dataclass
class EnvironmentScan:
    environment: str
    passed: int
    failed: list[Finding]
    secrets: list[SecretFinding]
    checkov_version: str


def construct_index(doc: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """``{logical_id: (resource type, construct path below the stack)}`` of a synthesized stack."""
    index: dict[str, tuple[str, str]] = {}
    for block in ("resource", "data"):
        for type_, items in doc.get(block, {}).items():
            for logical_id, props in items.items():
                path = props.get("//", {}).get("metadata", {}).get("path", logical_id)
                relative = path.split("/", 1)[1] if "/" in path else path
                index[logical_id] = (("data." if block == "data" else "") + type_, relative)
    return index


def map_resource(checkov_resource: str, index: Mapping[str, tuple[str, str]]) -> tuple[str, str]:
    """checkov's ``aws_x.<logical id>`` / ``resource.<logical id>`` -> (type, construct path)."""
    name = re.sub(r"\[.*\]$", "", checkov_resource).rsplit(".", 1)[-1]
    return index.get(name, ("", checkov_resource))


def parse_checkov(report: Any, environment: str, doc: Mapping[str, Any]) -> tuple[int, list[Finding], str]:
    """(passed count, failed findings, checkov version) from checkov's ``-o json`` output."""
    reports = report if isinstance(report, list) else [report]
    index = construct_index(doc)
    passed, failed, version, parsing_errors = 0, [], "?", 0
    for r in reports:
        summary = r.get("summary", {})
        version = summary.get("checkov_version", version)
        parsing_errors += summary.get("parsing_errors", 0)
        results = r.get("results", {})
        passed += len(results.get("passed_checks", []))
        for check in results.get("failed_checks", []):
            type_, resource = map_resource(check["resource"], index)
            failed.append(Finding(environment, check["check_id"], resource, type_, check.get("check_name", "")))
    if parsing_errors:
        raise GateError(f"[{environment}] checkov could not parse cdk.tf.json ({parsing_errors} parsing errors) — "
                        "run it by hand with -o cli to see why")
    if passed + len(failed) == 0:
        raise GateError(f"[{environment}] checkov evaluated no check at all — is cdk.tf.json empty, or did "
                        "checkov skip the terraform_json framework?")
    return passed, sorted(failed), version


def checkov_env() -> dict[str, str]:
    """The environment checkov runs in: local only, no platform, no update check."""
    env = {k: v for k, v in os.environ.items() if k not in ("BC_API_KEY", "PRISMA_API_URL", "BC_API_URL")}
    env.update({
        "BC_SKIP_MAPPING": "TRUE",               # no download of the platform's check mapping
        "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",  # no PyPI query for a newer checkov
        "LOG_LEVEL": "WARNING",
    })
    return env


def run_checkov(stack_file: Path, checkov: Path = CHECKOV) -> Any:
    """checkov's JSON report of one ``cdk.tf.json``."""
    if not Path(checkov).is_file():
        raise GateError(f"checkov not found at {checkov} — run 'make checkov' (creates .venv-checkov from "
                        "requirements-checkov.txt)")
    command = [str(checkov), "--file", str(stack_file), "--framework", "terraform_json", "--skip-download",
               "--output", "json"]
    done = subprocess.run(command, capture_output=True, text=True, env=checkov_env(), timeout=600, check=False)
    if done.returncode not in (0, 1):  # 1 = some check failed; anything else is checkov breaking
        raise GateError(f"checkov exited {done.returncode} on {stack_file}: {done.stderr.strip()[-800:]}")
    try:
        return json.loads(done.stdout)
    except ValueError:
        raise GateError(f"checkov printed no JSON report for {stack_file}: {done.stderr.strip()[-800:]}") from None


LAST_BATCH = {"kept": 0, "scanned": 0}  # the last run_checkov_batch: reports from the cache, files scanned
CACHE_SWITCH = "CHECKOV_CACHE"  # 0/off/false/no: every file through checkov, nothing kept
CHECKOV_ARGUMENTS = ("--framework", "terraform_json", "--skip-download", "--output", "json")


def cache_directory() -> Path:
    """Where checkov's reports are kept by content (the user's cache, like jsii's and Node's here)."""
    return user_cache("checkov-reports")


def checkov_identity(checkov: Path) -> str | None:
    """What names this checkov's results: its resolved executable and its installed version file.

    None when it cannot be told (a checkov outside a venv layout): then nothing is cached."""
    executable = Path(checkov).resolve()
    versions = sorted(executable.parent.parent.glob("lib/python*/site-packages/checkov/version.py"))
    if not versions:
        return None
    version = versions[0]
    stat = version.stat()
    return json.dumps([str(executable), str(version), stat.st_size, stat.st_mtime_ns, version.read_text()])


def _cache_key(data: bytes, identity: str) -> str:
    return hashlib.sha256(json.dumps([identity, CHECKOV_ARGUMENTS]).encode() + b"\0" + data).hexdigest()


def _with_path(report: Any, path: Path) -> Any:
    """A kept report, its results naming ``path`` (the file given now; the content is the same)."""
    for kind in ("passed_checks", "failed_checks"):
        for check in report["results"][kind]:
            check["file_abs_path"] = str(path)
    return report


def run_checkov_batch(stack_files: Sequence[Path], checkov: Path = CHECKOV) -> dict[Path, Any]:
    """checkov's JSON report of each ``cdk.tf.json``, from one checkov process for all of them.

    checkov's start-up (~2.5 s of importing its checks) is paid once instead of once per stack; its
    merged report is split back per file by each result's absolute path. A file whose exact bytes
    this checkov (same executable, same installed version file) has scanned before with the same
    arguments gets that report back from :func:`cache_directory` instead of a new scan: checkov's
    report is a function of them (it runs offline, with no configuration file here). Only the
    others go to checkov. ``CHECKOV_CACHE=0`` scans every file and keeps nothing.
    """
    if not Path(checkov).is_file():
        raise GateError(f"checkov not found at {checkov} — run 'make checkov' (creates .venv-checkov from "
                        "requirements-checkov.txt)")
    files = [Path(f).resolve() for f in stack_files]
    if len(set(files)) != len(files):
        raise GateError("the same cdk.tf.json was given twice")
    cached = os.environ.get(CACHE_SWITCH, "1").strip().lower() not in ("0", "off", "false", "no")
    identity = checkov_identity(checkov) if cached else None
    keys = {f: _cache_key(f.read_bytes(), identity) for f in files} if identity else {}
    split: dict[Path, Any] = {}
    for f, key in keys.items():
        try:
            split[f] = _with_path(json.loads(zlib.decompress((cache_directory() / f"{key}.json.z").read_bytes())), f)
        except (OSError, ValueError, KeyError, TypeError, zlib.error):
            continue
    todo = [f for f in files if f not in split]
    LAST_BATCH.update(kept=len(files) - len(todo), scanned=len(todo))
    if todo:
        fresh = _scan_batch(todo, checkov)
        split.update(fresh)
        for f in todo if keys else ():
            _keep(cache_directory() / f"{keys[f]}.json.z", fresh[f])
        if keys:
            _prune(cache_directory())
    return {f: split[f] for f in files}


def _keep(entry: Path, report: Any) -> None:
    staging = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        staging.write_bytes(zlib.compress(json.dumps(report).encode(), 6))
        os.replace(staging, entry)  # atomic: a concurrent run reads the old entry or this one
    except OSError:  # no writable cache: scanned again next time
        try:
            staging.unlink()
        except OSError:
            pass


CACHE_LIMIT = 300  # reports (~80 KB each): a run that finds more removes the least recently read to 2/3


def _prune(directory: Path, limit: int = CACHE_LIMIT) -> None:
    try:
        entries = [(entry.stat().st_atime_ns, entry) for entry in directory.glob("*.json.z")]
    except OSError:
        return
    if len(entries) <= limit:
        return
    entries.sort()
    for _, entry in entries[: len(entries) - (limit * 2) // 3]:
        try:
            entry.unlink()
        except OSError:
            pass


def _scan_batch(files: Sequence[Path], checkov: Path) -> dict[Path, Any]:
    command = [str(checkov), *(a for f in files for a in ("--file", str(f))), *CHECKOV_ARGUMENTS]
    done = subprocess.run(command, capture_output=True, text=True, env=checkov_env(), timeout=900, check=False)
    if done.returncode not in (0, 1):  # 1 = some check failed; anything else is checkov breaking
        raise GateError(f"checkov exited {done.returncode} on {len(files)} file(s): {done.stderr.strip()[-800:]}")
    try:
        merged = json.loads(done.stdout)
    except ValueError:
        raise GateError(f"checkov printed no JSON report: {done.stderr.strip()[-800:]}") from None
    reports = merged if isinstance(merged, list) else [merged]
    split: dict[Path, Any] = {f: {"check_type": "terraform_json",
                                  "results": {"passed_checks": [], "failed_checks": [], "parsing_errors": []},
                                  "summary": {"parsing_errors": 0, "checkov_version": "?"}} for f in files}
    by_text = {str(f): f for f in files}
    for report_ in reports:
        version = report_.get("summary", {}).get("checkov_version", "?")
        for one in split.values():
            one["summary"]["checkov_version"] = version
        results = report_.get("results", {})
        for kind in ("passed_checks", "failed_checks"):
            for check in results.get(kind, []):
                owner = by_text.get(str(Path(check.get("file_abs_path", "")).resolve()))
                if owner is None:
                    raise GateError(f"checkov reported a result for a file it was not given: "
                                    f"{check.get('file_abs_path')}")
                split[owner]["results"][kind].append(check)
        for path in results.get("parsing_errors", []):
            owner = by_text.get(str(Path(path).resolve())) or next((f for f in files if str(f).endswith(path)), None)
            if owner is not None:
                split[owner]["summary"]["parsing_errors"] += 1
    return split


def scan(environments: Sequence[str], outdir: Path, checkov: Path = CHECKOV,
         run: Callable[[Path, Path], Any] | None = None) -> list[EnvironmentScan]:
    """Scan each environment's ``cdk.tf.json`` (one checkov process for all of them).

    ``run(stack_file, checkov)``, if given, returns one file's checkov JSON report instead (tests
    replay a recorded one).
    """
    return scan_files({env: Path(outdir) / "stacks" / env / "cdk.tf.json" for env in environments}, checkov, run)


def scan_files(files: Mapping[str, Path], checkov: Path = CHECKOV,
               run: Callable[[Path, Path], Any] | None = None) -> list[EnvironmentScan]:
    """Scan ``{stack name: cdk.tf.json}`` — files from several outputs may share one checkov run."""
    for env, path in files.items():
        if not Path(path).is_file():
            raise GateError(f"[{env}] {path} does not exist — synthesize first ('make synth' or 'python main.py')")
    docs = {env: json.loads(Path(path).read_text()) for env, path in files.items()}
    if run is None:
        by_file = run_checkov_batch(list(files.values()), checkov)
        reports = {env: by_file[Path(path).resolve()] for env, path in files.items()}
    else:
        reports = {env: run(Path(path), checkov) for env, path in files.items()}
    scans = []
    for env in files:
        passed, failed, version = parse_checkov(reports[env], env, docs[env])
        scans.append(EnvironmentScan(env, passed, failed, scan_document(docs[env]), version))
    return scans


# -- accepted findings ---------------------------------------------------------

@dataclass(frozen=True)
class Accepted:
    check: str
    resource: str
    environments: tuple[str, ...]
    reason: str

    def keys(self) -> Iterable[tuple[str, str, str]]:
        return ((self.check, self.resource, env) for env in self.environments)


def load_accepted(path: Path = ACCEPTED_FILE, known_environments: Sequence[str] | None = None) -> list[Accepted]:
    """The reviewed accepted findings, validated: a malformed entry is a :class:`GateError`."""
    if known_environments is None:
        from environments import ENVIRONMENT_NAMES
        known_environments = ENVIRONMENT_NAMES
    try:
        data = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise GateError(f"{path}: {error}") from None
    unknown_top = set(data) - {"accepted"}
    if unknown_top:
        raise GateError(f"{path}: unknown top-level key(s) {sorted(unknown_top)} — entries are [[accepted]] tables")
    entries, seen = [], {}
    for i, raw in enumerate(data.get("accepted", []), start=1):
        where = f"{path.name} entry {i}"

        def bad(problem: str, fix: str) -> GateError:
            return GateError(f"{where}: {problem} — fix: {fix}")

        if set(raw) != _ENTRY_KEYS:
            raise bad(f"has keys {sorted(raw)}", f"give exactly {sorted(_ENTRY_KEYS)}")
        check, resource, envs, reason = raw["check"], raw["resource"], raw["environments"], raw["reason"]
        if not isinstance(check, str) or not _CHECK_ID.match(check):
            raise bad(f"check = {check!r} is not a checkov check ID", "write it as checkov prints it, e.g. 'CKV_AWS_338'")
        if not isinstance(resource, str) or not resource or resource.startswith("/"):
            raise bad(f"resource = {resource!r} is not a construct path",
                      "use the construct path below the stack, e.g. 'network/flow-log-group'")
        if not isinstance(envs, list) or not envs or not all(isinstance(e, str) for e in envs):
            raise bad(f"environments = {envs!r} is not a non-empty list of names",
                      "list the environments it applies to, e.g. [\"dev\"]")
        if len(set(envs)) != len(envs):
            raise bad(f"environments = {envs!r} lists an environment twice", "list each environment once")
        if unknown := sorted(set(envs) - set(known_environments)):
            raise bad(f"environments = {envs!r} names unknown environment(s) {unknown}",
                      f"use {', '.join(known_environments)}")
        if not isinstance(reason, str) or len(reason.strip()) < 20 or "\n" in reason.strip():
            raise bad("reason is missing, shorter than 20 characters or longer than one line",
                      "say in one line why a reviewer accepts this finding")
        entry = Accepted(check, resource, tuple(envs), reason.strip())
        for key in entry.keys():
            if key in seen:
                raise bad(f"{key[0]} {key[1]} [{key[2]}] is already accepted by entry {seen[key]}",
                          "keep one entry per finding and environment")
            seen[key] = i
        entries.append(entry)
    return entries


# -- verdict -------------------------------------------------------------------

@dataclass
class Verdict:
    scans: list[EnvironmentScan]
    unaccepted: list[Finding]
    accepted: list[Finding]
    stale: list[tuple[Accepted, str]]

    @property
    def secrets(self) -> list[tuple[str, SecretFinding]]:
        return [(s.environment, f) for s in self.scans for f in s.secrets]

    @property
    def ok(self) -> bool:
        return not (self.unaccepted or self.stale or self.secrets)

    def counts(self, environment: str) -> dict[str, int]:
        s = next(s for s in self.scans if s.environment == environment)
        return {
            "passed": s.passed,
            "failed": sum(1 for f in self.unaccepted if f.environment == environment),
            "accepted": sum(1 for f in self.accepted if f.environment == environment),
            "secrets": len(s.secrets),
        }


def evaluate(scans: Sequence[EnvironmentScan], accepted: Sequence[Accepted]) -> Verdict:
    """Compare findings with the accepted list; entries count as stale only in scanned environments."""
    scanned = {s.environment for s in scans}
    allowed = {key for entry in accepted for key in entry.keys()}
    findings = [f for s in scans for f in s.failed]
    found = {f.key for f in findings}
    stale = [(entry, env) for entry in accepted for env in entry.environments
             if env in scanned and (entry.check, entry.resource, env) not in found]
    return Verdict(
        scans=list(scans),
        unaccepted=[f for f in findings if f.key not in allowed],
        accepted=[f for f in findings if f.key in allowed],
        stale=stale,
    )


def report(verdict: Verdict, seconds: float, accepted_file: Path = ACCEPTED_FILE) -> str:
    versions = sorted({s.checkov_version for s in verdict.scans})
    lines = [f"security gate: checkov {', '.join(versions)} (terraform_json, offline) + secret scan, "
             f"{len(verdict.scans)} environment(s), {seconds:.1f} s",
             f"  {'env':<10}{'passed':>8}{'failed':>8}{'accepted':>10}{'secrets':>9}"]
    for s in verdict.scans:
        c = verdict.counts(s.environment)
        lines.append(f"  {s.environment:<10}{c['passed']:>8}{c['failed']:>8}{c['accepted']:>10}{c['secrets']:>9}")
    try:
        shown = accepted_file.relative_to(ROOT)
    except ValueError:
        shown = accepted_file
    for f in verdict.unaccepted:
        lines.append(f"FAILED  [{f.environment}] {f.check_id} {f.resource} ({f.resource_type or '?'}): {f.check_name}")
    if verdict.unaccepted:
        lines.append(f"        fix it in the construct, or, if the design means it, accept it in {shown} "
                     "(docs/security-gate.md)")
    for entry, env in verdict.stale:
        lines.append(f"STALE   [{env}] {entry.check} {entry.resource}: accepted in {shown} but no longer found — "
                     f"remove {env!r} from its environments (or the entry)")
    for env, secret in verdict.secrets:
        lines.append(f"SECRET  [{env}] {secret} — put the value in Secrets Manager and reference it")
    problems = [f"{len(verdict.unaccepted)} unaccepted", f"{len(verdict.stale)} stale", f"{len(verdict.secrets)} secret(s)"]
    lines.append("gate: passed" if verdict.ok else f"gate: FAILED ({', '.join(problems)})")
    return "\n".join(lines)


def run_gate(environments: Sequence[str], outdir: Path, accepted_file: Path = ACCEPTED_FILE,
             checkov: Path = CHECKOV) -> tuple[Verdict, float]:
    accepted = load_accepted(accepted_file)
    start = time.monotonic()
    scans = scan(environments, outdir, checkov)
    return evaluate(scans, accepted), time.monotonic() - start


def accepted_file(system: str) -> Path:
    """The reviewed list of one system: ``accepted-findings.toml`` for the primary system,
    ``accepted-findings-<system>.toml`` for the others. Entries name stacks (``conduit-dev``)."""
    from systems import PRIMARY

    return ACCEPTED_FILE if system == PRIMARY.name else ACCEPTED_FILE.with_name(f"accepted-findings-{system}.toml")


def main(argv: Sequence[str] | None = None) -> int:
    from main import manifest, parse_selection
    from modules.errors import ConfigError

    parser = argparse.ArgumentParser(prog="python -m security.gate", description=__doc__.split("\n\n")[0])
    parser.add_argument("stacks", nargs="*", metavar="STACK",
                        help="stacks to scan, selected as main.py selects them (default: every stack of every system)")
    parser.add_argument("--outdir", type=Path, default=Path(os.environ.get("CDKTF_OUTDIR", "cdktf.out")),
                        help="synth output directory (default: $CDKTF_OUTDIR or cdktf.out)")
    parser.add_argument("--accepted", type=Path, default=None,
                        help="accepted-findings file (default: each system's own, security/accepted-findings*.toml)")
    parser.add_argument("--checkov", type=Path, default=Path(os.environ.get("CHECKOV", CHECKOV)),
                        help="checkov executable (default: $CHECKOV or .venv-checkov/bin/checkov)")
    args = parser.parse_args(argv)
    try:
        rows = manifest(parse_selection(args.stacks))
    except ConfigError as error:
        parser.error(str(error))
    by_system: dict[str, list[str]] = {}
    for row in rows:
        by_system.setdefault(row["system"], []).append(row["stack"])
    ok = True
    try:
        lists = {}
        for system, stacks in by_system.items():  # every list is read before checkov starts
            path = args.accepted or accepted_file(system)
            known = [row["stack"] for row in manifest(parse_selection([system]))]
            accepted = [e for e in load_accepted(path, known) if set(e.environments) & set(stacks)]
            lists[system] = (path, [Accepted(e.check, e.resource, tuple(x for x in e.environments if x in stacks),
                                             e.reason) for e in accepted])
        start = time.monotonic()
        scans = {s.environment: s for s in scan([row["stack"] for row in rows], args.outdir, args.checkov)}
        seconds = time.monotonic() - start
        if LAST_BATCH["kept"]:
            print(f"checkov: {LAST_BATCH['kept']} of {len(rows)} report(s) kept from an earlier scan of the same bytes "
                  f"by the same checkov ({cache_directory()}; CHECKOV_CACHE=0 scans every stack)")
        for system, stacks in by_system.items():
            path, accepted = lists[system]
            verdict = evaluate([scans[stack] for stack in stacks], accepted)
            print(f"{system}:")
            print(report(verdict, seconds, path))
            ok = ok and verdict.ok
    except GateError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    return 0 if ok else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
