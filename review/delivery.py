"""Delivering the infrastructure: what a change touches, the policy on a plan, the reviewed plan and
the commit it belongs to, and drift. Every decision the workflows make (.github/workflows/plan.yml,
apply.yml, drift.yml) is taken here, in Python, and tested; the YAML only runs Terraform and this.

    python -m review affected --base BASE_OUTDIR --head HEAD_OUTDIR    # the stacks a change touches
    python -m review removed ROWS_JSON                                 # fails when a stack was removed
    python -m review plan-policy --plan PLAN_JSON --stack S --environment E [--allow-replace S:ADDR,...]
    python -m review plan-manifest write|verify ...                    # the reviewed plan, its commit and synth
    python -m review apply --stacks-json ROWS --outdir DIR --plans DIR --commit SHA
    python -m review drift --stack-dir DIR --stack S                   # terraform plan -detailed-exitcode
    python -m review drift-report --results DIR --expect ROWS_JSON
    python -m review stacks --github-output FILE                       # every stack (main.py --list --json)

Standard library only (plus ``main.py``'s manifest, itself free of jsii): the workflows' plan, apply
and drift jobs run it with the runner's ``python3``, without the project's venv.

Exit status: 0 passed, 1 refused (a removed stack, a plan the policy stops, a plan that is not the
reviewed one, drift), 2 bad input (one line ``error: ... — fix: ...``, no traceback).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

STACK_FILE = "cdk.tf.json"
ASSETS_DIR = "assets"
EXIT_OK, EXIT_REFUSED, EXIT_BAD_INPUT = 0, 1, 2
DOCS = "docs/delivery.md"


class DeliveryError(Exception):
    """Bad input: the message is one line, ``what — fix: how``."""


# =========================================================================== the stacks a change touches
#
# A stack is what Terraform reads from its directory: cdk.tf.json and the files it references, which
# cdktf puts under assets/ (Lambda packages). The "//" properties cdktf writes are left out: Terraform's
# JSON syntax treats a "//" property of an object that represents a block as a comment, and cdktf puts
# them only there (the document's root: the cdktf version, the stack name, the output names; each
# resource and data source: its construct path and logical id). A "//" key anywhere else (inside an
# attribute value such as a map of tags) is data and counts.

_BLOCKS_WITH_LABELS = {  # top-level key -> how many labels its blocks have (resource "type" "name" = 2)
    "resource": 2, "data": 2, "ephemeral": 2, "output": 1, "variable": 1, "module": 1, "check": 1,
}


def normalized(document: dict) -> dict:
    """``document`` without the cosmetic ``//`` comments of its blocks (see above)."""
    out = copy.deepcopy(document)
    out.pop("//", None)
    for section, labels in _BLOCKS_WITH_LABELS.items():
        for body in _blocks(out.get(section), labels):
            body.pop("//", None)
    for bodies in (out.get("provider") or {}).values():  # provider "aws" is a list of blocks (aliases)
        for body in bodies if isinstance(bodies, list) else [bodies]:
            if isinstance(body, dict):
                body.pop("//", None)
    if isinstance(out.get("terraform"), dict):
        out["terraform"].pop("//", None)
    return out


def _blocks(value, labels: int) -> Iterable[dict]:
    if not isinstance(value, dict):
        return
    for item in value.values():
        if labels > 1:
            yield from _blocks(item, labels - 1)
        elif isinstance(item, dict):
            yield item


@dataclass(frozen=True)
class StackInputs:
    """What Terraform reads from one stack directory."""

    name: str
    document: dict  # normalized
    assets: dict[str, str]  # path under the stack directory -> sha256

    @property
    def digest(self) -> str:
        text = json.dumps({"document": self.document, "assets": self.assets}, sort_keys=True,
                          separators=(",", ":"), ensure_ascii=False)
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()

    @property
    def environment(self) -> str:
        return _default_tag(self.document, "Environment") or self.name

    @property
    def system(self) -> str:
        return _default_tag(self.document, "Project") or ""

    @property
    def backend(self) -> dict:
        return ((self.document.get("terraform") or {}).get("backend") or {}).get("s3") or {}


def _default_tag(document: dict, tag: str) -> str | None:
    for provider in (document.get("provider") or {}).get("aws") or []:
        for block in provider.get("default_tags") or []:
            if tag in (block.get("tags") or {}):
                return block["tags"][tag]
    return None


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_stack(stack_dir: Path) -> StackInputs:
    """The inputs of the stack in ``stack_dir`` (its ``cdk.tf.json`` and ``assets/``)."""
    path = stack_dir / STACK_FILE
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise DeliveryError(f"{stack_dir}: no {STACK_FILE} — fix: point at a synthesized stack directory "
                            "(<outdir>/stacks/<stack>)") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise DeliveryError(f"{path}: not valid JSON ({_one_line(error)}) — fix: synthesize again "
                            "(python main.py --outdir DIR)") from None
    if not isinstance(document, dict):
        raise DeliveryError(f"{path}: not a Terraform JSON document (a {type(document).__name__}) — fix: "
                            "synthesize again (python main.py --outdir DIR)")
    assets: dict[str, str] = {}
    root = stack_dir / ASSETS_DIR
    if root.is_dir():
        for file in sorted(p for p in root.rglob("*") if p.is_file()):
            assets[file.relative_to(stack_dir).as_posix()] = _sha256_file(file)
    return StackInputs(stack_dir.name, normalized(document), assets)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


def read_output(outdir: Path, flag: str) -> dict[str, StackInputs]:
    """Every stack of a synth output (``<outdir>/stacks/<stack>/cdk.tf.json``), by name."""
    if not outdir.exists():
        raise DeliveryError(f"{flag} {outdir}: no such directory — fix: synthesize into it first "
                            f"(python main.py --outdir {outdir})")
    if not outdir.is_dir():
        raise DeliveryError(f"{flag} {outdir}: not a directory — fix: pass the synth output directory "
                            "(the one holding stacks/)")
    stacks_dir = outdir / "stacks"
    found = sorted(p.parent for p in stacks_dir.glob(f"*/{STACK_FILE}")) if stacks_dir.is_dir() else []
    if not found:
        raise DeliveryError(f"{flag} {outdir}: not a synth output (no stacks/<stack>/{STACK_FILE}) — fix: "
                            f"pass the directory main.py wrote (python main.py --outdir {outdir})")
    return {d.name: read_stack(d) for d in found}


