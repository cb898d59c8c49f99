"""Run the rehearsal of synthesized stacks: init from the mirror, validate, and (``--apply``)
plan → apply → re-plan (must be empty) → destroy against the local emulator.

Every step is the real Terraform CLI with the real ``hashicorp/aws`` provider of the filesystem
mirror; only the provider's endpoints, its version and the backend differ from the synthesized stack
(see :mod:`rehearsal.copy`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from rehearsal.copy import write_rehearsal_copy
from rehearsal.recovery import import_steps, unlock_hint

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MIRROR = Path(os.environ.get("REHEARSAL_PROVIDER_MIRROR", "/opt/tf-plugins"))
UNSUPPORTED_FILE = Path(__file__).with_name("unsupported.toml")
KNOWN_REPLAN_FILE = Path(__file__).with_name("known-replan-diffs.toml")
STEP_TIMEOUT = int(os.environ.get("REHEARSAL_STEP_TIMEOUT", "900"))


class RehearsalError(Exception):
    """Bad input or a missing prerequisite: one line naming what, the value and the fix."""


# --------------------------------------------------------------------------- stack selection


@dataclass(frozen=True)
class StackRef:
    stack: str  # the directory under <outdir>/stacks
    system: str
    environment: str
    path: Path  # cdk.tf.json

    @property
    def label(self) -> str:
        return f"{self.system}/{self.environment}" if self.system else self.stack


def manifest(python: str = "python3", cwd: Path = ROOT) -> list[dict] | None:
    """``main.py --list --json`` when the app offers it, else None (then the stack directories count)."""
    try:
        done = subprocess.run([python, "main.py", "--list", "--json"], cwd=cwd, capture_output=True,
                              text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    try:
        entries = json.loads(done.stdout)
    except json.JSONDecodeError:
        return None
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "stack" in e for e in entries):
        return None
    return entries


def discover(outdir: Path, entries: list[dict] | None) -> list[StackRef]:
    """Every stack of the synth output, in the manifest's order when there is one (manifest entries
    that were not synthesized are left out)."""
    stacks_dir = outdir / "stacks"
    found: list[StackRef] = []
    if entries is not None:
        found = [StackRef(str(e["stack"]), str(e.get("system", "")), str(e.get("environment", e["stack"])),
                          stacks_dir / str(e["stack"]) / "cdk.tf.json") for e in entries]
        found = [s for s in found if s.path.is_file()]  # a synth of a subset (main.py dev) holds only those
    if not found:  # no manifest, or an output the manifest does not describe (e.g. a test's prod-cdn)
        found = [StackRef(d.name, "", d.name, d / "cdk.tf.json")
                 for d in sorted(stacks_dir.iterdir()) if (d / "cdk.tf.json").is_file()] if stacks_dir.is_dir() else []
    if not found:
        raise RehearsalError(f"--outdir {outdir}: no synthesized stack under {stacks_dir} — fix: synthesize first "
                             f"(make synth, or python main.py --outdir {outdir})")
    return found


def select(stacks: Sequence[StackRef], wanted: Iterable[str]) -> list[StackRef]:
    """Stacks named by directory, ``system/environment`` or environment (all of them if none named)."""
    wanted = [w for w in wanted if w]
    if not wanted:
        return list(stacks)
    chosen: list[StackRef] = []
    for name in wanted:
        hits = [s for s in stacks if name in (s.stack, s.label, s.environment)]
        if not hits:
            known = ", ".join(s.label for s in stacks)
            raise RehearsalError(f"STACKS: {name!r} is not a synthesized stack — fix: choose among {known}")
        chosen.extend(h for h in hits if h not in chosen)
    return chosen


def parse_names(text: str | None) -> list[str]:
    return [n for n in (text or "").replace(",", " ").split() if n]


# --------------------------------------------------------------------------- reviewed lists


@dataclass(frozen=True)
class Unsupported:
    type: str
    reason: str
    service: str  # boto3 service name of the probe
    operation: str  # a read-only operation moto must still lack for the entry to stay
    parameters: dict = field(default_factory=dict)


def load_unsupported(path: Path = UNSUPPORTED_FILE) -> list[Unsupported]:
    data = tomllib.loads(path.read_text()) if path.exists() else {}
    return [Unsupported(e["type"], e["reason"], e["service"], e["operation"], dict(e.get("parameters", {})))
            for e in data.get("unsupported", [])]


@dataclass(frozen=True)
class KnownDiff:
    type: str
    attribute: str
    reason: str


def load_known_diffs(path: Path = KNOWN_REPLAN_FILE) -> list[KnownDiff]:
    data = tomllib.loads(path.read_text()) if path.exists() else {}
    return [KnownDiff(e["type"], e["attribute"], e["reason"]) for e in data.get("known", [])]


# --------------------------------------------------------------------------- terraform


def cli_config(directory: Path, mirror: Path) -> Path:
    """A Terraform CLI config that installs providers from the filesystem mirror only."""
    path = directory / "terraformrc"
    partial = directory / f".terraformrc.{os.getpid()}"  # rehearsals running at once share it: write it whole
    partial.write_text('provider_installation {\n  filesystem_mirror {\n    path = "%s"\n  }\n}\n' % mirror)
    partial.replace(path)
    return path


def terraform_env(cli_config_file: Path, scratch: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    env.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=str(scratch / "none"), AWS_SHARED_CREDENTIALS_FILE=str(scratch / "none"),
        CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1", TF_INPUT="0", TF_CLI_CONFIG_FILE=str(cli_config_file),
    )
    return env


@dataclass
class Step:
    ok: bool
    seconds: float
    detail: str = ""


def _run(args: list[str], cwd: Path, env: dict, timeout: int = STEP_TIMEOUT) -> tuple[subprocess.CompletedProcess, float]:
    """Run one terraform command; its output is kept as ``<cwd>/<step>.log`` (see ``--workdir``)."""
    start = time.monotonic()
    try:
        done = subprocess.run(["terraform", *args], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as expired:
        done = subprocess.CompletedProcess(expired.cmd, 124, _text(expired.stdout),
                                           _text(expired.stderr) + f"\ntimed out after {timeout} s")
    if done.returncode != 0 and (hint := unlock_hint(f"{done.stdout}\n{done.stderr}", cwd)):
        done = subprocess.CompletedProcess(done.args, done.returncode, done.stdout, f"{done.stderr}\n{hint}")
    step = args[0] + ("-detailed" if "-detailed-exitcode" in args else "")
    (cwd / f"{step}.log").write_text(f"$ terraform {' '.join(args)}\n{done.stdout}\n{done.stderr}")
    return done, round(time.monotonic() - start, 1)


def _text(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else (value or "")


def _json_lines(text: str) -> list[dict]:
    out = []
    for line in text.splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def _errored(messages: list[dict]) -> list[str]:
    """Addresses of the resources whose create, update or delete failed."""
    return [m["hook"]["resource"]["addr"] for m in messages
            if m.get("type") == "apply_errored" and "resource" in m.get("hook", {})]


def _errors(messages: list[dict], fallback: str = "") -> list[str]:
    found = []
    for m in messages:
        if m.get("type") == "diagnostic" and m.get("diagnostic", {}).get("severity") == "error":
            d = m["diagnostic"]
            where = d.get("address") or ""
            found.append(f"{where}: {d.get('summary', '')} {d.get('detail', '')}".strip(": ").replace("\n", " ")[:600])
    if not found and fallback.strip():
        found.append(fallback.strip().splitlines()[-1][:600])
    return found


# --------------------------------------------------------------------------- one stack


@dataclass
class Change:
    address: str
    actions: list[str]
    attributes: list[str]
    known_emulator: bool
    reasons: list[str]


@dataclass
class StackReport:
    stack: str
    label: str
    ok: bool = False
    init: Step | None = None
    validate: Step | None = None
    validate_errors: int = 0
    validate_warnings: int = 0
    diagnostics: list[str] = field(default_factory=list)
    applied: bool = False
    prerequisites: list[str] = field(default_factory=list)
    planned: int = 0
    created: int = 0
    failed: list[str] = field(default_factory=list)
    accepted_failures: list[str] = field(default_factory=list)
    stale_unsupported: list[str] = field(default_factory=list)
    plan: Step | None = None
    apply: Step | None = None
    replan: Step | None = None
    replan_changes: list[Change] = field(default_factory=list)
    destroy: Step | None = None
    destroy_errors: list[str] = field(default_factory=list)
    destroy_protected: list[str] = field(default_factory=list)
    delivered: list[str] = field(default_factory=list)
    """What the system's delivery did after the apply (tooling/deliver.py), as its deploy role would."""
    delivery_error: str = ""
    verified: list[str] = field(default_factory=list)
    """tooling/verify.py's lines after the delivery (the deployed stack against its JSON and contract)."""
    verify_failed: list[str] = field(default_factory=list)
    recovery: list[str] = field(default_factory=list)
    """Exact steps for what a killed earlier run left (resources to import; see rehearsal/recovery.py)."""
    teardown: Step | None = None
    """``--teardown``, after a destroy refused by the stack's own protection: the stack re-synthesized with
    its protections off (``main.py --teardown``) and applied to what the refusal left."""
    teardown_changes: list[str] = field(default_factory=list)
    teardown_destroy: Step | None = None
    kept: list[str] = field(default_factory=list)
    """What a teardown leaves on purpose (the databases' final snapshots)."""
    seconds: float = 0.0

    emulator: str = ""  # the endpoint this stack was rehearsed against
    earlier_attempts: list[str] = field(default_factory=list)
    """``--retries``: why each earlier attempt of this stack did not pass (one line each), oldest first."""

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "StackReport":
        """The report :meth:`as_dict` gave (a stack rehearsed by another process, read back)."""
        values = dict(data)
        for name in ("init", "validate", "plan", "apply", "replan", "destroy", "teardown", "teardown_destroy"):
            if values.get(name) is not None:
                values[name] = Step(**values[name])
        values["replan_changes"] = [Change(**c) for c in values.get("replan_changes", [])]
        return cls(**values)


