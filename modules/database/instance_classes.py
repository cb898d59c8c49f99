"""Known RDS instance classes and ElastiCache node types, with their memory.

Memory (GiB) lets settings be validated before AWS sees them and lets the
monitoring tier derive ``max_connections`` instead of hard-coding it. Add a
class here when an environment needs one that is missing.
"""

from __future__ import annotations

_SIZES_GIB = {"micro": 1, "small": 2, "medium": 4, "large": 8, "xlarge": 16, "2xlarge": 32, "4xlarge": 64,
              "8xlarge": 128, "12xlarge": 192, "16xlarge": 256, "24xlarge": 384}


def _family(prefix: str, family: str, sizes: tuple[str, ...], factor: float = 1.0) -> dict[str, float]:
    return {f"{prefix}.{family}.{size}": _SIZES_GIB[size] * factor for size in sizes}


_BURSTABLE = ("micro", "small", "medium", "large", "xlarge", "2xlarge")
_GENERAL = ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")
# Sizes up to 16xlarge in every family below, 24xlarge where the family has it (RDS user guide,
# "Supported DB engines for DB instance classes" and "Hardware specifications", as of 2026-11).
_WITH_24XLARGE = ("m5", "r5", "m6i", "r6i", "m7i", "r7i")

RDS_INSTANCE_CLASS_MEMORY_GIB: dict[str, float] = {
    **_family("db", "t3", _BURSTABLE),
    **_family("db", "t4g", _BURSTABLE),
    **{k: v for f in ("m5", "m6g", "m6i", "m7g", "m7i", "m8g")
       for k, v in _family("db", f, _GENERAL + (("24xlarge",) if f in _WITH_24XLARGE else ())).items()},
    **{k: v for f in ("r5", "r6g", "r6i", "r7g", "r7i", "r8g")
       for k, v in _family("db", f, _GENERAL + (("24xlarge",) if f in _WITH_24XLARGE else ()), 2.0).items()},
}

ELASTICACHE_NODE_TYPE_MEMORY_GIB: dict[str, float] = {
    "cache.t3.micro": 0.5, "cache.t3.small": 1.37, "cache.t3.medium": 3.09,
    "cache.t4g.micro": 0.5, "cache.t4g.small": 1.37, "cache.t4g.medium": 3.09,
    "cache.m6g.large": 6.38, "cache.m6g.xlarge": 12.93, "cache.m7g.large": 6.38,
    "cache.r6g.large": 13.07, "cache.r6g.xlarge": 26.32, "cache.r7g.large": 13.07,
}
