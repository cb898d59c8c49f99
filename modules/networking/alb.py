"""The internet-facing application load balancer: listeners, target groups, path rules.

* With a certificate: HTTPS 443 (TLS policy ``ELBSecurityPolicy-TLS13-1-2-2021-06``
  by default) forwards; HTTP 80 only redirects to HTTPS (301).
* Without one: HTTP 80 forwards (an environment without a domain), and the
  composing stack says so in the synth summary.
* One target group per target (type ``ip`` for Fargate, HTTP, health
  healthy 2 / unhealthy 3 / every 30 s), one listener rule per target with
  path patterns, in priority order; the target without patterns is the
  listener's default action.
* Invalid header fields dropped, deletion protection on request, access
  logs to a bucket when one is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from modules.stack import ProjectStack
from modules.framework import Construct, aws
from modules.terraform_strings import terraform_literal

DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
STICKINESS_SECONDS = 86400


@dataclass(frozen=True)
class Target:
    """One service behind the load balancer."""

    name: str
    port: int
    health_check_path: str
    path_patterns: tuple[str, ...] = ()
    """Defaults to none: this target is the default action."""
    priority: int | None = None
    """Listener rule priority; required with ``path_patterns``."""


class LoadBalancer(Construct):
    """Attributes: ``load_balancer``, ``alb_arn``, ``alb_dns_name``, ``alb_zone_id``,
    ``target_groups`` and ``target_group_arns`` (by target name), ``http_listener``,
    ``https_listener`` (``None`` without a certificate), ``listeners`` (services depend on them),
    ``forwarding_listener`` (the one that carries the rules), ``rules``."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vpc_id: str,
        subnet_ids: Sequence[str],
        security_group_ids: Sequence[str],
        targets: Sequence[Target],
        certificate_arn: str | None = None,
        ssl_policy: str = DEFAULT_SSL_POLICY,
        idle_timeout_seconds: int = 60,
        deregistration_delay_seconds: int = 300,
        stickiness: bool = False,
        deletion_protection: bool = False,
        access_logs_bucket: str | None = None,
        access_logs_prefix: str = "alb",
        healthy_threshold: int = 2,
        unhealthy_threshold: int = 3,
        health_check_interval_seconds: int = 30,
        depends_on: Sequence = (),
    ) -> None:
        """
        :param targets: exactly one without path patterns (the default action).
        :param certificate_arn: defaults to none: HTTP only.
        :param ssl_policy: defaults to TLS 1.3 and 1.2 only.
        :param idle_timeout_seconds: defaults to AWS's 60.
        :param deregistration_delay_seconds: defaults to AWS's 300.
        :param stickiness: defaults to off.
        :param deletion_protection: defaults to off.
        :param access_logs_bucket: defaults to none: no access logs.
        :param access_logs_prefix: defaults to ``alb``.
        :param healthy_threshold: defaults to 2.
        :param unhealthy_threshold: defaults to 3.
        :param health_check_interval_seconds: defaults to 30.
        :param depends_on: e.g. the log bucket's policy (AWS checks write access on creation).
        """
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        naming = stack.naming
        defaults = [t for t in targets if not t.path_patterns]
        if len(defaults) != 1:
            raise ValueError(
                f"LoadBalancer: exactly one target without path patterns, got {[t.name for t in defaults]}"
            )
        routed = sorted((t for t in targets if t.path_patterns), key=lambda t: t.priority or 0)
        if any(t.priority is None for t in routed) or len({t.priority for t in routed}) != len(routed):
            raise ValueError("LoadBalancer: every target with path patterns needs its own priority")

        self.load_balancer = aws.lb.Lb(
            self, "alb", name=naming.alb_name(), load_balancer_type="application", internal=False,
            subnets=list(subnet_ids), security_groups=list(security_group_ids),
            idle_timeout=idle_timeout_seconds, drop_invalid_header_fields=True,
            enable_deletion_protection=deletion_protection,
            access_logs={"bucket": access_logs_bucket, "prefix": access_logs_prefix, "enabled": True}
            if access_logs_bucket else None,
            tags=naming.tag("alb"), depends_on=list(depends_on) or None,
        )
        self.alb_arn: str = self.load_balancer.arn
        self.alb_dns_name: str = self.load_balancer.dns_name
        self.alb_zone_id: str = self.load_balancer.zone_id

        self.target_groups = {
            t.name: aws.lb_target_group.LbTargetGroup(
                self, f"tg-{t.name}", name=naming.target_group_name(t.name), port=t.port, protocol="HTTP",
                target_type="ip", vpc_id=vpc_id, deregistration_delay=str(deregistration_delay_seconds),
                health_check={
                    "enabled": True, "path": terraform_literal(t.health_check_path), "protocol": "HTTP",
                    "port": "traffic-port",
                    "matcher": "200-299", "healthy_threshold": healthy_threshold,
                    "unhealthy_threshold": unhealthy_threshold, "interval": health_check_interval_seconds,
                    "timeout": 5,
                },
                stickiness={"type": "lb_cookie", "enabled": stickiness, "cookie_duration": STICKINESS_SECONDS},
                tags=naming.tag(t.name, "tg"),
            )
            for t in targets
        }
        self.target_group_arns: dict[str, str] = {name: tg.arn for name, tg in self.target_groups.items()}
        forward_default = [aws.lb_listener.LbListenerDefaultAction(
            type="forward", target_group_arn=self.target_group_arns[defaults[0].name],
        )]

        self.https_listener = None
        if certificate_arn:
            self.https_listener = aws.lb_listener.LbListener(
                self, "https", load_balancer_arn=self.alb_arn, port=443, protocol="HTTPS",
                ssl_policy=ssl_policy, certificate_arn=certificate_arn, default_action=forward_default,
            )
            self.http_listener = aws.lb_listener.LbListener(
                self, "http", load_balancer_arn=self.alb_arn, port=80, protocol="HTTP",
                default_action=[aws.lb_listener.LbListenerDefaultAction(
                    type="redirect", redirect={"port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"},
                )],
            )
            self.forwarding_listener = self.https_listener
        else:
            self.http_listener = aws.lb_listener.LbListener(
                self, "http", load_balancer_arn=self.alb_arn, port=80, protocol="HTTP",
                default_action=forward_default,
            )
            self.forwarding_listener = self.http_listener
        self.listeners = [listener for listener in (self.https_listener, self.http_listener) if listener]

        self.rules = [
            aws.lb_listener_rule.LbListenerRule(
                self, f"rule-{t.name}", listener_arn=self.forwarding_listener.arn, priority=t.priority,
                action=[aws.lb_listener_rule.LbListenerRuleAction(
                    type="forward", target_group_arn=self.target_group_arns[t.name],
                )],
                condition=[aws.lb_listener_rule.LbListenerRuleCondition(
                    path_pattern={"values": [terraform_literal(p) for p in t.path_patterns]},
                )],
                tags=naming.tag(t.name, "rule"),
            )
            for t in routed
        ]