def changed_attributes(change: dict) -> list[str]:
    """Top-level attributes whose value differs between ``before`` and ``after`` (or becomes unknown)."""
    before, after = change.get("before") or {}, change.get("after") or {}
    unknown = change.get("after_unknown") or {}
    keys = sorted(set(before) | set(after) | set(k for k, v in unknown.items() if v))
    return [k for k in keys if before.get(k) != after.get(k) or unknown.get(k)]


def classify(resource_changes: list[dict], known: Sequence[KnownDiff]) -> list[Change]:
    changes = []
    for rc in resource_changes:
        actions = rc.get("change", {}).get("actions", [])
        if actions in (["no-op"], ["read"]):
            continue
        attributes = changed_attributes(rc["change"]) if "update" in actions else []
        matches = [k for k in known if k.type == rc.get("type") and (k.attribute in attributes or k.attribute == "*")]
        is_known = bool(attributes) and all(any(k.attribute in (a, "*") for k in matches) for a in attributes)
        changes.append(Change(rc["address"], actions, attributes, is_known, sorted({k.reason for k in matches})))
    return changes


def validate_stack(ref: StackRef, scratch: Path, endpoint: str, env: dict) -> StackReport:
    """Write the rehearsal copy, ``terraform init`` from the mirror, ``terraform validate``."""
    report = StackReport(ref.stack, ref.label, emulator=endpoint)
    started = time.monotonic()
    workdir = scratch / ref.stack
    if workdir.exists():
        shutil.rmtree(workdir)
    write_rehearsal_copy(ref.path, workdir, endpoint)

    done, seconds = _run(["init", "-input=false", "-no-color"], workdir, env)
    report.init = Step(done.returncode == 0, seconds, "" if done.returncode == 0 else _tail(done))
    if report.init.ok:
        done, seconds = _run(["validate", "-json", "-no-color"], workdir, env)
        try:
            result = json.loads(done.stdout)
        except json.JSONDecodeError:
            result = {"valid": False, "error_count": 1, "warning_count": 0,
                      "diagnostics": [{"severity": "error", "summary": _tail(done)[-600:]}]}
        report.validate_errors = result.get("error_count", 0)
        report.validate_warnings = result.get("warning_count", 0)
        report.diagnostics = [
            f"{d.get('severity')}: {d.get('summary')}: {d.get('detail', '')}".replace("\n", " ")[:600]
            for d in result.get("diagnostics", [])]
        report.validate = Step(bool(result.get("valid")) and done.returncode == 0, seconds)
    report.ok = bool(report.validate and report.validate.ok and report.validate_warnings == 0)
    report.seconds = round(time.monotonic() - started, 1)
    return report


