"""A deliberate teardown: the same settings with every protection against a destroy switched off.

Production refuses a destroy on purpose: its databases and load balancers have deletion protection,
its buckets and image repositories keep their contents (``force_destroy`` off), its DynamoDB tables
refuse deletion. Tearing such an environment down is therefore two applies, the way a team does it
against AWS:

1. ``python main.py --teardown <system:env>`` synthesizes the stack from :func:`teardown_settings`:
   the committed settings with the protections off and nothing else changed. Its plan shows only
   in-place updates of those protections (review it: anything else means it is not a teardown);
   ``terraform apply`` it. Databases keep ``final_snapshot``: deleting them leaves a final snapshot.
2. ``terraform destroy`` then removes everything.

The override is never committed to an environment's file: validation keeps refusing ``force_destroy`` in
production, except inside :func:`modules.validation.deliberate_teardown`, which only ``main.py
--teardown`` enters. ``python -m rehearsal --teardown`` proves both steps on the emulator.
"""

from __future__ import annotations

import dataclasses

from modules.database.options import DatabaseOptions, TableOptions
from modules.networking.options import LoadBalancerOptions
from modules.project import SystemSettings

PROTECTIONS_OFF = {
    DatabaseOptions: {"deletion_protection": False, "allow_unprotected_prod": True},
    LoadBalancerOptions: {"deletion_protection": False},
    TableOptions: {"deletion_protection": False, "allow_unprotected_prod": True},
    SystemSettings: {"force_destroy": True},
}
"""What :func:`teardown_settings` changes, per options class (a subclass counts as its class)."""

PROTECTION_ATTRIBUTES = frozenset({
    "deletion_protection", "enable_deletion_protection", "deletion_protection_enabled", "force_destroy",
    "force_delete",
})
"""The Terraform attributes a teardown's apply may change (RDS/Aurora, ALB, DynamoDB, S3, ECR)."""


def teardown_settings(settings):
    """``settings`` (a system's, nested options and tuples included) with :data:`PROTECTIONS_OFF` applied."""
    if isinstance(settings, (tuple, list)):
        return type(settings)(teardown_settings(item) for item in settings)
    if not dataclasses.is_dataclass(settings) or isinstance(settings, type):
        return settings
    changes = {f.name: teardown_settings(getattr(settings, f.name)) for f in dataclasses.fields(settings)}
    for cls, off in PROTECTIONS_OFF.items():
        if isinstance(settings, cls):
            changes.update(off)
    changed = {k: v for k, v in changes.items() if v is not getattr(settings, k)}
    return dataclasses.replace(settings, **changed) if changed else settings
