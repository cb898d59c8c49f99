"""Hand-written `terraform show -json tfplan` documents (the shape Terraform 1.11 writes) and a stand-in
`terraform` for the delivery commands' own logic; the real Terraform runs in tests/rehearsal/test_delivery.py."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def rc(address: str, actions: list[str], before: dict | None = None, after: dict | None = None, *,
       unknown: dict | None = None, replace: list[list[str]] | None = None, sensitive: dict | None = None,
       mode: str = "managed") -> dict:
    """One entry of ``resource_changes`` (or ``resource_drift``)."""
    kind, _, name = address.rpartition(".")
    change = {"actions": actions, "before": before, "after": after, "after_unknown": unknown or {},
              "before_sensitive": sensitive or {}, "after_sensitive": sensitive or {}}
    if replace:
        change["replace_paths"] = replace
    entry = {"address": address, "mode": mode, "type": kind.split(".")[-1], "name": name,
             "provider_name": "registry.terraform.io/hashicorp/aws", "change": change}
    if "delete" in actions and "create" in actions:
        entry["action_reason"] = "replace_because_cannot_update"
    return entry


def plan(*changes: dict, drift: list[dict] | None = None) -> dict:
    document = {"format_version": "1.2", "terraform_version": "1.11.4", "planned_values": {"root_module": {}},
                "resource_changes": list(changes), "configuration": {}, "applyable": True, "complete": True,
                "errored": False}
    if drift:
        document["resource_drift"] = drift
    return document


def write(path: Path, document: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    return path


FAKE_TERRAFORM = '''#!{python}
"""A stand-in terraform: logs each call, answers as FAKE_TF_ANSWERS says for the stack (the directory)."""
import json, os, pathlib, sys
cwd = pathlib.Path.cwd()
with open(os.environ["FAKE_TF_LOG"], "a") as log:
    log.write(cwd.name + " " + " ".join(sys.argv[1:]) + "\\n")
answers = json.loads(pathlib.Path(os.environ["FAKE_TF_ANSWERS"]).read_text()).get(cwd.name, {{}})
command = sys.argv[1]
for arg in sys.argv[2:]:
    if arg.startswith("-out="):
        (cwd / arg[5:]).write_bytes(b"fresh plan")
if command == "show":
    print(json.dumps(answers.get("show", {{}})))
    sys.exit(0)
if command == "plan":
    sys.stderr.write(answers.get("plan_stderr", ""))
    sys.exit(answers.get("plan_exit", 0))
if command == "apply":
    sys.exit(answers.get("apply_exit", 0))
sys.exit(0)
'''


def fake_terraform(directory: Path, answers: dict) -> dict[str, str]:
    """Install the stand-in as ``directory/bin/terraform``; the environment that puts it first on PATH."""
    binary = directory / "bin" / "terraform"
    binary.parent.mkdir(parents=True, exist_ok=True)
    binary.write_text(FAKE_TERRAFORM.format(python=sys.executable))
    binary.chmod(0o755)
    (directory / "answers.json").write_text(json.dumps(answers))
    (directory / "terraform.log").write_text("")
    return {"PATH": f"{binary.parent}{os.pathsep}{os.environ['PATH']}", "FAKE_TF_LOG": str(directory / "terraform.log"),
            "FAKE_TF_ANSWERS": str(directory / "answers.json")}


def calls(directory: Path) -> list[str]:
    return (directory / "terraform.log").read_text().splitlines()
