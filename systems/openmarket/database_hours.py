"""Aurora only in working hours (dev): EventBridge Scheduler stops and starts the cluster.

Stopping a cluster is an API call, not a Terraform resource; two ``aws_scheduler_schedule``s with
*universal targets* (``arn:aws:scheduler:::aws-sdk:rds:stopDBCluster`` / ``startDBCluster``) make
the calls at the node group's ``scale_down`` / ``scale_up`` times, in its time zone, with a role
that may call only those two actions on this one cluster. A stopped cluster is started by AWS
after 7 days on its own: a weekday schedule never gets near that.

While the cluster is stopped, ``terraform apply`` cannot modify it (AWS refuses changes to a
stopped cluster): apply in working hours. Construct IDs: ``role``, ``policy``, ``stop``, ``start``.
"""

from __future__ import annotations

import json

from modules.framework import Construct, aws
from modules.iam.policy import allow, document
from modules.kubernetes.options import WorkingHoursOptions
from modules.security.kms import partition_of
from modules.stack import ProjectStack
from systems.openmarket.settings import scheduler_cron


class DatabaseWorkingHours(Construct):
    """Attributes: ``role``, ``schedules`` (``{"stop": ..., "start": ...}``)."""

    def __init__(self, scope: Construct, id: str, *, cluster, hours: WorkingHoursOptions) -> None:
        """
        :param cluster: the ``aws_rds_cluster`` resource.
        :param hours: when to start (``scale_up``) and stop (``scale_down``) it.
        """
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        naming = stack.naming
        cluster_arn = f"arn:{partition_of(stack.region)}:rds:{stack.region}:{stack.account_id}:cluster:" \
                      f"{cluster.cluster_identifier}"
        self.role = aws.iam_role.IamRole(
            self, "role", name=naming.role_name("db", "hours"),
            description="EventBridge Scheduler stops and starts the Aurora cluster outside working hours",
            assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"}, "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": stack.account_id}},
            }]}),
            tags=naming.tag("db", "hours"),
        )
        policy = aws.iam_role_policy.IamRolePolicy(
            self, "policy", role=self.role.id, name="stop-start",
            policy=document(allow("StopStartCluster", ["rds:StopDBCluster", "rds:StartDBCluster"], cluster_arn)),
        )
        self.schedules = {}
        for action, api, when in (("stop", "stopDBCluster", hours.scale_down), ("start", "startDBCluster",
                                                                               hours.scale_up)):
            self.schedules[action] = aws.scheduler_schedule.SchedulerSchedule(
                self, action, name=naming("db", action), group_name="default",
                description=f"{action.capitalize()} the Aurora cluster ({when}, {hours.time_zone})",
                schedule_expression=scheduler_cron(when), schedule_expression_timezone=hours.time_zone,
                state="ENABLED", flexible_time_window={"mode": "OFF"},
                target={"arn": f"arn:{partition_of(stack.region)}:scheduler:::aws-sdk:rds:{api}",
                        "role_arn": self.role.arn,
                        "input": json.dumps({"DbClusterIdentifier": cluster.cluster_identifier}),
                        "retry_policy": {"maximum_retry_attempts": 2}},
                depends_on=[policy],
            )