def seed_prerequisites(document: dict, endpoint: str) -> list[str]:
    """Create in the emulator what the stack reads but does not create, as its README asks the user
    to have: today the public Route 53 hosted zone named by a ``data.aws_route53_zone``."""
    from rehearsal.emulator import ProbeSession

    notes = []
    for zone in document.get("data", {}).get("aws_route53_zone", {}).values():
        name = zone.get("name")
        if not isinstance(name, str) or "${" in name or zone.get("private_zone"):
            continue
        ProbeSession(endpoint).client("route53").create_hosted_zone(Name=name, CallerReference=f"rehearsal-{name}")
        notes.append(f"created the public hosted zone {name} the stack expects to exist (data.aws_route53_zone)")
    return notes


def apply_cycle(report: StackReport, scratch: Path, env: dict, *, unsupported: Sequence[Unsupported] = (),
                known: Sequence[KnownDiff] = (), parallelism: int = 10, endpoint: str | None = None) -> StackReport:
    """plan → apply → plan -detailed-exitcode (must be empty) → destroy, in the validated copy."""
    if not report.ok:
        return report
    started = time.monotonic()
    report.applied = True
    if endpoint is not None:
        document = json.loads((scratch / report.stack / "main.tf.json").read_text())
        report.prerequisites = seed_prerequisites(document, endpoint)
    report.ok = _cycle(report, scratch / report.stack, env, unsupported, known, parallelism,
                       endpoint=endpoint)
    report.seconds = round(report.seconds + time.monotonic() - started, 1)
    return report


