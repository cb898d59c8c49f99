"""State locks that are held, and the exact step that releases one a killed run left behind.

Terraform takes the state lock of an S3 backend as an item in the DynamoDB lock table (``LockID`` =
``<bucket>/<key>``, ``Info`` = the lock's JSON: ``ID``, ``Operation``, ``Who``, ``Created``, ...) and,
with ``use_lockfile``, as the object ``<key>.tflock`` in the state bucket. A run that ends normally
deletes it; a run that is killed (SIGKILL, a lost CI runner, a power cut) leaves it, and every later
``plan``/``apply`` stops at "Error acquiring the state lock". Nothing releases it by itself: someone
who knows that the holder is gone runs ``terraform force-unlock -force <ID>`` in the stack's
directory. :func:`held_locks` lists them, :func:`unlock_step` is that step, and
:func:`lock_id_in` reads the ID from Terraform's own error output.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

DIGEST_SUFFIX = "-md5"
"""Items ``<bucket>/<key>-md5`` of the lock table hold the state's checksum, not a lock."""
LOCK_FILE_SUFFIX = ".tflock"
_LOCK_ID = re.compile(r"Lock Info:\s*\n\s*ID:\s+([0-9A-Za-z-]+)")


@dataclass(frozen=True)
class HeldLock:
    """One held state lock."""

    path: str
    """``<bucket>/<key>``: whose state it locks."""
    lock_id: str
    operation: str
    who: str
    created: str
    version: str
    where: str
    """Where the lock lives: ``DynamoDB table <name>`` or ``s3://<bucket>/<key>.tflock``."""

    @property
    def key(self) -> str:
        return self.path.partition("/")[2]

    @classmethod
    def from_info(cls, path: str, info: dict, where: str) -> "HeldLock":
        return cls(path=path, lock_id=str(info.get("ID", "")), operation=str(info.get("Operation", "")),
                   who=str(info.get("Who", "")), created=str(info.get("Created", "")),
                   version=str(info.get("Version", "")), where=where)

    def age(self, now: datetime | None = None) -> str:
        """``"12 min"`` since it was taken, or ``""`` when ``created`` is not a timestamp."""
        match = re.match(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})", self.created)
        if not match:  # Terraform writes "2026-12-04 23:38:16.852162977 +0000 UTC" (always UTC)
            return ""
        created = datetime.fromisoformat(f"{match[1]}T{match[2]}+00:00")
        minutes = int(((now or datetime.now(timezone.utc)) - created).total_seconds() // 60)
        return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h"


def held_locks(dynamodb, s3, *, bucket: str, table: str | None) -> list[HeldLock]:
    """Every lock held on the states in ``bucket``: items of the lock ``table`` (when there is one) and
    ``*.tflock`` objects in the bucket. Read-only."""
    found: list[HeldLock] = []
    if table:
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            for item in page.get("Items", []):
                lock_id = item.get("LockID", {}).get("S", "")
                if lock_id.endswith(DIGEST_SUFFIX) or "Info" not in item or not lock_id.startswith(f"{bucket}/"):
                    continue
                try:
                    info = json.loads(item["Info"]["S"])
                except (KeyError, ValueError):
                    info = {}
                found.append(HeldLock.from_info(lock_id, info, f"DynamoDB table {table}"))
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for entry in page.get("Contents", []):
            key = entry["Key"]
            if not key.endswith(LOCK_FILE_SUFFIX):
                continue
            try:
                info = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
            except ValueError:
                info = {}
            found.append(HeldLock.from_info(f"{bucket}/{key.removesuffix(LOCK_FILE_SUFFIX)}", info,
                                            f"s3://{bucket}/{key}"))
    return sorted(found, key=lambda lock: (lock.path, lock.where))


def lock_id_in(terraform_output: str) -> str | None:
    """The ``ID`` of the lock named by Terraform's "Error acquiring the state lock" output, if any."""
    if "Error acquiring the state lock" not in terraform_output:
        return None
    match = _LOCK_ID.search(terraform_output)
    return match.group(1) if match else None


def unlock_step(lock_id: str, directory: str | os.PathLike) -> str:
    """The exact command that releases lock ``lock_id`` of the configuration in ``directory``."""
    return f"cd {directory} && terraform init -input=false && terraform force-unlock -force {lock_id}"


def stack_directory(system, key: str, outdir: str | os.PathLike) -> str:
    """``<outdir>/stacks/<stack>`` of the stack of ``system`` whose state key is ``key``
    (``<env>/terraform.tfstate``), or a description when no environment of the system uses that key."""
    environment, _, rest = key.partition("/")
    if rest == "terraform.tfstate" and environment in system.environments:
        return str(Path(outdir) / "stacks" / system.stack_name(environment))
    return f"<the directory of the configuration whose state key is {key}>"


def describe(lock: HeldLock, directory: str, now: datetime | None = None) -> list[str]:
    """Two lines: the lock, and the step that releases it once its holder is known to be gone."""
    age = lock.age(now)
    return [f"locked   {lock.path}: {lock.operation or 'an operation'} by {lock.who or 'someone'} since "
            f"{lock.created or '?'}{f' ({age} ago)' if age else ''}, Terraform {lock.version or '?'}, "
            f"lock {lock.lock_id} in {lock.where}",
            f"         if that run is gone (killed, its runner lost): {unlock_step(lock.lock_id, directory)}"]
