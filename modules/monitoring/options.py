"""Options of the monitoring construct, beside it; no framework import."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class MonitoringOptions:
    """CloudWatch alarms to an encrypted SNS topic, and one dashboard."""

    alarm_emails: tuple[str, ...] = ()
    """Addresses subscribed to the alarm topic by e-mail (AWS mails each a confirmation link first).
    Defaults to none: the synth summary notes that nobody is told (a subscriber may still be added
    out of band, e.g. a chat webhook)."""
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


# -- per-field rules (fields relative to MonitoringOptions; see modules/compute/options.py) ------
from typing import Iterator  # noqa: E402

from modules.aws_limits import email_problem  # noqa: E402


def monitoring_problems(m: MonitoringOptions) -> Iterator[tuple[str, object, str, str]]:
    for i, address in enumerate(m.alarm_emails):
        if not isinstance(address, str):
            yield (f"alarm_emails[{i}]", address, "not an email address", "write addresses such as 'ops@example.com'")
        elif problem := email_problem(address):
            yield (f"alarm_emails[{i}]", address, *problem)
        elif address.lower() in (a.lower() for a in m.alarm_emails[:i] if isinstance(a, str)):
            yield (f"alarm_emails[{i}]", address, "listed twice (SNS keeps one subscription per address)",
                   "list each address once")
    for field, value in (("ecs_cpu_percent", m.ecs_cpu_percent),
                         ("database_connections_percent", m.database_connections_percent)):
        if not 1 <= value <= 99:
            yield (field, value, "a percentage threshold outside 1-99 (above 99 the alarm can never fire)",
                   "use e.g. 80")
    for field, value in (("ecs_cpu_minutes", m.ecs_cpu_minutes), ("unhealthy_host_minutes", m.unhealthy_host_minutes)):
        if not 1 <= value <= 1440:
            yield field, value, "CloudWatch evaluates an alarm over 1 minute to 1 day (1440 minutes)", "use e.g. 5"
    if m.target_5xx_per_minute < 0:
        yield "target_5xx_per_minute", m.target_5xx_per_minute, "a negative count", "use 0 (any 5XX) or more, e.g. 10"
    if m.database_max_connections is not None and m.database_max_connections < 1:
        yield ("database_max_connections", m.database_max_connections, "max_connections is at least 1",
               "set the parameter group's value, or leave it out")
