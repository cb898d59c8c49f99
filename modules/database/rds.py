"""The relational database: PostgreSQL (default), MySQL, or an Aurora MySQL cluster.

One construct for three engines, chosen by ``engine``:

* ``postgres`` / ``mysql`` — one ``aws_db_instance`` (gp3, storage autoscaling
  up to ``max_allocated_storage_gb``, a synchronous standby when ``multi_az``)
  with a DB parameter group that enforces TLS.
* ``aurora-mysql`` — an ``aws_rds_cluster`` (storage grows by itself) with a
  writer and ``reader_count`` readers (``aws_rds_cluster_instance``, spread
  over the AZs) and a cluster parameter group that enforces TLS.

Whatever the engine, the database:

* lives in a DB subnet group over the (isolated) database subnets, behind the
  security group it is given, and is never publicly accessible;
* is encrypted at rest with the customer-managed key it is given, which also
  encrypts the master secret, Performance Insights and its log groups;
* has no password in Terraform: ``manage_master_user_password`` makes RDS
  generate the master password and keep (and rotate) it in Secrets Manager;
  ``master_user_secret_arn`` is that secret;
* keeps automated backups ``backup_retention_days`` in ``backup_window``;
* refuses deletion (``deletion_protection``) and leaves a final snapshot
  ``<project>-db-final-<env>`` unless told otherwise (dev).

Log groups. AWS fixes the names of exported database logs:
``/aws/rds/instance/<id>/<log>`` (``/aws/rds/cluster/<id>/<log>`` for
Aurora). Left alone, RDS creates them with *no expiry and no key*; this
construct creates each one first, with the environment's retention and the
data key, so exports land in managed groups. Beside them it creates the
group ``/aws/rds/<project>-db-<env>`` (``/aws/rds/<project>-db`` plus
the environment, as every name of a stack is its own) for the database tier's
own records — the application's migration and connection-pool logs, metric
filters and subscriptions — which the fixed export names cannot carry.
"""

from __future__ import annotations

import json

from modules.database.engines import (
    ENGINES,
    MYSQL_LOG_PARAMETERS,
    DatabaseEngine,
    instance_class_problem,
    major_version,
    support_note,
    version_problem,
)
from modules.errors import ConfigError
from modules.framework import Construct, TerraformResourceLifecycle, aws
from modules.database.options import BackupReplicaOptions, DatabaseOptions
from modules.naming import NameKind
from modules.networking.vpc import Vpc
from modules.security.kms import KmsKey, key_policy, partition_of
from modules.stack import ProjectStack


