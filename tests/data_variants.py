"""The SPEC §5 database variants, each synthesized at most once per session.

* UniSync: RDS MySQL 8.0, db.t3.micro, 20 GB, Multi-AZ, 7-day backups.
* OpenMarket: Aurora MySQL 8.0 cluster, writer + 1 reader, db.t3.medium, 7-day backups.

``no-domain`` is dev without its domain: the library's HTTP-only path.

The first two reuse prod's settings (so the rules of a production database apply) with
the database swapped and the project renamed, as those systems would write them.
"""

from __future__ import annotations

from dataclasses import replace

from environments import load
from modules.database.engines import DatabaseEngine
from systems.codemate.settings import CodemateSettings
from tests.support import Synth, synth_settings


def unisync_settings() -> CodemateSettings:
    prod = load("prod")
    return replace(
        prod, project=replace(prod.project, name="unisync"),
        database=replace(
            prod.database, engine=DatabaseEngine.MYSQL, engine_version="8.0", instance_class="db.t3.micro",
            allocated_storage_gb=20, max_allocated_storage_gb=0, multi_az=True, backup_retention_days=7,
            performance_insights=False,
        ),
    )


def openmarket_settings() -> CodemateSettings:
    prod = load("prod")
    return replace(
        prod, project=replace(prod.project, name="openmarket"),
        database=replace(
            prod.database, engine=DatabaseEngine.AURORA_MYSQL, engine_version=None, instance_class="db.t3.medium",
            max_allocated_storage_gb=0, multi_az=True, backup_retention_days=7, performance_insights=False,
        ),
    )


def no_domain_settings() -> CodemateSettings:
    """dev as it was before the document's domain (SPEC §7): no zone, so HTTP only, with a note."""
    dev = load("dev")
    return replace(dev, load_balancer=replace(dev.load_balancer, domain=None))


VARIANTS = {"unisync": unisync_settings, "openmarket": openmarket_settings, "no-domain": no_domain_settings}
_CACHE: dict[str, Synth] = {}


def synthesized_variant(name: str) -> Synth:
    if name not in _CACHE:
        _CACHE[name] = synth_settings(VARIANTS[name]())
    return _CACHE[name]