def deliver_and_verify(report: StackReport, document: dict, endpoint: str) -> bool:
    """After the apply: the system's documented delivery (a new image and revision per service, new code
    per function), then the verification of the deployed stack. False when either fails."""
    from systems import BY_NAME
    from tooling.deliver import _client, deliver_stack
    from tooling.verify import checks

    system, _, environment = report.label.partition("/")
    if system not in BY_NAME or not (Path(__file__).resolve().parents[1] / "systems" / BY_NAME[system].package
                                     / "contract.py").is_file():
        return True  # a system without an application (the account baseline): nothing to deliver
    region = next(p["region"] for p in document["provider"]["aws"] if "alias" not in p)
    try:
        report.delivered = [f"{d.what}: {d.detail}" for d in
                            deliver_stack(document, system=system, environment=environment, tag="rehearsal-1",
                                          endpoint_url=endpoint)]
        found = checks(document, system=system, environment=environment,
                       client=lambda service: _client(service, region, endpoint), emulator=True)
    except Exception as error:  # noqa: BLE001 (an emulator answer): the report says what
        report.delivery_error = f"{type(error).__name__}: {' '.join(str(error).split())}"[:600]
        return False
    report.verified = [c.line() for c in found]
    report.verify_failed = [c.line() for c in found if not c.ok]
    return not report.verify_failed