class RdsDatabase(Construct):
    """Attributes: ``endpoint_address``, ``reader_endpoint_address`` (Aurora, else ``None``), ``port``,
    ``master_user_secret_arn``, ``identifier``, ``instance_identifiers``, ``engine``, ``instance_class``,
    ``log_group_name``, ``export_log_group_names``, and the resources ``instance`` or ``cluster`` /
    ``cluster_instances``, ``subnet_group``, ``parameter_group``.
    """

    def __init__(self, scope: Construct, id: str, *, options: DatabaseOptions, vpc: Vpc, security_group,
                 kms_key: KmsKey) -> None:
        """
        :param options: engine, version, class, storage, availability, backups, protection, monitoring
            and log exports (see :class:`~modules.database.options.DatabaseOptions`; the defaults are its).
        :param vpc: the database lives in its database subnets (one per AZ of the stack); Aurora
            instances are spread over those AZs.
        :param security_group: the database security group (``WebSecurityGroups.database``, or a
            ``SecurityGroup``'s resource).
        :param kms_key: the data-tier key: storage, master secret, Performance Insights, log groups.
            Every log group is kept the stack's ``log_retention_days``.
        """
        super().__init__(scope, id)
        self._secret_key_arn: str = kms_key.key_arn
        stack = ProjectStack.of(self)
        naming, availability_zones, log_retention_days = stack.naming, stack.availability_zones, \
            stack.log_retention_days
        subnet_ids = vpc.database_subnet_ids
        # a SecurityGroup construct (connections by object: allow_default_port_from), or a group resource
        self.connections = security_group if hasattr(security_group, "allow_from") else None
        security_group = getattr(security_group, "security_group", security_group)
        self.options = options
        self._kms_key_arn = kms_key.key_arn
        o = options
        engine, engine_version, instance_class = o.engine, o.engine_version, o.instance_class
        allocated_storage_gb, max_allocated_storage_gb = o.allocated_storage_gb, o.max_allocated_storage_gb
        multi_az, reader_count, port = o.multi_az, o.aurora_reader_count, o.port
        database_name, master_username = o.database_name, o.master_username
        backup_retention_days, backup_window, maintenance_window = (o.backup_retention_days, o.backup_window,
                                                                    o.maintenance_window)
        deletion_protection, final_snapshot = o.deletion_protection, o.final_snapshot
        performance_insights, performance_insights_retention_days = (o.performance_insights,
                                                                     o.performance_insights_retention_days)
        enhanced_monitoring_interval, log_exports = o.enhanced_monitoring_interval, o.effective_log_exports
        spec = ENGINES[engine]
        version = engine_version if engine_version is not None else spec.default_version
        for problem, field, value in (
            (version_problem(engine, version), "database.engine_version", version),
            (instance_class_problem(engine, instance_class), "database.instance_class", instance_class),
        ):
            if problem:
                raise ConfigError(naming.environment, field, value, *problem)
        if note := support_note(engine, version):
            stack.notes.append(note)
        if o.allow_unprotected_prod and not (deletion_protection and final_snapshot):
            missing = " or ".join(w for w, on in (("deletion protection", deletion_protection),
                                                  ("final snapshot", final_snapshot)) if not on)
            stack.notes.append(f"database: allow_unprotected_prod is set — no {missing}")
        major = major_version(engine, version)
        exports = tuple(log_exports if log_exports is not None else spec.default_log_exports)
        self.engine = engine
        self.instance_class = instance_class
        self.port: int = port if port is not None else spec.port
        self.identifier = naming("db", kind=NameKind.RDS_IDENTIFIER)
        db_name = database_name if database_name is not None else naming.project.replace("-", "_")
        self.database_name = db_name
        tags = naming.tag("db")

        self.subnet_group = aws.db_subnet_group.DbSubnetGroup(
            self, "subnet-group", name=naming("db", kind=NameKind.DB_PARAMETER_GROUP),
            description="Isolated database subnets", subnet_ids=list(subnet_ids), tags=naming.tag("db-subnets"),
        )

        # Log groups before the database, so exports never create never-expiring, unencrypted groups.
        self.log_group_name = f"/aws/rds/{naming('db')}"
        aws.cloudwatch_log_group.CloudwatchLogGroup(
            self, "log-group", name=naming.check(self.log_group_name, NameKind.LOG_GROUP),
            retention_in_days=log_retention_days, kms_key_id=kms_key.key_arn, tags=tags,
        )
        scope_name = "cluster" if spec.cluster else "instance"
        self.export_log_group_names = [f"/aws/rds/{scope_name}/{self.identifier}/{log}" for log in exports]
        export_groups = [
            aws.cloudwatch_log_group.CloudwatchLogGroup(
                self, f"export-{log}", name=naming.check(name, NameKind.LOG_GROUP),
                retention_in_days=log_retention_days, kms_key_id=kms_key.key_arn, tags=tags,
            )
            for log, name in zip(exports, self.export_log_group_names)
        ]

        # TLS enforced, plus what makes the exported MySQL logs produce lines.
        parameters = [spec.tls_parameter]
        if engine is not DatabaseEngine.POSTGRES:
            extra = [p for log in exports for p in MYSQL_LOG_PARAMETERS.get(log, ())]
            if extra:
                parameters += [("log_output", "FILE"), *extra]
            if "audit" in exports:
                parameters.append(("server_audit_events", "CONNECT,QUERY_DCL,QUERY_DDL"))
        family = spec.family(major)
        group_name = naming("db", family.replace(".", "-"), kind=NameKind.DB_PARAMETER_GROUP)
        group_args = dict(
            name=group_name, family=family, description=f"{spec.label} {major}: TLS only",
            # A new family means a new name: create the new group before dropping the old one.
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True), tags=naming.tag("db-params"),
        )
        if spec.cluster:
            module = aws.rds_cluster_parameter_group
            self.parameter_group = module.RdsClusterParameterGroup(
                self, "cluster-params", **group_args,
                parameter=[module.RdsClusterParameterGroupParameter(name=n, value=v) for n, v in parameters],
            )
        else:
            module = aws.db_parameter_group
            self.parameter_group = module.DbParameterGroup(
                self, "params", **group_args,
                parameter=[module.DbParameterGroupParameter(name=n, value=v) for n, v in parameters],
            )

        protection = dict(
            deletion_protection=deletion_protection,
            skip_final_snapshot=not final_snapshot,
            final_snapshot_identifier=naming("db", "final", kind=NameKind.RDS_IDENTIFIER) if final_snapshot else None,
        )
        insights = dict(performance_insights_enabled=performance_insights)
        if performance_insights:
            insights.update(performance_insights_kms_key_id=kms_key.key_arn,
                            performance_insights_retention_period=performance_insights_retention_days)

        if enhanced_monitoring_interval:
            self.monitoring_role = aws.iam_role.IamRole(
                self, "monitoring-role", name=naming("db", "monitoring", kind=NameKind.IAM_ROLE),
                description="RDS Enhanced Monitoring publishes OS metrics to CloudWatch Logs",
                assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"Service": "monitoring.rds.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": kms_key.account_id}},
                }]}),
            )
            # What AWS's AmazonRDSEnhancedMonitoringRole grants, narrowed to this account and
            # region's RDSOSMetrics log group (an inline policy: no AWS-managed policy on any role).
            metrics = f"arn:{kms_key.partition}:logs:{kms_key.region}:{kms_key.account_id}:log-group:RDSOSMetrics"
            aws.iam_role_policy.IamRolePolicy(
                self, "monitoring-policy", role=self.monitoring_role.id, name="publish-os-metrics",
                policy=json.dumps({"Version": "2012-10-17", "Statement": [
                    {"Sid": "MetricsLogGroup", "Effect": "Allow",
                     "Action": ["logs:CreateLogGroup", "logs:PutRetentionPolicy"], "Resource": metrics},
                    {"Sid": "MetricsLogStreams", "Effect": "Allow",
                     "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams",
                                "logs:GetLogEvents"],
                     "Resource": f"{metrics}:log-stream:*"},
                ]}),
            )
            insights.update(monitoring_interval=enhanced_monitoring_interval,
                            monitoring_role_arn=self.monitoring_role.arn)

        self.instance = None
        self.cluster = None
        self.cluster_instances: list = []
        self.reader_endpoint_address: str | None = None
        if not spec.cluster:
            self.instance = aws.db_instance.DbInstance(
                self, "instance", identifier=self.identifier, engine=engine.value, engine_version=version,
                instance_class=instance_class, allocated_storage=allocated_storage_gb,
                max_allocated_storage=max_allocated_storage_gb or None, storage_type="gp3",
                storage_encrypted=True, kms_key_id=kms_key.key_arn,
                db_name=db_name, username=master_username,
                manage_master_user_password=True, master_user_secret_kms_key_id=kms_key.key_arn,
                port=self.port, multi_az=multi_az, publicly_accessible=False,
                db_subnet_group_name=self.subnet_group.name, vpc_security_group_ids=[security_group.id],
                parameter_group_name=self.parameter_group.name,
                backup_retention_period=backup_retention_days, backup_window=backup_window,
                maintenance_window=maintenance_window, copy_tags_to_snapshot=True,
                auto_minor_version_upgrade=True, allow_major_version_upgrade=False,
                iam_database_authentication_enabled=True,
                enabled_cloudwatch_logs_exports=list(exports),
                depends_on=export_groups, tags=tags, **protection, **insights,
            )
            self.endpoint_address: str = self.instance.address
            self.master_user_secret_arn: str = self.instance.master_user_secret.get(0).secret_arn
            self.instance_identifiers = [self.identifier]
            self.backup_replica = self._backup_replica(o.backup_replica, self.instance.arn) \
                if o.backup_replica else None
            return

        readers = reader_count if reader_count is not None else (1 if multi_az else 0)
        self.cluster = aws.rds_cluster.RdsCluster(
            self, "cluster", cluster_identifier=self.identifier, engine=engine.value, engine_version=version,
            database_name=db_name, master_username=master_username,
            manage_master_user_password=True, master_user_secret_kms_key_id=kms_key.key_arn,
            port=self.port, storage_encrypted=True, kms_key_id=kms_key.key_arn,
            db_subnet_group_name=self.subnet_group.name, vpc_security_group_ids=[security_group.id],
            db_cluster_parameter_group_name=self.parameter_group.name,
            backup_retention_period=backup_retention_days, preferred_backup_window=backup_window,
            preferred_maintenance_window=maintenance_window, copy_tags_to_snapshot=True,
            iam_database_authentication_enabled=True,
            enabled_cloudwatch_logs_exports=list(exports),
            depends_on=export_groups, tags=tags, **protection,
        )
        self.instance_identifiers = []
        for i in range(1 + readers):
            number = str(i + 1)
            identifier = naming("db", number, kind=NameKind.RDS_IDENTIFIER)
            self.instance_identifiers.append(identifier)
            self.cluster_instances.append(aws.rds_cluster_instance.RdsClusterInstance(
                self, f"instance-{number}", identifier=identifier, cluster_identifier=self.cluster.id,
                engine=self.cluster.engine, engine_version=self.cluster.engine_version,
                instance_class=instance_class, db_subnet_group_name=self.subnet_group.name,
                availability_zone=availability_zones[i % len(availability_zones)],
                publicly_accessible=False, promotion_tier=0 if i == 0 else 1,
                auto_minor_version_upgrade=True, copy_tags_to_snapshot=True,
                # The first instance is created alone, so it becomes the writer.
                depends_on=self.cluster_instances[:1] or None, tags=naming.tag("db", number), **insights,
            ))
        self.endpoint_address = self.cluster.endpoint
        self.reader_endpoint_address = self.cluster.reader_endpoint
        self.master_user_secret_arn = self.cluster.master_user_secret.get(0).secret_arn
        self.backup_replica = self._backup_replica(o.backup_replica, self.cluster.arn) if o.backup_replica else None

    def _backup_replica(self, replica: BackupReplicaOptions, source_arn: str):
        """The database's backups in ``replica.region``: RDS replicates an instance's automated backups
        (``backup-replica``); AWS Backup copies an Aurora cluster's daily backup (``backup-*``). Either way
        encrypted with a key of that region (``backup-key``: one the stack creates unless given)."""
        stack = ProjectStack.of(self)
        naming, account, partition = stack.naming, stack.account_id, partition_of(replica.region)
        provider = stack.provider_for(replica.region)
        key_arn = replica.kms_key_arn
        if key_arn is None:
            services = ("rds",) if self.cluster is None else ("rds", "backup")
            key = aws.kms_key.KmsKey(
                self, "backup-key", provider=provider, enable_key_rotation=True, rotation_period_in_days=365,
                deletion_window_in_days=30, description=f"Cross-region backups of {self.identifier}",
                policy=json.dumps(key_policy(region=replica.region, account_id=account, service_principals=services)),
                tags=naming.tag("db", "backup-key"),
            )
            key_arn = key.arn
        if self.cluster is None:
            return aws.db_instance_automated_backups_replication.DbInstanceAutomatedBackupsReplication(
                self, "backup-replica", provider=provider, source_db_instance_arn=source_arn, kms_key_id=key_arn,
                retention_period=replica.retention_days,
            )
        # Aurora: AWS Backup, a daily backup after the cluster's own backup window, copied to the other region
        vault_name = naming("db", "backups")
        source_vault = aws.backup_vault.BackupVault(self, "backup-vault", name=vault_name,
                                                    kms_key_arn=self._kms_key_arn, tags=naming.tag("db", "backups"))
        target_vault = aws.backup_vault.BackupVault(self, "backup-vault-replica", provider=provider, name=vault_name,
                                                    kms_key_arn=key_arn, tags=naming.tag("db", "backups"))
        role = aws.iam_role.IamRole(
            self, "backup-role", name=naming.role_name("db", "backup"),
            description="AWS Backup backs up and copies the database",
            assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account}}}]}),
        )
        for policy in ("AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"):
            aws.iam_role_policy_attachment.IamRolePolicyAttachment(
                self, f"backup-role-{policy.rsplit('For', 1)[1].lower()}", role=role.name,
                policy_arn=f"arn:{partition}:iam::aws:policy/service-role/{policy}",
            )
        plan = aws.backup_plan.BackupPlan(
            self, "backup-plan", name=naming("db", "backup-plan"), tags=naming.tag("db", "backup-plan"),
            rule=[aws.backup_plan.BackupPlanRule(
                rule_name="daily-with-copy", target_vault_name=source_vault.name,
                schedule="cron(0 20 * * ? *)",  # after the cluster's own window (18:00-19:00 UTC by default)
                lifecycle=aws.backup_plan.BackupPlanRuleLifecycle(delete_after=replica.retention_days),
                copy_action=[aws.backup_plan.BackupPlanRuleCopyAction(
                    destination_vault_arn=target_vault.arn,
                    lifecycle=aws.backup_plan.BackupPlanRuleCopyActionLifecycle(delete_after=replica.retention_days),
                )],
            )],
        )
        aws.backup_selection.BackupSelection(
            self, "backup-selection", name=naming("db", "backup"), plan_id=plan.id, iam_role_arn=role.arn,
            resources=[source_arn],
        )
        return plan

    def allow_default_port_from(self, peer, description: str | None = None) -> None:
        """Admit ``peer`` (a ``SecurityGroup``) on the database's port, through the group it was given."""
        if self.connections is None:
            raise ValueError("allow_default_port_from needs the database built with a SecurityGroup construct")
        self.connections.allow_from(peer, self.port, description)

    def grant_read_master_secret(self, grantee) -> None:
        """Let ``grantee`` (a :class:`~modules.iam.grants.Grantee`) read the master user secret (generated and rotated by RDS) and decrypt it through
        Secrets Manager only."""
        from modules.iam.grants import secret_read_statements

        grantee.add_to_role_policy(*secret_read_statements(
            self.node.id, self.master_user_secret_arn, self._secret_key_arn, ProjectStack.of(self).region))
