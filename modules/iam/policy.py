"""Policy documents as JSON, built from statements that name their actions exactly.

``allow`` refuses a wildcard action (``s3:*``, ``*``): every Allow in the
project lists the actions it needs. A resource wildcard is allowed only
where AWS offers no resource scoping (``ecr:GetAuthorizationToken``).
Resource ARNs are usually tokens; ``json.dumps`` keeps them as
interpolations, so Terraform fills them in.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

Statement = dict[str, Any]


def allow(
    sid: str,
    actions: Sequence[str],
    resources: Sequence[str] | str,
    *,
    condition: dict[str, Any] | None = None,
    principal: dict[str, Any] | None = None,
) -> Statement:
    """An Allow statement; raises ``ValueError`` for a wildcard action (a programming error)."""
    wild = [a for a in actions if "*" in a or "?" in a]
    if wild or not actions:
        raise ValueError(f"statement {sid!r}: list the exact actions, not {wild or 'none'}")
    statement: Statement = {"Sid": sid, "Effect": "Allow"}
    if principal is not None:
        statement["Principal"] = principal
    statement["Action"] = list(actions)
    statement["Resource"] = resources if isinstance(resources, str) else list(resources)
    if condition:
        statement["Condition"] = condition
    return statement


def document(*statements: Statement) -> str:
    """A policy document (``Version`` 2012-10-17) as JSON text."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def service_trust(service: str, *, source_account: str | None = None) -> str:
    """Trust policy letting an AWS service assume a role, optionally only for ``source_account``
    (confused-deputy protection)."""
    statement: Statement = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if source_account is not None:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": source_account}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})
