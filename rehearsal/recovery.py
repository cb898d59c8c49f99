"""What a killed run leaves behind, and the exact steps that recover from it.

A ``terraform apply`` with an S3 backend keeps the new state in memory and writes it to the bucket at
the end, and in between when a resource finishes at least 20 seconds after the last write (Terraform
1.11's default; ``TF_STATE_PERSIST_INTERVAL`` sets it, and the rehearsal clears every ``TF_`` variable).
A run killed with SIGKILL (a lost CI runner, the OOM killer, a power cut) therefore
leaves two things:

* its **state lock** (the lock table's item): every later run stops at "Error acquiring the state lock"
  until someone who knows the run is gone releases it — ``terraform force-unlock -force <ID>`` in the
  stack's directory (:func:`backend.locks.unlock_step`; ``python -m backend locks`` lists held locks);
* **resources created since the state was last written**: they exist in AWS but not in the state. The
  next apply creates them again: an idempotent create (an SQS queue with the same attributes) adopts
  them, any other stops at "already exists". Each one is imported, with the ID the configuration
  gives it (:func:`import_steps`), and the next apply converges.

A destroy killed halfway needs only the unlock: resources already deleted but still in the state are
found gone by the next run's refresh and dropped.
"""

from __future__ import annotations

import os
import re
import shlex

from backend.locks import lock_id_in, unlock_step

IMPORT_ID_ATTRIBUTE: dict[str, str] = {
    "aws_cloudwatch_log_group": "name",
    "aws_ssm_parameter": "name",
    "aws_iam_role": "name",
    "aws_s3_bucket": "bucket",
    "aws_dynamodb_table": "name",
    "aws_ecr_repository": "name",
    "aws_kms_alias": "name",
    "aws_lambda_function": "function_name",
    "aws_cloudwatch_metric_alarm": "alarm_name",
    "aws_cloudwatch_dashboard": "dashboard_name",
    "aws_cloudwatch_event_bus": "name",
    "aws_db_subnet_group": "name",
    "aws_db_parameter_group": "name",
    "aws_rds_cluster_parameter_group": "name",
    "aws_elasticache_subnet_group": "name",
    "aws_elasticache_parameter_group": "name",
    "aws_ecs_cluster": "name",
    "aws_codebuild_project": "name",
    "aws_codepipeline": "name",
    "aws_eks_cluster": "name",
    "aws_cloudwatch_log_resource_policy": "policy_name",
}
"""Resource types whose import ID is an attribute the configuration sets (the provider's import
documentation, 5.x). Others are imported by an ID AWS assigns (an ARN, ``sg-...``): the step names the
provider's documentation instead."""

_ALREADY_EXISTS = re.compile(r"already exists|AlreadyExists|already owned by you|EntityAlreadyExists", re.I)


def already_existing(messages: list[dict]) -> list[str]:
    """Addresses whose create failed because the object already exists (from ``apply -json``)."""
    found = []
    for m in messages:
        d = m.get("diagnostic", {}) if m.get("type") == "diagnostic" else {}
        if d.get("severity") == "error" and d.get("address") and _ALREADY_EXISTS.search(
                f"{d.get('summary', '')} {d.get('detail', '')}"):
            found.append(d["address"])
    return list(dict.fromkeys(found))


def _resource(document: dict, address: str) -> dict | None:
    resource_type, _, name = address.partition(".")
    return document.get("resource", {}).get(resource_type, {}).get(name.split("[")[0])


def import_steps(messages: list[dict], document: dict, directory: str | os.PathLike) -> list[str]:
    """One exact command per resource that exists but is not in the state (``terraform import ADDR ID``,
    run in ``directory``), in the order the apply reported them."""
    steps = []
    for address in already_existing(messages):
        resource_type = address.partition(".")[0]
        attribute = IMPORT_ID_ATTRIBUTE.get(resource_type)
        body = _resource(document, address) or {}
        value = body.get(attribute) if attribute else None
        if isinstance(value, str) and "${" not in value:
            steps.append(f"cd {directory} && terraform import -input=false {shlex.quote(address)} {shlex.quote(value)}")
        else:
            steps.append(f"cd {directory} && terraform import -input=false {shlex.quote(address)} <ID> (the ID of "
                         f"{resource_type}: see the provider's import documentation)")
    return steps


def unlock_hint(terraform_output: str, directory: str | os.PathLike) -> str | None:
    """``fix: <force-unlock step>`` when Terraform stopped at a held state lock, else ``None``."""
    lock_id = lock_id_in(terraform_output)
    return None if lock_id is None else (f"fix, once the run holding lock {lock_id} is known to be gone: "
                                         f"{unlock_step(lock_id, directory)}")