def _cycle(report: StackReport, workdir: Path, env: dict, unsupported: Sequence[Unsupported],
           known: Sequence[KnownDiff], parallelism: int, endpoint: str | None = None) -> bool:
    par = f"-parallelism={parallelism}"
    done, seconds = _run(["plan", "-input=false", "-no-color", par, "-out=rehearsal.tfplan"], workdir, env)
    report.plan = Step(done.returncode == 0, seconds, "" if done.returncode == 0 else _tail(done))
    if not report.plan.ok:
        return False
    shown, _ = _run(["show", "-json", "rehearsal.tfplan"], workdir, env)
    planned = json.loads(shown.stdout).get("resource_changes", []) if shown.returncode == 0 else []
    creates = [rc for rc in planned if "create" in rc["change"]["actions"] and rc.get("mode") == "managed"]
    report.planned = len(creates)

    done, seconds = _run(["apply", "-input=false", "-no-color", "-json", par, "rehearsal.tfplan"], workdir, env)
    (workdir / "apply.jsonl").write_text(done.stdout)  # Terraform's own log, kept for a reader
    messages = _json_lines(done.stdout)
    report.created = sum(1 for m in messages if m.get("type") == "apply_complete"
                         and m.get("hook", {}).get("action") == "create")
    errors = _errors(messages, "" if done.returncode == 0 else done.stderr)
    unsupported_types = {u.type: u for u in unsupported}
    errored = _errored(messages)
    accepted = [a for a in errored if a.split(".")[0] in unsupported_types]
    report.accepted_failures = [f"{a} (reviewed: {unsupported_types[a.split('.')[0]].reason})" for a in accepted]
    others = [a for a in errored if a not in accepted]
    report.failed = [*others, *errors] if others or (errors and not errored) else []
    missing = report.planned - report.created - len(accepted)
    if missing > 0 and not report.failed:  # every planned resource is created, or its failure is named
        report.failed = [f"{missing} of {report.planned} planned resource(s) were neither created nor reported failed"]
    report.apply = Step(done.returncode == 0, seconds, "\n".join(errors))
    report.recovery = import_steps(messages, json.loads((workdir / "main.tf.json").read_text()), workdir)
    created_types = {m["hook"]["resource"]["resource_type"] for m in messages
                     if m.get("type") == "apply_complete" and "resource" in m.get("hook", {})}
    failed_types = {a.split(".")[0] for a in accepted}
    report.stale_unsupported = sorted(t for t in unsupported_types if t in created_types and t not in failed_types)

    # the documented delivery, as the deploy role would, then the re-plan: CI owns the image and the
    # code (ignore_changes), Terraform the rest, so the re-plan must still be empty
    delivered = True
    if endpoint is not None and not report.failed:
        delivered = deliver_and_verify(report, json.loads((workdir / "main.tf.json").read_text()), endpoint)

    done, seconds = _run(["plan", "-input=false", "-no-color", par, "-detailed-exitcode", "-out=replan.tfplan"],
                         workdir, env)
    report.replan = Step(done.returncode == 0, seconds, "" if done.returncode in (0, 2) else _tail(done))
    done_replan = done.returncode
    if done.returncode == 2:
        shown, _ = _run(["show", "-json", "replan.tfplan"], workdir, env)
        if shown.returncode == 0:
            report.replan_changes = classify(json.loads(shown.stdout).get("resource_changes", []), known)

    done, seconds = _run(["destroy", "-auto-approve", "-input=false", "-no-color", "-json", par], workdir, env)
    (workdir / "destroy.jsonl").write_text(done.stdout)
    messages = _json_lines(done.stdout)
    errors = _errors(messages, "" if done.returncode == 0 else done.stderr)
    errored = _errored(messages)
    guarded = protected(json.loads((workdir / "main.tf.json").read_text()))
    report.destroy_protected = [a for a in errored if a in guarded]
    unguarded = [a for a in errored if a not in guarded]
    report.destroy_errors = [*unguarded, *errors] if unguarded or (errors and not errored) else []
    if not report.destroy_protected and not report.destroy_errors:  # nothing refused: nothing may be left
        left = left_in_state(workdir / "terraform.tfstate")
        if left:
            report.destroy_errors = [f"left in the state after destroy: {', '.join(left[:5])}"
                                     + (f" (+{len(left) - 5} more)" if len(left) > 5 else "")]
    # refused only by the stack's own protection (e.g. prod's database): what the configuration asks for
    report.destroy = Step(not report.destroy_errors, seconds, "\n".join(errors or report.destroy_errors))
    # What the emulator cannot create (reviewed list) stays planned; anything else re-planned fails.
    leftover = [c for c in report.replan_changes
                if not (c.actions == ["create"] and c.address.split(".")[0] in unsupported_types)]
    replan_empty = report.replan.ok or (done_replan == 2 and not leftover and report.replan_changes)
    return (not report.failed and bool(replan_empty) and report.destroy.ok and not report.stale_unsupported
            and delivered)


