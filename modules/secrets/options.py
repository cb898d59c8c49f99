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



