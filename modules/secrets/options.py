"""Options of the Secrets Manager construct, beside it; no framework import."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class SecretsOptions:
    """Secret containers ``<project>/<env>/<name>``; their values are set out of band, never here."""

    names: tuple[str, ...] = ()
    """Short names of the secrets, e.g. ``("database", "nextauth")``. Defaults to none."""
    recovery_window_days: int = 30
    """Days a deleted secret can be restored: 0 (delete at once: dev only) or 7-30. Defaults to 30."""
    customer_managed_key: bool = True
    """Encrypt with a KMS key of the environment (rotated yearly; about 1 USD/month). Off uses
    the AWS-managed key ``aws/secretsmanager``. Defaults to on."""





# -- per-field rules (fields relative to SecretsOptions; see modules/compute/options.py) --------
import re as _re  # noqa: E402
from typing import Iterator  # noqa: E402

_SECRET_NAME = _re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def secrets_problems(sec: SecretsOptions) -> Iterator[tuple[str, object, str, str]]:
    for i, name in enumerate(sec.names):
        if not _SECRET_NAME.match(name):
            yield f"names[{i}]", name, "use lowercase letters, digits, '-' and '_'", "rename it, e.g. 'github-oauth'"
        if name in sec.names[:i]:
            yield f"names[{i}]", name, "listed twice", "list each secret once"
    if sec.recovery_window_days != 0 and not 7 <= sec.recovery_window_days <= 30:
        yield ("recovery_window_days", sec.recovery_window_days,
               "Secrets Manager accepts 0 (delete at once) or 7 to 30 days", "use 0 only in dev, otherwise 7 to 30")
