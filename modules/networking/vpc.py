"""VPC with three subnet tiers, internet gateway, NAT, route tables and flow logs.

Tiers, one subnet per AZ each:

* public — ALB and NAT gateways; default route to the internet gateway.
* private app — ECS tasks; default route to NAT (per AZ, single, or none).
* database — RDS and Redis; a route table with no route at all (isolated).

The default security group is taken over and stripped of every rule, so a
resource that forgets its own group gets no access.

Flow logs (all traffic) go to a CloudWatch log group encrypted with a
customer-managed KMS key; the role that writes them trusts only flow logs of
this account and region and may write only to that group.
"""

from __future__ import annotations

import json
from typing import Mapping, Sequence

from modules.framework import Construct, aws
from modules.naming import NameKind, Naming
from modules.networking.options import NatMode, VpcOptions
from modules.stack import ProjectStack
from modules.security.kms import KmsKey, partition_of


class Vpc(Construct):
    """The network of one environment.

    Attributes: ``vpc_id``, ``vpc_cidr``, ``public_subnet_ids``,
    ``private_app_subnet_ids``, ``database_subnet_ids``, ``nat_gateways``,
    ``public_route_table``, ``app_route_tables``, ``database_route_table``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        options: VpcOptions,
        flow_log_key: KmsKey | None = None,
        subnet_tags: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        """
        :param options: CIDRs of the VPC and its tiers (an empty tier is not created), NAT, S3 endpoint,
            flow logs (see :class:`~modules.networking.options.VpcOptions`); one subnet per availability
            zone of the stack; flow logs are kept ``options.flow_log_retention_days``, else the stack's
            ``log_retention_days``.
        :param flow_log_key: defaults to a key of its own (``flow-log-key``: rotated yearly,
            usable by CloudWatch Logs of this account only).
        :param subnet_tags: extra tags per tier (``public``, ``app``, ``db``), e.g. the
            ``kubernetes.io/role/elb`` tag a load balancer controller discovers subnets by. Defaults to none.
        """
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        naming, region, account_id, availability_zones = stack.naming, stack.region, stack.account_id, \
            stack.availability_zones
        self.options = options
        cidr, nat_mode = options.vpc_cidr, options.nat_mode
        public_subnet_cidrs, private_app_subnet_cidrs = options.public_subnet_cidrs, options.private_app_subnet_cidrs
        database_subnet_cidrs = options.database_subnet_cidrs
        flow_log_retention_days = (options.flow_log_retention_days if options.flow_log_retention_days is not None
                                   else stack.log_retention_days)
        zones = [az[-1] for az in availability_zones]  # "a", "c": stable construct IDs per AZ

        self.vpc = aws.vpc.Vpc(
            self, "vpc", cidr_block=cidr, enable_dns_hostnames=True, enable_dns_support=True,
            tags=naming.tag("vpc"),
        )
        self.vpc_id: str = self.vpc.id
        self.vpc_cidr = cidr
        aws.default_security_group.DefaultSecurityGroup(
            self, "default-sg", vpc_id=self.vpc_id, tags=naming.tag("default-deny"),
        )
        self.internet_gateway = aws.internet_gateway.InternetGateway(
            self, "igw", vpc_id=self.vpc_id, tags=naming.tag("igw"),
        )

        extra_tags = dict(subnet_tags or {})
        if unknown := sorted(set(extra_tags) - {"public", "app", "db"}):
            raise ValueError(f"subnet_tags: unknown tier(s) {unknown}; the tiers are public, app, db")

        def subnets(tier: str, cidrs: Sequence[str]) -> list:
            return [
                aws.subnet.Subnet(
                    self, f"{tier}-{zone}", vpc_id=self.vpc_id, cidr_block=block, availability_zone=az,
                    map_public_ip_on_launch=False,
                    tags={**naming.tag(tier, zone), "Tier": tier, **extra_tags.get(tier, {})},
                )
                for zone, az, block in zip(zones, availability_zones, cidrs)
            ]

        self.public_subnets = subnets("public", public_subnet_cidrs)
        self.private_app_subnets = subnets("app", private_app_subnet_cidrs)
        self.database_subnets = subnets("db", database_subnet_cidrs)
        self.public_subnet_ids = [s.id for s in self.public_subnets]
        self.private_app_subnet_ids = [s.id for s in self.private_app_subnets]
        self.database_subnet_ids = [s.id for s in self.database_subnets]

        # Public tier: one route table, default route to the internet gateway.
        self.public_route_table = aws.route_table.RouteTable(
            self, "public-rt", vpc_id=self.vpc_id, tags=naming.tag("public-rt"),
        )
        aws.route.Route(
            self, "public-default", route_table_id=self.public_route_table.id,
            destination_cidr_block="0.0.0.0/0", gateway_id=self.internet_gateway.id,
        )
        self._associate("public", zones, self.public_subnets, [self.public_route_table])

        # NAT gateways in the public subnets.
        nat_zones = {NatMode.NONE: [], NatMode.SINGLE: zones[:1], NatMode.ONE_PER_AZ: zones}[nat_mode]
        if not self.private_app_subnets:
            nat_zones = []
        self.nat_gateways = []
        for zone, subnet in zip(zones, self.public_subnets):
            if zone not in nat_zones:
                continue
            eip = aws.eip.Eip(self, f"nat-eip-{zone}", domain="vpc", tags=naming.tag("nat-eip", zone))
            self.nat_gateways.append(aws.nat_gateway.NatGateway(
                self, f"nat-{zone}", allocation_id=eip.allocation_id, subnet_id=subnet.id,
                tags=naming.tag("nat", zone), depends_on=[self.internet_gateway],
            ))

        # App tier: a route table per AZ with its own NAT, else one shared table.
        self.app_route_tables = []
        if self.private_app_subnets:
            per_az = nat_mode is NatMode.ONE_PER_AZ
            for i, zone in enumerate(zones if per_az else zones[:1]):
                suffix = f"-{zone}" if per_az else ""
                table = aws.route_table.RouteTable(
                    self, f"app-rt{suffix}", vpc_id=self.vpc_id, tags=naming.tag("app-rt" + suffix),
                )
                if self.nat_gateways:
                    aws.route.Route(
                        self, f"app-default{suffix}", route_table_id=table.id,
                        destination_cidr_block="0.0.0.0/0", nat_gateway_id=self.nat_gateways[i].id,
                    )
                self.app_route_tables.append(table)
            tables = self.app_route_tables if per_az else self.app_route_tables * len(zones)
            self._associate("app", zones, self.private_app_subnets, tables)

        # Database tier: isolated — a route table with no route out, no endpoint.
        self.database_route_table = None
        if self.database_subnets:
            self.database_route_table = aws.route_table.RouteTable(
                self, "db-rt", vpc_id=self.vpc_id, tags=naming.tag("db-rt"),
            )
            self._associate("db", zones, self.database_subnets, [self.database_route_table] * len(zones))

        if options.s3_gateway_endpoint and self.app_route_tables:
            aws.vpc_endpoint.VpcEndpoint(
                self, "s3-endpoint", vpc_id=self.vpc_id, service_name=f"com.amazonaws.{region}.s3",
                vpc_endpoint_type="Gateway", route_table_ids=[t.id for t in self.app_route_tables],
                tags=naming.tag("s3-endpoint"),
            )

        self.flow_log_group = None
        self.flow_log_key = None
        if options.flow_logs:
            self.flow_log_key = flow_log_key or KmsKey(
                self, "flow-log-key", purpose="flow-logs",
                description=f"VPC flow logs of {naming.project}-{naming.environment}", cloudwatch_logs=True,
            )
            self._flow_logs(naming, region, account_id, flow_log_retention_days, self.flow_log_key)

    def _associate(self, tier: str, zones: Sequence[str], subnets: list, tables: list) -> None:
        if len(tables) == 1:
            tables = tables * len(subnets)
        for zone, subnet, table in zip(zones, subnets, tables):
            aws.route_table_association.RouteTableAssociation(
                self, f"{tier}-rta-{zone}", subnet_id=subnet.id, route_table_id=table.id,
            )

    def _flow_logs(self, naming: Naming, region: str, account_id: str, retention_days: int, key: KmsKey) -> None:
        self.flow_log_group = aws.cloudwatch_log_group.CloudwatchLogGroup(
            self, "flow-log-group", name=f"/aws/vpc/{naming('flow-logs')}", retention_in_days=retention_days,
            kms_key_id=key.key_arn,
        )
        assume = json.dumps({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                "Action": "sts:AssumeRole",
                # Confused-deputy guard: only flow logs of this account and region may assume it.
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {"aws:SourceArn": f"arn:{partition_of(region)}:ec2:{region}:{account_id}:vpc-flow-log/*"},
                },
            }],
        })
        role = aws.iam_role.IamRole(
            self, "flow-log-role", name=naming("vpc-flow-logs", kind=NameKind.IAM_ROLE), assume_role_policy=assume,
        )
        aws.iam_role_policy.IamRolePolicy(
            self, "flow-log-policy", role=role.id, name="write-flow-logs",
            policy=json.dumps({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    "Resource": f"{self.flow_log_group.arn}:*",
                }],
            }),
        )
        aws.flow_log.FlowLog(
            self, "flow-log", vpc_id=self.vpc_id, traffic_type="ALL", log_destination_type="cloud-watch-logs",
            log_destination=self.flow_log_group.arn, iam_role_arn=role.arn, max_aggregation_interval=60,
            tags=naming.tag("flow-log"),
        )