def differences(base: StackInputs, head: StackInputs) -> list[str]:
    """What differs between two versions of a stack, one short phrase per address or section."""
    found: list[str] = []
    a, b = base.document, head.document
    for section in sorted(set(a) | set(b)):
        if section in ("resource", "data", "ephemeral"):
            prefix = "" if section == "resource" else f"{section}."
            left, right = a.get(section) or {}, b.get(section) or {}
            for rtype in sorted(set(left) | set(right)):
                names_a, names_b = left.get(rtype) or {}, right.get(rtype) or {}
                for name in sorted(set(names_a) | set(names_b)):
                    address = f"{prefix}{rtype}.{name}"
                    if name not in names_a:
                        found.append(f"{address} added")
                    elif name not in names_b:
                        found.append(f"{address} removed")
                    elif names_a[name] != names_b[name]:
                        found.append(f"{address} changed")
        elif a.get(section) != b.get(section):
            found.append(f"{section} changed")
    for path in sorted(set(base.assets) | set(head.assets)):
        if path not in base.assets:
            found.append(f"{path} added")
        elif path not in head.assets:
            found.append(f"{path} removed")
        elif base.assets[path] != head.assets[path]:
            found.append(f"{path} changed")
    return found


@dataclass
class Affected:
    plan: list[dict]  # rows to plan (changed or new), in manifest order
    removed: list[dict]  # rows only the base has, not approved
    removed_allowed: list[dict]
    unchanged: list[str]
    total: int  # stacks of the head output
    reasons: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"plan": self.plan, "removed": self.removed, "removed_allowed": self.removed_allowed,
                "unchanged": self.unchanged, "total": self.total, "reasons": self.reasons}


def current_manifest() -> list[dict]:
    """``main.py --list --json`` of this checkout (no synth, no jsii)."""
    import main

    return main.manifest(main.parse_selection([]))


def _row(inputs: StackInputs, known: dict | None, change: str) -> dict:
    if known is not None:
        row = dict(known)
    else:  # not in this checkout's manifest (a removed stack, or another checkout's): from its own JSON
        backend = inputs.backend
        row = {"system": inputs.system, "environment": inputs.environment, "stack": inputs.name,
               "state_bucket": backend.get("bucket", ""), "state_key": backend.get("key", ""),
               "lock_table": backend.get("dynamodb_table", "")}
    row["change"] = change
    row["digest"] = inputs.digest
    return row


def affected(base: dict[str, StackInputs] | None, head: dict[str, StackInputs], manifest: Sequence[dict],
             allow_removed: Iterable[str] = ()) -> Affected:
    """Stacks of ``head`` whose inputs differ from ``base`` or that ``base`` lacks, in manifest order,
    and the stacks only ``base`` has (removed). ``base`` None: the base did not synthesize, every stack
    of ``head`` is planned."""
    by_stack = {row["stack"]: row for row in manifest}
    order = [row["stack"] for row in manifest if row["stack"] in head]
    order += sorted(name for name in head if name not in by_stack)
    plan, unchanged, reasons = [], [], {}
    for name in order:
        inputs = head[name]
        if base is None:
            plan.append(_row(inputs, by_stack.get(name), "no-base"))
            reasons[name] = ["the base did not synthesize: planned without a comparison"]
        elif name not in base:
            plan.append(_row(inputs, by_stack.get(name), "new"))
            reasons[name] = ["not in the base: a new stack"]
        elif base[name].digest != inputs.digest:
            plan.append(_row(inputs, by_stack.get(name), "changed"))
            reasons[name] = differences(base[name], inputs)
        else:
            unchanged.append(name)
    allowed = set(allow_removed)
    removed, removed_allowed = [], []
    for name in sorted(base or {}):
        if name not in head:
            row = _row(base[name], None, "removed")
            (removed_allowed if name in allowed else removed).append(row)
            reasons[name] = [f"only in the base: its {len(_addresses(base[name].document))} resource(s) "
                             "would be orphaned"]
    return Affected(plan, removed, removed_allowed, unchanged, len(head), reasons)


def _addresses(document: dict) -> list[str]:
    return [f"{t}.{n}" for t, items in (document.get("resource") or {}).items() for n in (items or {})]


def split_by_stage(rows: Sequence[dict], stages: Sequence[str]) -> dict[str, list[dict]]:
    """The rows of each stage (environment), in their order; a row of no stage is bad input."""
    for row in rows:
        if row["environment"] not in stages:
            raise DeliveryError(
                f"stack {row['stack']} (environment {row['environment']}) has no apply stage; stages: "
                f"{', '.join(stages)} — fix: add an apply-{row['environment']} job to .github/workflows/apply.yml "
                f"and {row['environment']} to its --stages")
    return {stage: [r for r in rows if r["environment"] == stage] for stage in stages}


def _matrix_row(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != "reasons"}


def _compact(value) -> str:
    return json.dumps(value, separators=(",", ":"))


def _state(row: dict) -> str:
    return f"s3://{row['state_bucket']}/{row['state_key']}" if row.get("state_bucket") else "(no S3 backend)"


def removed_line(row: dict) -> str:
    return (f"REMOVED: stack {row['stack']} is no longer synthesized, but its state "
            f"{_state(row)} still holds its resources: merged as is, they stay in AWS, orphaned (no "
            f"workflow destroys them) — fix: destroy the stack from the base branch first ({DOCS} "
            f"\"Removing a stack\"), then approve the removal with the label remove-stack:{row['stack']}")


def affected_text(result: Affected) -> str:
    lines = [f"affected: {len(result.plan)} of {result.total} stack(s) to plan"
             + (f", {len(result.removed) + len(result.removed_allowed)} removed" if result.removed
                or result.removed_allowed else "")]
    width = max([len(r["stack"]) for r in result.plan] + [8])
    for row in result.plan:
        why = result.reasons.get(row["stack"], [])
        shown = "; ".join(why[:3]) + (f" (+{len(why) - 3} more)" if len(why) > 3 else "")
        lines.append(f"  {row['stack']:<{width}}  {row['change']:<8} {shown}")
    lines.append(f"unchanged: {', '.join(result.unchanged) if result.unchanged else 'none'}")
    for row in result.removed:
        lines.append(removed_line(row))
    for row in result.removed_allowed:
        lines.append(f"removed (approved by remove-stack:{row['stack']}): stack {row['stack']}, state {_state(row)}")
    return "\n".join(lines)


