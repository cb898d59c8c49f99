"""The local AWS emulator of a rehearsal: moto's threaded server plus a compatibility layer.

moto (pinned in requirements-lock.txt) emulates most of what our stacks create, but not all of it the
way AWS does. Every correction is one declarative record (:mod:`rehearsal.emulator.core`), kept in the
module of its AWS service and listed in :mod:`rehearsal.emulator.registry`: a :class:`Patch` (attributes
of moto's own code replaced while the emulator runs, undone when it stops) or a :class:`Fake` /
:class:`RestFake` (an API moto lacks, answered before moto sees the request). Each one states

* ``moto``: what moto does wrong,
* ``aws``: what AWS does instead, with ``reference``: the API reference that says so,
* ``probe``: a request that shows the gap. ``tests/rehearsal/test_emulator.py`` runs every probe
  against plain moto (it must still show the gap: when a moto upgrade fixes it, that test fails and
  the correction can go) and against the patched emulator (the gap must be gone),
* the correction: ``replaces`` (a patch) or ``handler`` (a fake).

Rule: a correction reproduces documented AWS behaviour that moto lacks. It never makes the emulator
accept what AWS would reject: a configuration error found by a rehearsal is fixed in the constructs.

    core.py                     the shape (Correction, Patch + Replace, Fake, RestFake), stores, ProbeSession
    registry.py                 PATCHES and FAKES: every correction, in one place
    server.py                   Emulator (start, stop, one per process), CompatibilityMiddleware, reset
    s3.py iam.py lambda_.py ecs.py ec2.py rds.py elasticache.py elbv2.py sqs.py eks.py kms.py codebuild.py
    codepipeline.py codestar.py cloud_map.py application_autoscaling.py budgets.py backup.py
                                                                          one module per AWS service
"""

from __future__ import annotations

from rehearsal.emulator.core import (
    ACCOUNT_ID,
    Correction,
    Fake,
    Patch,
    ProbeSession,
    Replace,
    RestFake,
    Undo,
    clear_stores,
)
from rehearsal.emulator.registry import FAKES, PATCHES
from rehearsal.emulator.server import CompatibilityMiddleware, Emulator, reset

__all__ = [
    "ACCOUNT_ID", "FAKES", "PATCHES", "CompatibilityMiddleware", "Correction", "Emulator", "Fake", "Patch",
    "ProbeSession", "Replace", "RestFake", "Undo", "clear_stores", "reset",
]
