"""Redis: an ElastiCache replication group, encrypted, with an AUTH token from Secrets Manager.

* One node (``num_cache_clusters=1``): a lone primary. Two or more: primary
  + replicas spread over the AZs, with Multi-AZ and automatic failover.
* Encrypted at rest with the data-tier key and in transit (TLS required);
  clients authenticate with an AUTH token.
* Subnet group over the (isolated) database subnets, behind the security
  group it is given; daily snapshots kept ``snapshot_retention_days``.
* Slow log and engine log (JSON) delivered to ``/aws/elasticache/<project>-redis-<env>``.

The AUTH token never appears in settings or in the synthesized JSON:

* **generated** (default): the stack creates the secret
  ``<project>/<env>/redis-auth`` (encrypted with the data key) and writes a
  token from an *ephemeral* ``aws_secretsmanager_random_password`` through
  the *write-only* ``secret_string_wo``: Terraform neither prints nor stores
  the generated value, and writes again only when ``auth_token_version`` is
  bumped (rotation). Not the data source of the same name: its ``id`` is the
  password, so ``terraform plan`` prints it and the state keeps it.
* **out of band** (``auth_token_secret_name``): an existing secret whose value
  an operator set (``aws secretsmanager put-secret-value``); the stack only
  reads it.

Either way the replication group gets the token from the
``aws_secretsmanager_secret_version`` data source that reads the secret's
current value after the write, so the secret is the one source of truth.
Trade-off: the provider (6.25) has no write-only ``auth_token`` for
ElastiCache, so the token *is* in the Terraform state, twice: the
replication group's ``auth_token`` and the data source's ``secret_string``
(both sensitive, never shown by ``plan``). The state bucket is encrypted and
private; treat it as a secret store. Only ElastiCache RBAC with IAM
authentication would keep every credential out of state (no password at all).
Requires Terraform 1.11+ (write-only arguments, ephemeral resources).
"""

from __future__ import annotations

from modules.framework import Construct, TerraformStack, aws
from modules.database.options import CacheOptions
from modules.naming import NameKind
from modules.networking.vpc import Vpc
from modules.security.kms import KmsKey
from modules.stack import ProjectStack

# ElastiCache AUTH tokens: 16-128 printable characters without '@', '"', '/' — plain alphanumerics are safe.
AUTH_TOKEN_LENGTH = 64
RANDOM_PASSWORD = "aws_secretsmanager_random_password"