def affected_markdown(result: Affected) -> str:
    lines = [f"## Stacks this change touches: {len(result.plan)} of {result.total}", ""]
    if result.plan:
        lines += ["| stack | system | environment | change | why |", "|---|---|---|---|---|"]
        for row in result.plan:
            why = result.reasons.get(row["stack"], [])
            shown = "<br>".join(f"`{w}`" for w in why[:10]) + (f"<br>(+{len(why) - 10} more)" if len(why) > 10 else "")
            lines.append(f"| {row['stack']} | {row['system']} | {row['environment']} | {row['change']} | {shown} |")
    else:
        lines.append("No stack's Terraform changes: nothing to plan.")
    lines += ["", f"Unchanged, not planned: {', '.join(result.unchanged) if result.unchanged else 'none'}"]
    if result.removed:
        lines += ["", "### REMOVED STACKS: their resources would be orphaned", ""]
        lines += [f"- {removed_line(row)}" for row in result.removed]
    if result.removed_allowed:
        lines += ["", "### Removed stacks (approved)", ""]
        lines += [f"- {row['stack']}: state {_state(row)}" for row in result.removed_allowed]
    return "\n".join(lines) + "\n"


def github_outputs(result: Affected, stages: Sequence[str] | None) -> list[str]:
    """``name=value`` lines for ``$GITHUB_OUTPUT``: the plan matrix, the removed stacks, one list per stage."""
    lines = [f"stacks={_compact([_matrix_row(r) for r in result.plan])}",
             f"removed={_compact([_matrix_row(r) for r in result.removed])}",
             f"count={len(result.plan)}"]
    if stages:
        for stage, rows in split_by_stage(result.plan, stages).items():
            lines.append(f"{stage}={_compact([_matrix_row(r) for r in rows])}")
    return lines


def parse_list(text: str | None) -> list[str]:
    """Items of a comma- or whitespace-separated list (empty items dropped)."""
    return [item for item in re.split(r"[,\s]+", text or "") if item]


def labels_allowing_removal(labels: Iterable[str]) -> list[str]:
    return [label.split(":", 1)[1] for label in labels if label.startswith("remove-stack:") and label[13:]]


def _append(path: str | None, text: str) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text if text.endswith("\n") else text + "\n")


def run_affected(args) -> int:
    head = read_output(Path(args.head), "--head")
    base_dir = Path(args.base)
    if args.all_without_base and not base_dir.exists():
        base = None
    else:
        base = read_output(base_dir, "--base")
    stages = parse_list(args.stages) if args.stages else None
    if args.stages is not None and not stages:
        raise DeliveryError("--stages '': no stage named — fix: name the environments in apply order, e.g. "
                            "--stages dev,staging,prod")
    allowed = parse_list(args.allow_removed) + labels_allowing_removal(parse_list(args.labels))
    result = affected(base, head, current_manifest(), allowed)
    outputs = github_outputs(result, stages)  # checks the stages before anything is written
    if args.json:
        print(json.dumps(result.as_dict(), indent=2))
    else:
        print(affected_text(result))
    if result.removed and not args.json:
        for row in result.removed:  # an annotation on the run, beside the summary
            print(f"::error title=stack {row['stack']} removed::{removed_line(row)}")
    _append(args.github_output, "\n".join(outputs))
    _append(args.summary, affected_markdown(result))
    return EXIT_OK


def run_removed(args) -> int:
    """The workflows' removed-stacks job: one line per removed stack, exit 1 if there is any."""
    try:
        rows = json.loads(args.rows)
    except ValueError as error:
        raise DeliveryError(f"ROWS_JSON: not JSON ({_one_line(error)}) — fix: pass the removed output of "
                            "python -m review affected") from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) and "stack" in r for r in rows):
        raise DeliveryError("ROWS_JSON: not a list of stack rows — fix: pass the removed output of "
                            "python -m review affected")
    if not rows:
        print("removed: none")
        return EXIT_OK
    for row in rows:
        print(removed_line(row))
    return EXIT_REFUSED


def run_stacks(args) -> int:
    rows = current_manifest()
    print(json.dumps(rows, indent=2))
    _append(args.github_output, f"stacks={_compact(rows)}")
    return EXIT_OK


# =========================================================================== the policy on a plan
#
# What only a plan shows: a resource that holds state being replaced or deleted. The stateful types,
# in one place. The data stores (database, cache, bucket, table) are never replaced or deleted in prod
# by the pipeline; every stateful replacement or deletion elsewhere (and prod's other stateful types)
# needs an explicit approval naming it: allow_replace=<stack>:<address>.


@dataclass(frozen=True)
class Stateful:
    category: str
    loss: str  # what a replacement or deletion loses
    data_store: bool = False  # database, cache, bucket, table: refused in prod whatever the approval


_DB = "the data, unless restored from a snapshot"
STATEFUL: dict[str, Stateful] = {
    # data stores
    "aws_db_instance": Stateful("database", _DB, True),
    "aws_rds_cluster": Stateful("database", _DB, True),
    "aws_rds_cluster_instance": Stateful("database", "a member of the cluster: its endpoint and warm cache", True),
    "aws_rds_global_cluster": Stateful("database", _DB, True),
    "aws_docdb_cluster": Stateful("database", _DB, True),
    "aws_neptune_cluster": Stateful("database", _DB, True),
    "aws_redshift_cluster": Stateful("database", _DB, True),
    "aws_elasticache_replication_group": Stateful("cache", "every key and session it holds", True),
    "aws_elasticache_cluster": Stateful("cache", "every key and session it holds", True),
    "aws_elasticache_serverless_cache": Stateful("cache", "every key and session it holds", True),
    "aws_memorydb_cluster": Stateful("cache", "every key it holds", True),
    "aws_s3_bucket": Stateful("bucket", "every object in it", True),
    "aws_dynamodb_table": Stateful("table", "every item in it", True),
    # other state
    "aws_eks_cluster": Stateful("Kubernetes cluster", "every workload, volume claim and access entry on it"),
    "aws_kms_key": Stateful("encryption key", "the ability to decrypt what it encrypted, once deletion completes"),
    "aws_secretsmanager_secret": Stateful("secret", "the value set out of band (set it again by hand)"),
    "aws_efs_file_system": Stateful("file system", "every file on it"),
    "aws_ecr_repository": Stateful("image repository", "every image in it (deployed tasks pull them)"),
    "aws_sqs_queue": Stateful("queue", "the messages in flight"),
    "aws_kinesis_stream": Stateful("stream", "the records it retains"),
    "aws_cloudwatch_log_group": Stateful("log group", "the logs it retains"),
    "aws_codestarconnections_connection": Stateful(
        "GitHub connection", "its authorization: a new one is PENDING until completed by hand in the console"),
    "aws_cognito_user_pool": Stateful("user pool", "every user and password"),
    "aws_eip": Stateful("public IP address", "the address others allow-list"),
    "aws_route53_zone": Stateful("hosted zone", "its name servers (the parent's delegation breaks)"),
    "aws_backup_vault": Stateful("backup vault", "the recovery points in it"),
}
PROTECTED_ENVIRONMENTS = ("prod",)
_QUIET = (["no-op"], ["read"])