def teardown(report: StackReport, ref: StackRef, scratch: Path, env: dict, *, parallelism: int = 10,
             endpoint: str | None = None, python: str = sys.executable) -> StackReport:
    """The documented way to tear a protected environment down, after its destroy was refused:

    1. ``main.py --teardown <system:env>``: the same stack with every protection against a destroy off
       (``modules/teardown.py``), written over the rehearsal copy (the state stays);
    2. ``plan -target`` each resource the refusal named: it may only update protection attributes
       (``modules.teardown.PROTECTION_ATTRIBUTES``) — anything else fails the teardown unapplied;
       then ``apply`` it;
    3. ``destroy``: nothing may be left in the state. The databases' final snapshots are what a teardown
       keeps on purpose (``kept``).
    """
    if not report.destroy_protected:
        return report
    from modules.teardown import PROTECTION_ATTRIBUTES

    started = time.monotonic()
    workdir = scratch / report.stack

    def failed(detail: str) -> StackReport:
        report.teardown = Step(False, round(time.monotonic() - started, 1), detail)
        report.ok = False
        return report

    if not ref.system:
        return failed("no system and environment for this stack (main.py --list --json gave no manifest): "
                      "main.py --teardown cannot name it")
    out = scratch / f"{ref.stack}.teardown-out"
    synth = subprocess.run([python, "main.py", "--teardown", f"{ref.system}:{ref.environment}", "--outdir", str(out)],
                           cwd=ROOT, capture_output=True, text=True, timeout=STEP_TIMEOUT)
    if synth.returncode != 0:
        return failed(f"main.py --teardown {ref.system}:{ref.environment} exited {synth.returncode}: "
                      + (synth.stderr.strip().splitlines() or ["no output"])[0])
    write_rehearsal_copy(out / "stacks" / ref.stack / "cdk.tf.json", workdir, endpoint or report.emulator)
    shutil.rmtree(out, ignore_errors=True)
    targets = [f"-target={address}" for address in report.destroy_protected]
    par = f"-parallelism={parallelism}"
    done, _ = _run(["plan", "-input=false", "-no-color", par, *targets, "-out=teardown.tfplan"], workdir, env)
    if done.returncode != 0:
        return failed(f"plan: {_tail(done)}")
    shown, _ = _run(["show", "-json", "teardown.tfplan"], workdir, env)
    changes = json.loads(shown.stdout).get("resource_changes", []) if shown.returncode == 0 else []
    other = []
    for rc in changes:
        actions = rc.get("change", {}).get("actions", [])
        if actions in (["no-op"], ["read"]):
            continue
        attributes = changed_attributes(rc["change"])
        report.teardown_changes.append(f"{rc['address']} {'/'.join(actions)} {', '.join(attributes)}")
        if actions != ["update"] or not set(attributes) <= PROTECTION_ATTRIBUTES:
            other.append(rc["address"])
    if other or not report.teardown_changes:
        return failed("the teardown plan " + (f"changes more than protections: {', '.join(other)}" if other
                                              else "switches no protection off") + " — not applied")
    done, _ = _run(["apply", "-input=false", "-no-color", par, "teardown.tfplan"], workdir, env)
    if done.returncode != 0:
        return failed(f"apply: {_tail(done)}")
    report.teardown = Step(True, round(time.monotonic() - started, 1))
    done, seconds = _run(["destroy", "-auto-approve", "-input=false", "-no-color", "-json", par], workdir, env)
    (workdir / "teardown-destroy.jsonl").write_text(done.stdout)
    errors = _errors(_json_lines(done.stdout), "" if done.returncode == 0 else done.stderr)
    left = left_in_state(workdir / "terraform.tfstate")
    if left:
        errors.append(f"left in the state after the teardown's destroy: {', '.join(left[:5])}"
                      + (f" (+{len(left) - 5} more)" if len(left) > 5 else ""))
    report.teardown_destroy = Step(done.returncode == 0 and not left, seconds, "\n".join(errors))
    report.kept = final_snapshots(endpoint or report.emulator)
    report.ok = report.ok and report.teardown_destroy.ok
    report.seconds = round(report.seconds + time.monotonic() - started, 1)
    return report


