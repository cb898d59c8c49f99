"""One security group and its connections: ``database.security_group.allow_from(service.security_group, 3306)``.

Each rule is its own resource with a description (the provider's recommended
``aws_vpc_security_group_{ingress,egress}_rule``); a peer is another group (a
reference, never a CIDR) or, only where asked for explicitly, a CIDR block.
A group created by Terraform has no egress rule at all: outbound traffic is
opened rule by rule (``allow_to``) or wholesale (``allow_all_outbound``).
``allow_from`` opens both ends: the peer's egress to this group too, unless
the peer allows all outbound already.
"""

from __future__ import annotations

import ipaddress

from modules.framework import Construct, aws
from modules.naming import NameKind
from modules.stack import ProjectStack

ANYWHERE_IPV4 = "0.0.0.0/0"


class SecurityGroup(Construct):
    """Attributes: ``security_group`` (the resource), ``security_group_id``, ``role`` (its short name).

    Construct IDs of its rules: ``in-<peer>-<port>``, ``out-<peer>-<port>``, ``out-all``."""

    def __init__(self, scope: Construct, id: str, *, vpc_id: str, role: str, description: str,
                 allow_all_outbound: bool = False) -> None:
        """
        :param role: short name in the group's name ``<project>-<role>-sg-<env>`` and in rule IDs.
        :param allow_all_outbound: defaults to off: no outbound traffic until ``allow_to``.
        """
        super().__init__(scope, id)
        naming = ProjectStack.of(self).naming
        self.role = role
        self.security_group = aws.security_group.SecurityGroup(
            self, "group", name=naming(role, "sg", kind=NameKind.SECURITY_GROUP), description=description,
            vpc_id=vpc_id, tags=naming.tag(role, "sg"),
        )
        self.security_group_id: str = self.security_group.id
        self.allows_all_outbound = False
        self._rules: set[str] = set()
        if allow_all_outbound:
            self.allow_all_outbound()

    def allow_all_outbound(self, description: str = "All outbound (image pulls, AWS APIs, third-party APIs)") -> None:
        if self.allows_all_outbound:
            return
        self.allows_all_outbound = True
        aws.vpc_security_group_egress_rule.VpcSecurityGroupEgressRule(
            self, "out-all", security_group_id=self.security_group_id, description=description,
            ip_protocol="-1", cidr_ipv4=ANYWHERE_IPV4,
        )

    def allow_from(self, peer: "SecurityGroup | str", port: int, description: str | None = None) -> None:
        """Admit TCP ``port`` from ``peer`` (a group, or a CIDR block given as a string)."""
        self._rule("in", peer, port, description or f"From {_label(peer)} on {port}")
        if isinstance(peer, SecurityGroup) and not peer.allows_all_outbound:
            peer._rule("out", self, port, f"To {self.role} on {port}")

    def allow_to(self, peer: "SecurityGroup | str", port: int, description: str | None = None) -> None:
        """Let this group send TCP ``port`` to ``peer`` (and ``peer`` admit it, when it is a group)."""
        if isinstance(peer, SecurityGroup):
            peer.allow_from(self, port, description)
        else:
            self._rule("out", peer, port, description or f"To {peer} on {port}")

    def _rule(self, direction: str, peer: "SecurityGroup | str", port: int, description: str) -> None:
        if not 1 <= port <= 65535:
            raise ValueError(f"{self.node.path}: port {port} is not a TCP port (1-65535)")
        rule_id = f"{direction}-{_label(peer)}-{port}"
        if rule_id in self._rules:
            return
        self._rules.add(rule_id)
        target = ({"referenced_security_group_id": peer.security_group_id} if isinstance(peer, SecurityGroup)
                  else {"cidr_ipv4": str(ipaddress.IPv4Network(peer))})
        rule = (aws.vpc_security_group_ingress_rule.VpcSecurityGroupIngressRule if direction == "in"
                else aws.vpc_security_group_egress_rule.VpcSecurityGroupEgressRule)
        rule(self, rule_id, security_group_id=self.security_group_id, description=description,
             ip_protocol="tcp", from_port=port, to_port=port, **target)


def _label(peer: "SecurityGroup | str") -> str:
    return peer.role if isinstance(peer, SecurityGroup) else ("anywhere" if peer == ANYWHERE_IPV4 else
                                                             peer.replace("/", "_").replace(".", "-"))