@dataclass
class Finding:
    stack: str
    address: str
    type: str
    actions: list[str]
    stateful: Stateful
    forced_by: list[str]
    verdict: str = ""  # refused | protected | approved | needs-approval

    @property
    def key(self) -> str:
        return f"{self.stack}:{self.address}"

    @property
    def what(self) -> str:
        return "replaced" if "create" in self.actions else "deleted"

    def describe(self) -> str:
        forced = f"; forced by {', '.join(self.forced_by)}" if self.forced_by else ""
        return (f"{self.address} would be {self.what} ({self.stateful.category}: loses "
                f"{self.stateful.loss}{forced})")

    def as_dict(self) -> dict:
        return {"address": self.address, "type": self.type, "actions": self.actions, "what": self.what,
                "category": self.stateful.category, "data_store": self.stateful.data_store,
                "forced_by": self.forced_by, "verdict": self.verdict}


def load_plan(path: Path, flag: str = "--plan") -> dict:
    """The JSON of a saved plan (``terraform show -json tfplan``)."""
    try:
        plan = json.loads(path.read_text())
    except FileNotFoundError:
        raise DeliveryError(f"{flag} {path}: no such file — fix: terraform plan -out=tfplan && "
                            f"terraform show -json tfplan > {path.name}") from None
    except IsADirectoryError:
        raise DeliveryError(f"{flag} {path}: a directory, not a plan's JSON — fix: pass the file "
                            "terraform show -json tfplan wrote") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise DeliveryError(f"{flag} {path}: not JSON ({_one_line(error)}) — fix: pass the output of "
                            "terraform show -json tfplan (not the binary tfplan itself)") from None
    if not isinstance(plan, dict) or "format_version" not in plan or not (
            "resource_changes" in plan or "planned_values" in plan):
        raise DeliveryError(f"{flag} {path}: not the JSON of a saved plan (no format_version / resource_changes) "
                            "— fix: pass the output of terraform show -json tfplan")
    return plan


def _changes(plan: dict) -> list[dict]:
    return [rc for rc in plan.get("resource_changes") or []
            if rc.get("mode", "managed") == "managed" and (rc.get("change") or {}).get("actions") not in _QUIET]


def _forced_by(rc: dict) -> list[str]:
    paths = rc.get("change", {}).get("replace_paths") or []
    return [".".join(str(p) for p in path) for path in paths if isinstance(path, list)]


def parse_approvals(text: str | None) -> set[str]:
    approvals = set()
    for item in parse_list(text):
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*:[A-Za-z_][^\s:,]*(\[[^\]]*\])?", item):
            raise DeliveryError(f"--allow-replace {item!r}: not <stack>:<address> — fix: name the stack and the "
                                "resource address the plan shows, e.g. dev:aws_kms_key.data_key_1A2B3C4D")
        approvals.add(item)
    return approvals


@dataclass
class PolicyResult:
    stack: str
    environment: str
    counts: dict[str, int]
    findings: list[Finding]
    unused_approvals: list[str]

    @property
    def refused(self) -> list[Finding]:
        return [f for f in self.findings if f.verdict in ("refused", "protected")]

    @property
    def passed(self) -> bool:
        return not self.refused

    def as_dict(self) -> dict:
        return {"stack": self.stack, "environment": self.environment, "counts": self.counts,
                "findings": [f.as_dict() for f in self.findings], "unused_approvals": self.unused_approvals,
                "passed": self.passed}


def count_changes(plan: dict) -> dict[str, int]:
    counts = {"create": 0, "update": 0, "replace": 0, "delete": 0}
    for rc in _changes(plan):
        actions = rc["change"]["actions"]
        if "delete" in actions and "create" in actions:
            counts["replace"] += 1
        elif "delete" in actions:
            counts["delete"] += 1
        elif "create" in actions:
            counts["create"] += 1
        elif "update" in actions:
            counts["update"] += 1
    return counts


def check_plan(plan: dict, stack: str, environment: str, approvals: Iterable[str] = (),
               stage: str = "apply") -> PolicyResult:
    """The verdict on every replacement or deletion of a stateful resource in ``plan``."""
    approvals = set(approvals)
    findings = []
    for rc in _changes(plan):
        actions = rc["change"]["actions"]
        kind = STATEFUL.get(rc.get("type", ""))
        if "delete" not in actions or kind is None:
            continue
        finding = Finding(stack, rc["address"], rc["type"], list(actions), kind, _forced_by(rc))
        if kind.data_store and environment in PROTECTED_ENVIRONMENTS:
            finding.verdict = "protected"
        elif finding.key in approvals:
            finding.verdict = "approved"
        else:
            finding.verdict = "needs-approval" if stage == "pr" else "refused"
        findings.append(finding)
    used = {f.key for f in findings}
    unused = sorted(a for a in approvals if a.split(":", 1)[0] == stack and a not in used)
    return PolicyResult(stack, environment, count_changes(plan), findings, unused)


