"""Options of the patterns, beside them; no framework import (settings load before jsii starts)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from modules.compute.options import EcsClusterOptions, EcsServiceOptions, Problem
from modules.monitoring.options import MonitoringOptions
from modules.networking.options import LoadBalancerOptions, VpcOptions
from modules.project import SystemSettings
from modules.secrets.options import SecretsOptions

MAX_IMAGES_TO_KEEP = 1000  # an ECR lifecycle rule counts 1 to 1000 images


@dataclass(frozen=True, kw_only=True)
class SingleServiceSettings(SystemSettings):
    """One environment of a system built on :class:`~modules.patterns.single_service_app.SingleServiceApp`:
    what every such system says. A system's settings extend it with their own fields and defaults
    (redeclaring a field keeps its place and changes its default)."""

    network: VpcOptions
    service: EcsServiceOptions
    """The one service."""
    load_balancer: LoadBalancerOptions
    secrets: SecretsOptions
    """Secrets Manager containers ``<project>/<env>/<name>``."""
    cluster: EcsClusterOptions = field(default_factory=EcsClusterOptions)
    """Defaults to Container Insights on."""
    monitoring: MonitoringOptions = field(default_factory=MonitoringOptions)
    """CPU, unhealthy-host and 5XX alarms to an encrypted SNS topic. Defaults to no e-mail subscriber."""
    images_to_keep: int = 10
    """Images kept in the ECR repository. Defaults to the last 10."""

    @property
    def services(self) -> tuple[EcsServiceOptions, ...]:
        return (self.service,)


def single_service_problems(settings: SingleServiceSettings) -> Iterator[Problem]:
    """What is wrong with the fields only this pattern has, on their own."""
    if not 1 <= settings.images_to_keep <= MAX_IMAGES_TO_KEEP:
        yield ("images_to_keep", settings.images_to_keep,
               f"ECR lifecycle rules count 1 to {MAX_IMAGES_TO_KEEP} images", "use e.g. 10")
