"""The security groups of a load-balanced application with an optional data tier, least privilege
(a pattern: a composition of group and rule resources that several systems share).

| group | inbound                               | outbound              |
|-------|---------------------------------------|-----------------------|
| ALB   | 443 and 80 from anywhere              | service ports to ECS  |
| ECS   | service ports from the ALB group only | all                   |
| RDS   | database port from the ECS group only | none                  |
| Redis | cache port from the ECS group only    | none                  |

Each rule is its own resource with a description; data ports are opened to
a group reference, never to a CIDR. A group created by Terraform loses
AWS's default allow-all egress rule, so "none" means none.
"""

from __future__ import annotations

from typing import Sequence

from modules.stack import ProjectStack
from modules.compute.options import EcsServiceOptions
from modules.database.options import CacheOptions, DatabaseOptions
from modules.framework import Construct, aws
from modules.naming import NameKind
from modules.networking.vpc import Vpc

ANYWHERE_IPV4 = "0.0.0.0/0"


class WebSecurityGroups(Construct):
    """Attributes: ``alb``, ``ecs``, ``database``, ``cache`` (the groups) and their ``*_security_group_id``."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vpc: Vpc,
        services: Sequence[EcsServiceOptions],
        database: DatabaseOptions | None = None,
        cache: CacheOptions | None = None,
        public_http: bool = True,
    ) -> None:
        """
        :param vpc: the groups' VPC.
        :param services: every service of the cluster: the ALB forwards to the ports of the
            load-balanced ones; tasks reach each other on the ports of those with a discovery name.
        :param database: defaults to none: no database group; else the group admits its port.
        :param cache: defaults to none: no cache group; else the group admits its port.
        :param public_http: defaults to opening 80 (redirect only) beside 443.
        """
        service_ports = [s.port for s in services if s.load_balanced]
        peer_ports = [s.port for s in services if s.discovery_name]
        database_port = database.effective_port if database is not None else None
        cache_port = cache.port if cache is not None else None
        vpc_id = vpc.vpc_id
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        naming = stack.naming
        self._naming = naming
        self._vpc_id = vpc_id

        self.alb = self._group("alb", "Load balancer: HTTPS (and HTTP redirect) from the internet")
        self.ecs = self._group("ecs", "ECS tasks: service ports from the load balancer only")
        self.database = self._group("rds", "Database: from ECS tasks only") if database_port else None
        self.cache = self._group("redis", "Redis: from ECS tasks only") if cache_port else None

        listener_ports = [443, 80] if public_http else [443]
        for port in listener_ports:
            what = "HTTPS" if port == 443 else "HTTP (redirects to HTTPS)"
            aws.vpc_security_group_ingress_rule.VpcSecurityGroupIngressRule(
                self, f"alb-in-{port}", security_group_id=self.alb.id, description=f"{what} from anywhere",
                ip_protocol="tcp", from_port=port, to_port=port, cidr_ipv4=ANYWHERE_IPV4,
            )
        for port in service_ports:
            aws.vpc_security_group_egress_rule.VpcSecurityGroupEgressRule(
                self, f"alb-out-{port}", security_group_id=self.alb.id,
                description=f"To ECS tasks on {port}", ip_protocol="tcp", from_port=port, to_port=port,
                referenced_security_group_id=self.ecs.id,
            )
            aws.vpc_security_group_ingress_rule.VpcSecurityGroupIngressRule(
                self, f"ecs-in-{port}", security_group_id=self.ecs.id,
                description=f"From the load balancer on {port}", ip_protocol="tcp", from_port=port,
                to_port=port, referenced_security_group_id=self.alb.id,
            )
        aws.vpc_security_group_egress_rule.VpcSecurityGroupEgressRule(
            self, "ecs-out-all", security_group_id=self.ecs.id,
            description="All outbound (image pulls, AWS APIs, third-party APIs)",
            ip_protocol="-1", cidr_ipv4=ANYWHERE_IPV4,
        )
        for port in peer_ports:
            aws.vpc_security_group_ingress_rule.VpcSecurityGroupIngressRule(
                self, f"ecs-peer-in-{port}", security_group_id=self.ecs.id,
                description=f"From other ECS tasks on {port} (service discovery)", ip_protocol="tcp",
                from_port=port, to_port=port, referenced_security_group_id=self.ecs.id,
            )
        for group, port, what in ((self.database, database_port, "database"), (self.cache, cache_port, "Redis")):
            if group is None:
                continue
            aws.vpc_security_group_ingress_rule.VpcSecurityGroupIngressRule(
                self, f"{what.lower()}-in-{port}", security_group_id=group.id,
                description=f"{what} from ECS tasks", ip_protocol="tcp", from_port=port, to_port=port,
                referenced_security_group_id=self.ecs.id,
            )

        self.alb_security_group_id: str = self.alb.id
        self.ecs_security_group_id: str = self.ecs.id
        self.database_security_group_id: str | None = self.database.id if self.database else None
        self.cache_security_group_id: str | None = self.cache.id if self.cache else None

    def _group(self, role: str, description: str):
        return aws.security_group.SecurityGroup(
            self, role, name=self._naming(role, "sg", kind=NameKind.SECURITY_GROUP), description=description,
            vpc_id=self._vpc_id, tags=self._naming.tag(role, "sg"),
        )