def policy_lines(result: PolicyResult) -> list[str]:
    c = result.counts
    lines = [f"plan {result.stack} ({result.environment}): {c['create']} to create, {c['update']} to update, "
             f"{c['replace']} to replace, {c['delete']} to delete"]
    for f in result.findings:
        if f.verdict == "protected":
            lines.append(f"refused: {f.describe()} — a {result.environment} {f.stateful.category} is never "
                         f"replaced or deleted by the pipeline, approval or not — fix: revert the change that "
                         f"forces it, or follow {DOCS} \"Replacing a prod data store\"")
        elif f.verdict == "refused":
            lines.append(f"refused: {f.describe()} — fix: if intended, run the apply workflow with "
                         f"allow_replace={f.key} ({DOCS} \"Approving a replacement\")")
        elif f.verdict == "approved":
            lines.append(f"approved: {f.describe()} — allowed by allow_replace={f.key}")
        else:
            lines.append(f"needs approval: {f.describe()} — the apply stops unless run with allow_replace={f.key}")
    for approval in result.unused_approvals:
        lines.append(f"warning: allow_replace={approval} matches no replacement or deletion in this plan")
    waiting = sum(1 for f in result.findings if f.verdict == "needs-approval")
    if result.refused:
        lines.append(f"plan policy: refused ({len(result.refused)})")
    else:
        lines.append("plan policy: passed" + (f" ({waiting} need approval at apply)" if waiting else ""))
    return lines


def policy_markdown(result: PolicyResult, plan_text: str | None = None) -> str:
    c = result.counts
    verdict = "refused" if result.refused else "passed"
    lines = [f"## Plan {result.stack} ({result.environment}): policy {verdict}", "",
             f"{c['create']} to create, {c['update']} to update, **{c['replace']} to replace**, "
             f"**{c['delete']} to delete**", ""]
    if result.findings:
        lines += ["| resource | would be | what | verdict |", "|---|---|---|---|"]
        for f in result.findings:
            lines.append(f"| `{f.address}` | {f.what} | {f.stateful.category}: loses {f.stateful.loss}"
                         f"{' (forced by ' + ', '.join(f.forced_by) + ')' if f.forced_by else ''} | "
                         f"**{f.verdict}** |")
        lines.append("")
    lines += [f"- {line}" for line in policy_lines(result)[1:]]
    if plan_text is not None:
        lines += ["", "<details><summary>full plan</summary>", "", "```", plan_text.rstrip(), "```", "</details>"]
    return "\n".join(lines) + "\n"


def run_plan_policy(args) -> int:
    plan = load_plan(Path(args.plan))
    if args.stage not in ("pr", "apply"):
        raise DeliveryError(f"--stage {args.stage!r}: unknown — fix: pr (report) or apply (refuse)")
    result = check_plan(plan, args.stack, args.environment, parse_approvals(args.allow_replace), args.stage)
    if args.json:
        print(json.dumps(result.as_dict(), indent=2))
    else:
        print("\n".join(policy_lines(result)))
    plan_text = Path(args.plan_text).read_text() if args.plan_text and Path(args.plan_text).is_file() else None
    _append(args.summary, policy_markdown(result, plan_text))
    return EXIT_OK if result.passed else EXIT_REFUSED


# =========================================================================== the reviewed plan
#
# The plan job of apply.yml records, beside the saved plan: the commit it was made on, the digest of
# the synthesized stack it planned (the same digest as `affected`), the sha256 of the saved plan and a
# fingerprint of its changes. The apply verifies all four before it applies that very file.

MANIFEST_FORMAT = 1
PLAN_KEY_VARIABLE = "PLAN_ARTIFACT_KEY"


def changed_attributes(change: dict) -> list[str]:
    """Top-level attributes whose value differs between ``before`` and ``after`` (or becomes unknown)."""
    before, after = change.get("before") or {}, change.get("after") or {}
    unknown = change.get("after_unknown") or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    keys = set(before) | set(after) | {k for k, v in unknown.items() if v}
    return sorted(k for k in keys if before.get(k) != after.get(k) or unknown.get(k))


_UNKNOWN = "(known after apply)"


def planned_changes(plan: dict) -> dict[str, dict]:
    """Per address: the actions, what forces a replacement, and the planned value of every attribute
    that changes. What does not change (e.g. a database's latest restorable time) is left out, so two
    plans of the same change made minutes apart compare equal."""
    out = {}
    for rc in _changes(plan):
        change = rc["change"]
        after = change.get("after") or {}
        unknown = change.get("after_unknown") or {}
        values = {}
        if "create" in change["actions"] or "update" in change["actions"]:
            for name in changed_attributes(change):
                values[name] = _UNKNOWN if unknown.get(name) is True else after.get(name)
        out[rc["address"]] = {"actions": list(change["actions"]), "forced_by": _forced_by(rc), "values": values}
    return out


