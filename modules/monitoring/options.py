"""Options of the monitoring construct, beside it; no framework import."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class MonitoringOptions:
    """CloudWatch alarms to an encrypted SNS topic, and one dashboard."""

    alarm_email: str | None = None
    """Address subscribed to the alarm topic (AWS mails a confirmation link first). Defaults to
    none: the topic has no subscriber until one is added out of band (e.g. a chat webhook)."""
    ecs_cpu_percent: int = 80
    """ECS service average CPU (%) above which its alarm fires (1-99). Defaults to 80."""
    ecs_cpu_minutes: int = 5
    """Consecutive minutes CPU must stay above ``ecs_cpu_percent`` (1-1440). Defaults to 5."""
    unhealthy_host_minutes: int = 2
    """Consecutive minutes with an unhealthy target before a target group's alarm fires (1-1440).
    Defaults to 2."""
    target_5xx_per_minute: int = 10
    """5XX responses of a target group's targets in one minute above which its alarm fires (0 or
    more; 0 alarms on any 5XX). Defaults to 10."""
    database_connections_percent: int = 80
    """Database connections, as % of the instance's ``max_connections``, above which the alarm
    fires (1-99). Defaults to 80."""
    database_max_connections: int | None = None
    """The database's ``max_connections`` when its parameter group sets one. Defaults to the
    engine's default for the instance class, derived from its memory
    (``modules/database/max_connections.py``)."""
