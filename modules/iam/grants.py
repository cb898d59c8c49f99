"""Grants: the resource that is used writes the IAM statements; the composition says who uses what.

    bucket.grant_read_write(service)      # SecureBucket
    secrets.grant_read(function, "jwt")   # Secrets
    key.grant_encrypt_decrypt(service)    # KmsKey

A *grantee* is anything with an IAM role it can extend: an ECS service (its task role), a
function (its execution role). It implements :class:`Grantee`; the statements land in one inline
policy of that role (:class:`InlinePolicy`), created when the first statement arrives.
"""

from __future__ import annotations

import re
from typing import Protocol, Sequence, runtime_checkable

from modules.framework import Construct, aws
from modules.iam.policy import Statement, allow, document


@runtime_checkable
class Grantee(Protocol):
    """Something whose role can be granted permissions."""

    def add_to_role_policy(self, *statements: Statement) -> None: ...


class InlinePolicy:
    """One ``aws_iam_role_policy`` of a role that grows as statements are granted.

    Created in ``scope`` under ``id`` with the first statement (a role with nothing granted
    has no policy at all); later statements rewrite its document. Sids are unique: a repeated
    one is numbered (``FilesObjects2``)."""

    def __init__(self, scope: Construct, id: str, *, role_id: str, name: str,
                 statements: Sequence[Statement] = ()) -> None:
        self._scope, self._id, self._role_id, self._name = scope, id, role_id, name
        self.statements: list[Statement] = []
        self.resource = None
        if statements:
            self.add(*statements)

    def add(self, *statements: Statement) -> None:
        taken = {s.get("Sid") for s in self.statements}
        for statement in statements:
            sid = statement.get("Sid")
            if sid in taken:
                n = 2
                while f"{sid}{n}" in taken:
                    n += 1
                statement = {**statement, "Sid": f"{sid}{n}"}
            taken.add(statement.get("Sid"))
            self.statements.append(statement)
        if self.resource is None:
            self.resource = aws.iam_role_policy.IamRolePolicy(
                self._scope, self._id, role=self._role_id, name=self._name, policy=document(*self.statements),
            )
        else:
            self.resource.policy = document(*self.statements)


def sid(*parts: str) -> str:
    """A statement ID from construct names: ``sid("files", "read-write") == "FilesReadWrite"``."""
    words = re.split(r"[^A-Za-z0-9]+", " ".join(parts))
    return "".join(w[:1].upper() + w[1:] for w in words if w)


def secret_read_statements(name: str, secret_arn: str, kms_key_arn: str, region: str) -> list[Statement]:
    """Read one secret (``GetSecretValue``, ``DescribeSecret``) and decrypt it with its key, through
    Secrets Manager in ``region`` only; Sids from ``name``."""
    label = "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", name) if part)
    return [
        allow(f"Read{label}Secret", ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"], secret_arn),
        allow(f"Decrypt{label}Secret", ["kms:Decrypt"], kms_key_arn,
              condition={"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}}),
    ]
