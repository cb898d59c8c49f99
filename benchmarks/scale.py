#!/usr/bin/env python3
"""Synthesize one environment with N extra load-balanced services (the bench's marginal cost).

    python -m benchmarks.scale N OUTDIR [ENV]     # ENV defaults to dev

Each extra service is a small Fargate service with its own path pattern and listener
priority, built by the same stack code as the committed services.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from environments import load
from modules.compute.options import EcsServiceOptions
from systems.codemate.settings import CodemateSettings
from systems.codemate.settings import validate


def with_extra_services(settings: CodemateSettings, count: int) -> CodemateSettings:
    """``settings`` plus ``count`` load-balanced services ``extra0``, ``extra1``, ..."""
    extra = tuple(
        EcsServiceOptions(
            name=f"extra{i}", port=4000 + i, cpu=256, memory=512, health_check_path="/health",
            desired_count=1, min_count=1, max_count=2,
            path_patterns=(f"/extra{i}/*",), listener_priority=1000 + i,
        )
        for i in range(count)
    )
    return dataclasses.replace(settings, services=settings.services + extra)


def main(argv: list[str]) -> int:
    count, outdir = int(argv[0]), Path(argv[1])
    settings = with_extra_services(load(argv[2] if len(argv) > 2 else "dev"), count)
    validate(settings)
    from main import synthesize

    synthesize([settings], outdir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
