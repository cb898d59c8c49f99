"""AWS Backup: tags read by the path the Go SDK sends, and backup selections (a fake: moto has none).

OpenMarket's production database is backed up by AWS Backup (a plan, a vault in Seoul, a copy to a
vault in Tokyo, a selection naming the Aurora cluster).
"""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import quote, unquote

from rehearsal.emulator.core import ACCOUNT_ID, LAYER_LOCK, Patch, Replace, RestFake, client_error, store

RESPONSE = "moto.backup.responses:BackupResponse"
SELECTIONS = store()  # (region, plan id, selection id) -> {"BackupSelection": ..., "CreationDate": ..., ...}


# --------------------------------------------------------------------------- ListTags by its documented path


def _list_tags(_):
    def list_tags(self):
        # GET /tags/{resourceArn}/ : boto3 keeps the trailing slash, the Go SDK (Terraform) drops it;
        # moto took the segment before the last slash, which without it is "tags" (so: no tags at all)
        arn = unquote(self.path.split("?", 1)[0].split("/tags/", 1)[-1].strip("/"))
        return json.dumps({"Tags": self.backup_backend.list_tags(resource_arn=arn)})

    return list_tags


def _raw_get(session, path: str) -> dict:
    import urllib.request

    request = urllib.request.Request(session.endpoint_url + path, method="GET", headers={
        "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20250101/"
                         f"{session.region_name}/backup/aws4_request, SignedHeaders=host, Signature=0"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _probe_list_tags_path(session) -> bool:
    """A vault created with a tag, its tags asked for the way the Go SDK asks (no trailing slash)."""
    backup = session.client("backup")
    arn = backup.create_backup_vault(BackupVaultName="probe-tags", BackupVaultTags={"Name": "probe"})["BackupVaultArn"]
    try:
        return _raw_get(session, "/tags/" + quote(arn, safe="")).get("Tags") != {"Name": "probe"}
    except Exception:
        return True


BACKUP_LIST_TAGS_PATH = Patch(
    name="backup-list-tags-path",
    moto="ListTags reads the resource ARN from the segment before the path's last slash: the Go SDK sends "
         "GET /tags/{arn} without the trailing slash boto3 adds, so every vault and plan Terraform reads has "
         "no tags, and each re-plan wants to add them again",
    aws="ListTags returns the tags of the vault or plan named by the ARN in the path",
    reference="https://docs.aws.amazon.com/aws-backup/latest/devguide/API_ListTags.html",
    probe=_probe_list_tags_path,
    replaces=(Replace(RESPONSE, "list_tags", _list_tags),),
)


# --------------------------------------------------------------------------- backup selections


def _plan_exists(region: str, plan_id: str) -> bool:
    from moto.backup.models import backup_backends

    return plan_id in backup_backends[ACCOUNT_ID][region].plans


def _selections(method: str, path: str, body: dict, region: str) -> tuple[int, dict]:
    # /backup/plans/{plan}/selections/ (PUT create, GET list) and /backup/plans/{plan}/selections/{id}
    parts = path.strip("/").split("/")  # backup, plans, <plan>, selections[, <id>]
    plan_id, selection_id = parts[2], parts[4] if len(parts) > 4 else ""

    def not_found(what: str) -> tuple[int, dict]:
        return 404, {"__type": "ResourceNotFoundException", "Code": "ResourceNotFoundException",
                     "Message": f"{what} not found"}

    if not _plan_exists(region, plan_id):
        return not_found(f"Backup plan {plan_id}")
    with LAYER_LOCK:
        if not selection_id and method == "PUT":
            given = body.get("BackupSelection") or {}
            if not given.get("SelectionName") or not given.get("IamRoleArn"):
                return 400, {"__type": "InvalidParameterValueException", "Code": "InvalidParameterValueException",
                             "Message": "SelectionName and IamRoleArn are required"}
            taken = [s for (r, p, _), s in SELECTIONS.items() if (r, p) == (region, plan_id)
                     and s["BackupSelection"]["SelectionName"] == given["SelectionName"]]
            if taken:
                return 400, {"__type": "AlreadyExistsException", "Code": "AlreadyExistsException",
                             "Message": f"Backup selection {given['SelectionName']} already exists"}
            new_id = str(uuid.uuid4())
            SELECTIONS[(region, plan_id, new_id)] = {
                "BackupPlanId": plan_id, "SelectionId": new_id, "CreationDate": round(time.time(), 3),
                "CreatorRequestId": body.get("CreatorRequestId") or str(uuid.uuid4()), "BackupSelection": given,
            }
            return 200, {"BackupPlanId": plan_id, "SelectionId": new_id,
                         "CreationDate": SELECTIONS[(region, plan_id, new_id)]["CreationDate"]}
        if not selection_id and method == "GET":
            listed = [{"BackupPlanId": s["BackupPlanId"], "SelectionId": s["SelectionId"],
                       "SelectionName": s["BackupSelection"]["SelectionName"],
                       "IamRoleArn": s["BackupSelection"]["IamRoleArn"], "CreationDate": s["CreationDate"],
                       "CreatorRequestId": s["CreatorRequestId"]}
                      for (r, p, _), s in sorted(SELECTIONS.items()) if (r, p) == (region, plan_id)]
            return 200, {"BackupSelectionsList": listed}
        key = (region, plan_id, selection_id)
        if key not in SELECTIONS:
            return not_found(f"Backup selection {selection_id}")
        if method == "GET":
            return 200, dict(SELECTIONS[key])
        if method == "DELETE":
            SELECTIONS.pop(key)
            return 200, {}
    return 405, {"__type": "InvalidRequestException", "Code": "InvalidRequestException",
                 "Message": f"{method} is not an operation on backup selections"}


def _probe_selections(session) -> bool:
    """Plain moto answers CreateBackupSelection with a 500 ('has not been implemented')."""
    backup = session.client("backup")
    backup.create_backup_vault(BackupVaultName="probe-selections")
    plan = backup.create_backup_plan(BackupPlan={"BackupPlanName": "probe-selections", "Rules": [
        {"RuleName": "daily", "TargetBackupVaultName": "probe-selections"}]})["BackupPlanId"]
    selection = {"SelectionName": "probe", "IamRoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/probe",
                 "Resources": [f"arn:aws:rds:ap-northeast-2:{ACCOUNT_ID}:cluster:probe"]}
    try:
        created = backup.create_backup_selection(BackupPlanId=plan, BackupSelection=selection)["SelectionId"]
        read = backup.get_backup_selection(BackupPlanId=plan, SelectionId=created)["BackupSelection"]
        listed = backup.list_backup_selections(BackupPlanId=plan)["BackupSelectionsList"]
        backup.delete_backup_selection(BackupPlanId=plan, SelectionId=created)
        gone = client_error(lambda: backup.get_backup_selection(BackupPlanId=plan, SelectionId=created),
                            "ResourceNotFoundException")
        return not (read["Resources"] == selection["Resources"] and len(listed) == 1 and gone)
    except Exception:
        return True


BACKUP_SELECTIONS = RestFake(
    name="backup-selections",
    moto="Backup has plans and vaults but no selections: CreateBackupSelection, GetBackupSelection, "
         "ListBackupSelections and DeleteBackupSelection fail with a 500 ('has not been implemented')",
    aws="a selection assigns resources (by ARN or tag) to a backup plan with the role AWS Backup uses; it "
        "is read, listed and deleted by the plan's ID and its own; an unknown plan or selection is "
        "ResourceNotFoundException, a second selection of the same name in a plan AlreadyExistsException",
    reference="https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CreateBackupSelection.html ; "
              "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_GetBackupSelection.html",
    probe=_probe_selections,
    service="backup",
    path=r"/backup/plans/[^/]+/selections(/[^/]*)?/?",
    handler=_selections,
)