def fingerprint(changes: dict[str, dict]) -> str:
    text = json.dumps(changes, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _hashed(changes: dict[str, dict]) -> dict[str, dict]:
    """``changes`` with each value replaced by its hash (a manifest never holds a value: some are secret)."""
    return {address: {**body, "values": {k: hashlib.sha256(json.dumps(v, sort_keys=True).encode()).hexdigest()[:16]
                                         for k, v in body["values"].items()}}
            for address, body in changes.items()}


def compare_changes(reviewed: dict[str, dict], fresh: dict[str, dict]) -> list[str]:
    """How ``fresh`` differs from ``reviewed`` (both :func:`_hashed`), one phrase per address."""
    found = []
    for address in sorted(set(reviewed) | set(fresh)):
        a, b = reviewed.get(address), fresh.get(address)
        if a is None:
            found.append(f"{address}: {'/'.join(b['actions'])} now, not in the reviewed plan")
        elif b is None:
            found.append(f"{address}: {'/'.join(a['actions'])} in the reviewed plan, not any more")
        elif a["actions"] != b["actions"] or a["forced_by"] != b["forced_by"]:
            found.append(f"{address}: {'/'.join(a['actions'])} reviewed, {'/'.join(b['actions'])} now")
        elif a["values"] != b["values"]:
            names = sorted(k for k in set(a["values"]) | set(b["values"]) if a["values"].get(k) != b["values"].get(k))
            found.append(f"{address}: {', '.join(names)} differ from the reviewed plan")
    return found


def write_manifest(stack_dir: Path, stack: str, commit: str, plan_file: Path, plan: dict,
                   expected_digest: str | None = None) -> dict:
    inputs = read_stack(stack_dir)
    if expected_digest and inputs.digest != expected_digest:
        raise DeliveryError(f"{stack_dir}: the stack planned is not the one this run synthesized ({inputs.digest} "
                            f"here, {expected_digest} in the synth job) — fix: plan the synth artifact of this run")
    if not plan_file.is_file():
        raise DeliveryError(f"--plan {plan_file}: no such file — fix: terraform plan -out={plan_file.name}")
    changes = planned_changes(plan)
    return {
        "format": MANIFEST_FORMAT, "stack": stack, "commit": commit, "synth_digest": inputs.digest,
        "plan_sha256": _sha256_file(plan_file), "terraform_version": plan.get("terraform_version", ""),
        "changes_fingerprint": fingerprint(changes), "changes": _hashed(changes),
        "run": os.environ.get("GITHUB_RUN_ID", ""),
    }


def load_manifest(path: Path) -> dict:
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise DeliveryError(f"--manifest {path}: no such file — fix: download the plan artifact of this run "
                            "(plan-<stack>) into the stack's plan directory") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise DeliveryError(f"--manifest {path}: not JSON ({_one_line(error)}) — fix: pass the plan-manifest.json "
                            "the plan job wrote") from None
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise DeliveryError(f"--manifest {path}: not a plan manifest of format {MANIFEST_FORMAT} — fix: pass the "
                            "plan-manifest.json the plan job wrote")
    return manifest


def verify_manifest(manifest: dict, *, stack: str, commit: str, stack_dir: Path, plan_file: Path,
                    expected_digest: str | None = None, fresh_plan: dict | None = None) -> list[str]:
    """Why the saved plan may not be applied here (nothing: it may)."""
    problems = []
    if manifest.get("stack") != stack:
        problems.append(f"the plan is of stack {manifest.get('stack')!r}, not {stack}")
    if manifest.get("commit") != commit:
        problems.append(f"the plan was made on commit {str(manifest.get('commit'))[:12]}, this run applies "
                        f"{commit[:12]}")
    digest = read_stack(stack_dir).digest
    if manifest.get("synth_digest") != digest:
        problems.append(f"the synthesized stack is not the one planned ({_short(manifest.get('synth_digest'))} "
                        f"planned, {_short(digest)} here)")
    if expected_digest and expected_digest != digest:
        problems.append(f"the synthesized stack is not the one the synth job listed ({_short(expected_digest)} "
                        f"listed, {_short(digest)} here)")
    if not plan_file.is_file():
        problems.append(f"no saved plan at {plan_file}")
    elif _sha256_file(plan_file) != manifest.get("plan_sha256"):
        problems.append("the saved plan file is not the one reviewed (its sha256 differs)")
    if fresh_plan is not None:
        changed = compare_changes(manifest.get("changes") or {}, _hashed(planned_changes(fresh_plan)))
        if changed:
            shown = "; ".join(changed[:5]) + (f" (+{len(changed) - 5} more)" if len(changed) > 5 else "")
            problems.append(f"the plan changed since it was reviewed: {shown}")
    return problems


def _short(digest) -> str:
    return str(digest or "none").replace("sha256:", "")[:12]


def _openssl(args: list[str], key_variable: str) -> None:
    if not os.environ.get(key_variable):
        raise DeliveryError(f"{key_variable} is empty: the saved plan holds the values Terraform read (secrets "
                            f"included) and is only stored encrypted — fix: add the repository secret {key_variable} "
                            f"({DOCS} \"Set-up\")")
    if shutil.which("openssl") is None:
        raise DeliveryError("openssl: not on PATH — fix: install OpenSSL (every GitHub-hosted runner has it)")
    done = subprocess.run(["openssl", "enc", "-aes-256-cbc", "-pbkdf2", "-iter", "200000", *args,
                           "-pass", f"env:{key_variable}"], capture_output=True, text=True)
    if done.returncode != 0:
        raise DeliveryError(f"openssl failed: {_one_line(done.stderr) or 'no message'} — fix: use the same "
                            f"{key_variable} as the plan job")


def encrypt(source: Path, target: Path, key_variable: str = PLAN_KEY_VARIABLE) -> None:
    _openssl(["-salt", "-in", str(source), "-out", str(target)], key_variable)


def decrypt(source: Path, target: Path, key_variable: str = PLAN_KEY_VARIABLE) -> None:
    _openssl(["-d", "-in", str(source), "-out", str(target)], key_variable)


def run_plan_manifest(args) -> int:
    stack_dir = Path(args.stack_dir)
    if args.action == "write":
        plan = load_plan(Path(args.plan_json), "--plan-json")
        manifest = write_manifest(stack_dir, args.stack, args.commit, Path(args.plan), plan, args.digest or None)
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(manifest, indent=2) + "\n")
        if args.encrypt:
            encrypt(Path(args.plan), out.parent / "tfplan.enc")
        print(f"plan-manifest {args.stack}: commit {args.commit[:12]}, synth {_short(manifest['synth_digest'])}, "
              f"plan {manifest['plan_sha256'][:12]}, {len(manifest['changes'])} change(s)"
              + (f", encrypted to {out.parent / 'tfplan.enc'}" if args.encrypt else ""))
        return EXIT_OK
    manifest = load_manifest(Path(args.manifest))
    fresh = load_plan(Path(args.fresh_plan_json), "--fresh-plan-json") if args.fresh_plan_json else None
    problems = verify_manifest(manifest, stack=args.stack, commit=args.commit, stack_dir=stack_dir,
                               plan_file=Path(args.plan), expected_digest=args.digest or None, fresh_plan=fresh)
    for problem in problems:
        print(f"refused: {args.stack}: {problem} — fix: {_verify_fix(problem)}")
    if problems:
        return EXIT_REFUSED
    print(f"verified {args.stack}: commit {args.commit[:12]}, synth {_short(manifest['synth_digest'])}, "
          f"plan {manifest['plan_sha256'][:12]}" + (", unchanged since reviewed" if fresh is not None else ""))
    return EXIT_OK


def _verify_fix(problem: str) -> str:
    if problem.startswith("the plan changed"):
        return ("something changed since the plan was reviewed (a manual change, another apply): run the apply "
                "workflow again, review the new plan")
    return "apply only what this run planned for this commit: run the apply workflow again for the current commit"


# =========================================================================== apply, stage by stage
#
# One job per environment (apply.yml: dev, staging, prod, each a GitHub environment; prod waits for its
# reviewer). The job applies its stacks one after the other in manifest order and stops at the first
# that fails or is refused.


def _terraform(args: list[str], cwd: Path, *, capture: bool = False) -> subprocess.CompletedProcess:
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"}
    if capture:
        return subprocess.run(["terraform", *args], cwd=cwd, env=env, capture_output=True, text=True)
    sys.stdout.flush()
    return subprocess.run(["terraform", *args], cwd=cwd, env=env, stdout=sys.stdout, stderr=sys.stderr, text=True)