def final_snapshots(endpoint: str) -> list[str]:
    """The manual DB and DB cluster snapshots in the emulator: what a teardown keeps on purpose."""
    from rehearsal.emulator import ProbeSession

    rds = ProbeSession(endpoint).client("rds")
    kept = [f"RDS snapshot {s['DBSnapshotIdentifier']}" for s in rds.describe_db_snapshots(
        SnapshotType="manual").get("DBSnapshots", [])]
    kept += [f"Aurora cluster snapshot {s['DBClusterSnapshotIdentifier']}" for s in rds.describe_db_cluster_snapshots(
        SnapshotType="manual").get("DBClusterSnapshots", [])]
    return sorted(kept)


def left_in_state(state_file: Path) -> list[str]:
    """Managed resources still in a local state file (data sources do not count)."""
    try:
        state = json.loads(state_file.read_text())
    except (OSError, ValueError):
        return []
    return [f"{r['type']}.{r['name']}" for r in state.get("resources", []) if r.get("mode") == "managed"]


def protected(document: dict) -> set[str]:
    """Addresses the configuration itself protects from a destroy: deletion protection on (RDS, load
    balancers, DynamoDB tables), or a bucket / repository that keeps its contents (force_destroy /
    force_delete off)."""
    found = set()
    for rtype, resources in document.get("resource", {}).items():
        for name, r in resources.items():
            if (r.get("deletion_protection") is True or r.get("enable_deletion_protection") is True
                    or r.get("deletion_protection_enabled") is True
                    or (rtype == "aws_s3_bucket" and r.get("force_destroy") is not True)
                    or (rtype == "aws_ecr_repository" and r.get("force_delete") is not True)):
                found.add(f"{rtype}.{name}")
    return found


def _tail(done: subprocess.CompletedProcess) -> str:
    return ((done.stdout or "") + "\n" + (done.stderr or "")).strip()[-2000:]


def stale_unsupported(entries: Sequence[Unsupported], endpoint: str, stack_types: set[str]) -> list[str]:
    """Reviewed entries that no longer hold: the emulator answers the probe, or no stack uses the type."""
    from botocore.exceptions import ClientError

    from rehearsal.emulator import ProbeSession

    stale = []
    for entry in entries:
        if entry.type not in stack_types:
            stale.append(f"{entry.type}: no synthesized stack uses it — remove the entry")
            continue
        client = ProbeSession(endpoint).client(entry.service)
        try:
            getattr(client, entry.operation)(**entry.parameters)
        except ClientError as error:
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            code = error.response.get("Error", {}).get("Code", "")
            # a 5xx, "not implemented", an unknown action, or a bare 404 of a route moto does not have
            if (status >= 500 or "not been implemented" in str(error) or code == str(status)
                    or code in ("InvalidAction", "UnknownOperation", "UnknownOperationException")):
                continue  # still unsupported
        except Exception:
            continue  # an answer the SDK cannot parse: still unsupported
        stale.append(f"{entry.type}: the emulator now answers {entry.service}.{entry.operation} — remove the entry "
                      "and rehearse the stacks that use it")
    return stale


def resource_types(documents: Iterable[dict]) -> set[str]:
    """Every resource type the synthesized documents use."""
    types: set[str] = set()
    for document in documents:
        types |= set(document.get("resource", {}))
    return types
