"""A custom EventBridge event bus ``<project>-<env>``: ``bus.grant_put_events(service)``.

Construct ID: ``bus``.
"""

from __future__ import annotations

from modules.framework import Construct, aws
from modules.iam.grants import Grantee, sid
from modules.iam.policy import allow
from modules.naming import NameKind
from modules.stack import ProjectStack


class EventBus(Construct):
    """Attributes: ``bus``, ``event_bus_name``, ``event_bus_arn``."""

    def __init__(self, scope: Construct, id: str, *, name: str | None = None) -> None:
        """:param name: short name; defaults to none: the bus is ``<project>-<env>``."""
        super().__init__(scope, id)
        naming = ProjectStack.of(self).naming
        self._name = naming(*([name] if name else []), kind=NameKind.EVENT_BUS)
        self.bus = aws.cloudwatch_event_bus.CloudwatchEventBus(self, "bus", name=self._name,
                                                               tags=naming.tag(*([name] if name else []), "bus"))
        # The bus's own attribute, not the literal name: a rule or target on the bus then waits for it
        # (with the literal, Terraform may create the rule first: "Event bus ... does not exist").
        self.event_bus_name: str = self.bus.name
        self.event_bus_arn: str = self.bus.arn

    def grant_put_events(self, grantee: Grantee) -> None:
        """Let ``grantee`` put events on this bus only."""
        grantee.add_to_role_policy(allow(sid(self._name, "put", "events"), ["events:PutEvents"],
                                         self.event_bus_arn))