class RedisCache(Construct):
    """Attributes: ``primary_endpoint_address``, ``reader_endpoint_address``, ``port``,
    ``auth_token_secret_arn``, ``replication_group_id``, ``log_group_name``, and the resources
    ``replication_group``, ``subnet_group``, ``auth_secret`` (generated token only).
    """

    def __init__(self, scope: Construct, id: str, *, options: CacheOptions, vpc: Vpc, security_group,
                 kms_key: KmsKey) -> None:
        """
        :param options: node type and count, version, port, snapshots, windows and the AUTH token's
            secret (see :class:`~modules.database.options.CacheOptions`; the defaults are its).
        :param vpc: the cache lives in its database subnets; nodes are placed round-robin over the
            stack's AZs.
        :param security_group: the cache security group (``WebSecurityGroups.cache``, or a
            ``SecurityGroup``'s resource).
        :param kms_key: the data-tier key: at-rest encryption, the token secret, the log group (kept the
            stack's ``log_retention_days``).
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
        o = options
        node_type, num_cache_clusters, engine_version, port = o.node_type, o.num_cache_clusters, o.engine_version, o.port
        snapshot_retention_days, snapshot_window, maintenance_window = (o.snapshot_retention_days, o.snapshot_window,
                                                                        o.maintenance_window)
        auth_token_secret_name, auth_token_version = o.auth_token_secret_name, o.auth_token_version
        auth_token_recovery_window_days = o.auth_token_recovery_window_days
        self.port = port
        self.replication_group_id = naming("redis", kind=NameKind.ELASTICACHE_GROUP)
        replicated = num_cache_clusters > 1

        self.subnet_group = aws.elasticache_subnet_group.ElasticacheSubnetGroup(
            self, "subnet-group", name=naming("redis", kind=NameKind.DB_PARAMETER_GROUP),
            description="Isolated database subnets", subnet_ids=list(subnet_ids), tags=naming.tag("redis-subnets"),
        )

        self.log_group_name = naming.check(f"/aws/elasticache/{naming('redis')}", NameKind.LOG_GROUP)
        self.log_group = aws.cloudwatch_log_group.CloudwatchLogGroup(
            self, "log-group", name=self.log_group_name, retention_in_days=log_retention_days,
            kms_key_id=kms_key.key_arn, tags=naming.tag("redis"),
        )

        # The AUTH token: a secret (ours, generated; or an existing one), read back as the one source.
        self.auth_secret = None
        if auth_token_secret_name is None:
            self.auth_secret = aws.secretsmanager_secret.SecretsmanagerSecret(
                self, "auth-secret", name=naming.secret_name("redis-auth"),
                description="AUTH token of the Redis replication group", kms_key_id=kms_key.key_arn,
                recovery_window_in_days=auth_token_recovery_window_days, tags=naming.tag("redis-auth"),
            )
            version = aws.secretsmanager_secret_version.SecretsmanagerSecretVersion(
                self, "auth-value", secret_id=self.auth_secret.id,
                secret_string_wo=self._ephemeral_random_password(), secret_string_wo_version=auth_token_version,
            )
            current = aws.data_aws_secretsmanager_secret_version.DataAwsSecretsmanagerSecretVersion(
                self, "auth-token", secret_id=self.auth_secret.id, depends_on=[version],
            )
            self.auth_token_secret_arn: str = self.auth_secret.arn
        else:
            existing = aws.data_aws_secretsmanager_secret.DataAwsSecretsmanagerSecret(
                self, "auth-secret", name=auth_token_secret_name,
            )
            current = aws.data_aws_secretsmanager_secret_version.DataAwsSecretsmanagerSecretVersion(
                self, "auth-token", secret_id=existing.arn,
            )
            self.auth_token_secret_arn = existing.arn

        self.replication_group = aws.elasticache_replication_group.ElasticacheReplicationGroup(
            self, "group", replication_group_id=self.replication_group_id,
            description=f"Redis of {naming.project}-{naming.environment}",
            engine="redis", engine_version=engine_version, node_type=node_type, port=port,
            num_cache_clusters=num_cache_clusters,
            preferred_cache_cluster_azs=[availability_zones[i % len(availability_zones)]
                                         for i in range(num_cache_clusters)],
            automatic_failover_enabled=replicated, multi_az_enabled=replicated,
            subnet_group_name=self.subnet_group.name, security_group_ids=[security_group.id],
            at_rest_encryption_enabled="true", kms_key_id=kms_key.key_arn,  # a string in provider 6.x
            transit_encryption_enabled=True, transit_encryption_mode="required",
            auth_token=current.secret_string, auth_token_update_strategy="ROTATE",
            snapshot_retention_limit=snapshot_retention_days, snapshot_window=snapshot_window,
            maintenance_window=maintenance_window, auto_minor_version_upgrade="true",
            log_delivery_configuration=[
                aws.elasticache_replication_group.ElasticacheReplicationGroupLogDeliveryConfiguration(
                    destination=self.log_group.name, destination_type="cloudwatch-logs", log_format="json",
                    log_type=log_type,
                )
                for log_type in ("slow-log", "engine-log")
            ],
            tags=naming.tag("redis"),
        )
        self.primary_endpoint_address: str = self.replication_group.primary_endpoint_address
        self.reader_endpoint_address: str = self.replication_group.reader_endpoint_address

    def _ephemeral_random_password(self) -> str:
        """A reference to an ``ephemeral "aws_secretsmanager_random_password"`` block.

        Ephemeral: Terraform neither prints nor stores its value, and a write-only argument
        may take it. The data source of the same name would do neither — its ``id`` *is* the
        password, so ``plan`` prints it and the state keeps it. cdktf 0.21 has no binding for
        ephemeral resources, so the block is added to the stack's JSON as an override.
        """
        name = self.node.path.split("/", 1)[1].replace("/", "_") + "_auth-token"
        TerraformStack.of(self).add_override(f"ephemeral.{RANDOM_PASSWORD}.{name}", {
            "password_length": AUTH_TOKEN_LENGTH, "exclude_punctuation": True, "include_space": False,
        })
        return f"${{ephemeral.{RANDOM_PASSWORD}.{name}.random_password}}"

    def allow_default_port_from(self, peer, description: str | None = None) -> None:
        """Admit ``peer`` (a ``SecurityGroup``) on the cache's port, through the group it was given."""
        if self.connections is None:
            raise ValueError("allow_default_port_from needs the cache built with a SecurityGroup construct")
        self.connections.allow_from(peer, self.port, description)

    def grant_read_auth_token(self, grantee) -> None:
        """Let ``grantee`` (a :class:`~modules.iam.grants.Grantee`) read the AUTH token secret and decrypt it through
        Secrets Manager only."""
        from modules.iam.grants import secret_read_statements

        grantee.add_to_role_policy(*secret_read_statements(
            self.node.id, self.auth_token_secret_arn, self._secret_key_arn, ProjectStack.of(self).region))