def _rows(text: str, flag: str) -> list[dict]:
    try:
        rows = json.loads(text)
    except ValueError as error:
        raise DeliveryError(f"{flag}: not JSON ({_one_line(error)}) — fix: pass a stage output of "
                            "python -m review affected") from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) and "stack" in r for r in rows):
        raise DeliveryError(f"{flag}: not a list of stack rows — fix: pass a stage output of python -m review affected")
    return rows


def apply_stack(row: dict, outdir: Path, plans: Path, commit: str, *, encrypted: bool) -> list[str]:
    """Verify and apply one stack's reviewed plan; the reasons it was not applied (none: applied)."""
    stack = row["stack"]
    stack_dir = outdir / "stacks" / stack
    plan_dir = plans / f"plan-{stack}"
    if not (stack_dir / STACK_FILE).is_file():
        return [f"no synthesized stack at {stack_dir}"]
    if not plan_dir.is_dir():
        return [f"no reviewed plan at {plan_dir} (the plan job of this run did not store one)"]
    manifest = load_manifest(plan_dir / "plan-manifest.json")
    reviewed = stack_dir / "reviewed.tfplan"
    if encrypted:
        decrypt(plan_dir / "tfplan.enc", reviewed)
    else:
        shutil.copyfile(plan_dir / "tfplan", reviewed)
    lock = plan_dir / ".terraform.lock.hcl"
    if lock.is_file():  # the providers the plan was made with
        shutil.copyfile(lock, stack_dir / ".terraform.lock.hcl")
    problems = verify_manifest(manifest, stack=stack, commit=commit, stack_dir=stack_dir, plan_file=reviewed,
                               expected_digest=row.get("digest"))
    if problems:
        return problems
    if _terraform(["init", "-input=false", "-no-color"], stack_dir).returncode != 0:
        return ["terraform init failed (its output is above)"]
    if _terraform(["plan", "-input=false", "-no-color", "-out=fresh.tfplan"], stack_dir).returncode != 0:
        return ["terraform plan (the check that nothing changed since the review) failed (its output is above)"]
    shown = _terraform(["show", "-json", "fresh.tfplan"], stack_dir, capture=True)
    if shown.returncode != 0:
        return [f"terraform show -json fresh.tfplan failed: {_one_line(shown.stderr)[-300:]}"]
    problems = verify_manifest(manifest, stack=stack, commit=commit, stack_dir=stack_dir, plan_file=reviewed,
                               expected_digest=row.get("digest"), fresh_plan=json.loads(shown.stdout))
    if problems:
        return problems
    print(f"apply {stack}: verified: commit {commit[:12]}, synth {_short(manifest['synth_digest'])}, "
          f"reviewed plan {manifest['plan_sha256'][:12]}, unchanged since the review", flush=True)
    if _terraform(["apply", "-input=false", "-no-color", reviewed.name], stack_dir).returncode != 0:
        return ["terraform apply failed (its output is above)"]
    return []


def run_apply(args) -> int:
    rows = _rows(args.stacks_json, "--stacks-json")
    if shutil.which("terraform") is None:
        raise DeliveryError("terraform: not on PATH — fix: install Terraform (hashicorp/setup-terraform)")
    outdir, plans = Path(args.outdir), Path(args.plans)
    applied = []
    for index, row in enumerate(rows):
        print(f"apply {row['stack']}: {index + 1} of {len(rows)}", flush=True)
        try:
            problems = apply_stack(row, outdir, plans, args.commit, encrypted=args.encrypted)
        except DeliveryError as error:  # e.g. a manifest that is not one: this stack is refused, the rest wait
            problems = [str(error)]
        if problems:
            for problem in problems:
                fix = "" if " — fix: " in problem else f" — fix: {_verify_fix(problem)}"
                print(f"refused: {row['stack']}: {problem}{fix}")
            left = [r["stack"] for r in rows[index:]]
            print(f"apply: stopped; applied: {', '.join(applied) or 'none'}; not applied: {', '.join(left)}")
            return EXIT_REFUSED
        applied.append(row["stack"])
        print(f"apply {row['stack']}: applied", flush=True)
    print(f"apply: {len(applied)} of {len(rows)} stack(s) applied" + (f": {', '.join(applied)}" if applied else ""))
    return EXIT_OK


# =========================================================================== drift
#
# `terraform plan -detailed-exitcode` per stack: 0 nothing to do, 2 the infrastructure and the
# configuration differ, 1 the plan failed. Each difference is told apart: changed outside Terraform
# (the refresh saw AWS differ from the state: resource_drift), or a configuration not applied yet.


def _sensitive(marker) -> bool:
    if marker is True:
        return True
    if isinstance(marker, dict):
        return any(_sensitive(v) for v in marker.values())
    if isinstance(marker, list):
        return any(_sensitive(v) for v in marker)
    return False


def _show(value, sensitive: bool) -> str:
    if sensitive:
        return "(sensitive)"
    if value == _UNKNOWN:
        return value
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def drift_changes(plan: dict) -> list[dict]:
    """Every resource the plan would change, with its changed attributes and whether AWS changed it."""
    drifted = {rd["address"]: rd for rd in plan.get("resource_drift") or [] if rd.get("change")}
    found = []
    for rc in _changes(plan):
        change = rc["change"]
        actions = change["actions"]
        drift = drifted.get(rc["address"])
        outside = set(changed_attributes(drift["change"])) if drift else set()
        attributes = []
        if actions == ["update"]:
            before, after = change.get("before") or {}, change.get("after") or {}
            unknown = change.get("after_unknown") or {}
            for name in changed_attributes(change):
                secret = _sensitive((change.get("before_sensitive") or {}).get(name)) or _sensitive(
                    (change.get("after_sensitive") or {}).get(name))
                attributes.append({
                    "name": name, "aws": _show(before.get(name), secret),
                    "configuration": _show(_UNKNOWN if unknown.get(name) is True else after.get(name), secret),
                    "outside": name in outside})
        if drift and drift["change"].get("actions") == ["delete"]:
            cause = "deleted outside Terraform"
        elif any(a["outside"] for a in attributes):
            cause = "changed outside Terraform"
        elif "delete" in actions and "create" not in actions:
            cause = "in the state, not in the configuration (not applied yet)"
        elif actions == ["create"]:
            cause = "in the configuration, not in AWS (not applied yet)"
        else:
            cause = "the configuration is not applied yet"
        found.append({"address": rc["address"], "actions": list(actions), "cause": cause,
                      "forced_by": _forced_by(rc), "attributes": attributes})
    return found


def drift_result(stack: str, exitcode: int, plan: dict | None, error: str = "") -> dict:
    if exitcode == 0:
        return {"stack": stack, "status": "clean", "changes": []}
    if exitcode == 2 and plan is not None:
        return {"stack": stack, "status": "drifted", "changes": drift_changes(plan)}
    return {"stack": stack, "status": "error", "changes": [], "error": error or f"terraform plan exited {exitcode}"}


def drift_lines(result: dict) -> list[str]:
    stack = result["stack"]
    if result["status"] == "clean":
        return [f"drift {stack}: none (the infrastructure matches the configuration)"]
    if result["status"] == "error":
        return [f"drift {stack}: plan failed — {result.get('error', '')}"]
    lines = [f"drift {stack}: {len(result['changes'])} resource(s) differ from the configuration"]
    for change in result["changes"]:
        detail = ""
        if change["attributes"]:
            detail = ": " + "; ".join(
                f"{a['name']} = {a['aws']} in AWS, {a['configuration']} in the configuration"
                for a in change["attributes"])
        elif change["forced_by"]:
            detail = f": replacement forced by {', '.join(change['forced_by'])}"
        lines.append(f"  {change['address']}: {'/'.join(change['actions'])} — {change['cause']}{detail}")
    return lines


def run_drift(args) -> int:
    stack_dir = Path(args.stack_dir)
    if not (stack_dir / STACK_FILE).is_file() and not (stack_dir / "main.tf.json").is_file():
        raise DeliveryError(f"--stack-dir {stack_dir}: no {STACK_FILE} — fix: point at a synthesized stack "
                            "directory (<outdir>/stacks/<stack>), after terraform init in it")
    if shutil.which("terraform") is None:
        raise DeliveryError("terraform: not on PATH — fix: install Terraform (hashicorp/setup-terraform)")
    stack = args.stack or stack_dir.name
    done = _terraform(["plan", "-input=false", "-no-color", "-lock=false", "-detailed-exitcode", "-out=drift.tfplan"],
                      stack_dir, capture=True)
    plan = None
    error = ""
    if done.returncode == 2:
        shown = _terraform(["show", "-json", "drift.tfplan"], stack_dir, capture=True)
        if shown.returncode == 0:
            plan = json.loads(shown.stdout)
        else:
            error = f"terraform show failed: {_one_line(shown.stderr)[-300:]}"
    elif done.returncode != 0:
        errors = [line for line in (done.stderr or done.stdout).splitlines() if line.strip().startswith(("Error", "│ Error"))]
        error = _one_line(errors[0] if errors else (done.stderr or done.stdout)[-300:]).lstrip("│ ")
    result = drift_result(stack, done.returncode, plan, error)
    print("\n".join(drift_lines(result)))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    _append(args.summary, drift_markdown([result], []))
    return EXIT_OK if result["status"] == "clean" else EXIT_REFUSED


def drift_markdown(results: Sequence[dict], missing: Sequence[str]) -> str:
    drifted = [r for r in results if r["status"] == "drifted"]
    failed = [r for r in results if r["status"] == "error"]
    lines = [f"## Drift: {len(drifted)} of {len(results) + len(missing)} stack(s) drifted"
             + (f", {len(failed)} failed" if failed else "") + (f", {len(missing)} without a result" if missing else ""),
             ""]
    for result in drifted:
        lines += [f"### {result['stack']}", "", "| resource | action | cause | attribute: in AWS → in the configuration |",
                  "|---|---|---|---|"]
        for c in result["changes"]:
            attrs = "<br>".join(f"`{a['name']}`: `{a['aws']}` → `{a['configuration']}`" for a in c["attributes"])
            lines.append(f"| `{c['address']}` | {'/'.join(c['actions'])} | {c['cause']} | {attrs} |")
        lines.append("")
    for result in failed:
        lines.append(f"- **{result['stack']}**: plan failed — {result.get('error', '')}")
    for name in missing:
        lines.append(f"- **{name}**: no result (its drift job failed before the plan: see its log)")
    clean = [r["stack"] for r in results if r["status"] == "clean"]
    if clean:
        lines += ["", f"No drift: {', '.join(clean)}"]
    return "\n".join(lines) + "\n"


def run_drift_report(args) -> int:
    results_dir = Path(args.results)
    if not results_dir.is_dir():
        raise DeliveryError(f"--results {results_dir}: no such directory — fix: download the drift jobs' "
                            "results (drift-<stack>) into it")
    results = []
    for path in sorted(results_dir.rglob("*.json")):
        try:
            result = json.loads(path.read_text())
        except ValueError as error:
            raise DeliveryError(f"{path}: not JSON ({_one_line(error)}) — fix: keep only the results "
                                "python -m review drift --out wrote") from None
        if not isinstance(result, dict) or result.get("status") not in ("clean", "drifted", "error"):
            raise DeliveryError(f"{path}: not a drift result — fix: keep only the results python -m review drift "
                                "--out wrote")
        results.append(result)
    expected = [r["stack"] for r in _rows(args.expect, "--expect")] if args.expect else [r["stack"] for r in results]
    by_stack = {r["stack"]: r for r in results}
    ordered = [by_stack[name] for name in expected if name in by_stack]
    ordered += [r for r in results if r["stack"] not in expected]
    missing = [name for name in expected if name not in by_stack]
    drifted = [r for r in ordered if r["status"] == "drifted"]
    failed = [r for r in ordered if r["status"] == "error"]
    if args.json:
        print(json.dumps({"drifted": [r["stack"] for r in drifted], "failed": [r["stack"] for r in failed],
                          "missing": missing, "results": ordered}, indent=2))
    else:
        print(f"drift: {len(drifted)} of {len(ordered) + len(missing)} stack(s) drifted, {len(failed)} failed, "
              f"{len(missing)} without a result")
        for result in ordered:
            if result["status"] != "clean":
                print("\n".join(drift_lines(result)))
        for name in missing:
            print(f"drift {name}: no result (its drift job failed before the plan: see its log)")
    _append(args.summary, drift_markdown(ordered, missing))
    return EXIT_REFUSED if drifted or failed or missing else EXIT_OK
