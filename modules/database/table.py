"""A DynamoDB table, encrypted with a customer-managed key, recoverable, protected in production:
``table.grant_read_write(fn)``.

* Name ``<project>-<name>-<env>`` from the stack's naming; a partition key and an optional sort key,
  each with its type; tags: the provider's default tags plus ``Name``.
* Billing: on demand by default; provisioned with read and write capacities (``options.billing``).
* Encryption: server-side with a customer-managed KMS key, never the AWS-owned default. The table
  creates its own key (``alias/<project>-<name>-table-<env>``, usable by the account's principals
  through DynamoDB only) unless it is given one, which must admit DynamoDB
  (``service_principals`` with ``"dynamodb"``: the stack's logs key does not).
* Point-in-time recovery: always on (35 days of restorable history).
* Deletion protection: on in production (``prod``, ``production``, read from the stack), off
  elsewhere unless the options turn it on; turning it off in production is refused unless
  ``allow_unprotected_prod``.
* Optional time to live (``ttl_attribute``) and stream (``stream``: its view type).
* Grants: ``grant_read``, ``grant_write``, ``grant_read_write`` add to the grantee's one inline
  policy the exact DynamoDB actions on the table and its indexes (``<arn>/index/*``) and the key's
  ``kms:Decrypt`` (+ ``kms:GenerateDataKey`` to write) through DynamoDB only. No wildcard action.

Construct IDs: ``key`` (only without a given key), ``table``.
"""

from __future__ import annotations

import json

from modules.database.options import TableOptions, table_problems, table_protection_problem
from modules.errors import ConfigError
from modules.framework import Construct, aws
from modules.iam.grants import Grantee, sid
from modules.iam.policy import allow
from modules.naming import NameKind
from modules.security.kms import KmsKey
from modules.stack import ProjectStack

READ_ACTIONS = ("dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan",
                "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable")
WRITE_ACTIONS = ("dynamodb:BatchWriteItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                 "dynamodb:DescribeTable")
READ_KEY_ACTIONS = ("kms:Decrypt",)
WRITE_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")


def admits_dynamodb(key: KmsKey) -> bool:
    """Whether ``key``'s policy lets the account's principals use it through DynamoDB of its region."""
    via = f"dynamodb.{key.region}.amazonaws.com"
    for statement in json.loads(key.key.policy_input or "{}").get("Statement", []):
        services = statement.get("Condition", {}).get("StringEquals", {}).get("kms:ViaService", [])
        if statement.get("Effect") == "Allow" and via in ([services] if isinstance(services, str) else services):
            return True
    return False


def _union(*groups: tuple[str, ...]) -> list[str]:
    return list(dict.fromkeys(action for group in groups for action in group))


class Table(Construct):
    """Attributes: ``options``, ``table``, ``table_name``, ``table_arn``, ``stream_arn`` (``None``
    without a stream), ``kms_key``, ``deletion_protection``."""

    def __init__(self, scope: Construct, id: str, *, options: TableOptions, kms_key: KmsKey | None = None) -> None:
        """
        :param options: validated here (a wrong value raises ``ConfigError`` naming ``tables.<name>.<field>``).
        :param kms_key: defaults to a key of the table's own; a given key must admit DynamoDB
            (``KmsKey(..., service_principals=(..., "dynamodb"))``).
        """
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        naming, o = stack.naming, options
        for field, value, problem, fix in table_problems(o):
            raise ConfigError(stack.environment, f"tables.{o.name}.{field}", value, problem, fix)
        if found := table_protection_problem(o, stack.environment):
            field, value, problem, fix = found
            raise ConfigError(stack.environment, f"tables.{o.name}.{field}", value, problem, fix)
        if kms_key is not None and not admits_dynamodb(kms_key):
            raise ConfigError(stack.environment, f"tables.{o.name}.kms_key", kms_key.alias_name,
                              "the key's policy does not let DynamoDB use it",
                              "add 'dynamodb' to the key's service_principals, or leave kms_key out for a key "
                              "of the table's own")
        self.options = o
        self.table_name = naming(o.name, kind=NameKind.GENERIC)  # DynamoDB: 3 to 255 characters
        self.kms_key = kms_key or KmsKey(
            self, "key", purpose=f"{o.name}-table", service_principals=("dynamodb",),
            description=f"DynamoDB table {self.table_name}",
        )
        self.deletion_protection = o.effective_deletion_protection(stack.environment)

        attributes = [{"name": o.partition_key.name, "type": o.partition_key.type.value}]
        if o.sort_key is not None:
            attributes.append({"name": o.sort_key.name, "type": o.sort_key.type.value})
        self.table = aws.dynamodb_table.DynamodbTable(
            self, "table", name=self.table_name, billing_mode=o.billing.value,
            hash_key=o.partition_key.name, range_key=o.sort_key.name if o.sort_key else None,
            attribute=attributes, read_capacity=o.read_capacity, write_capacity=o.write_capacity,
            server_side_encryption={"enabled": True, "kms_key_arn": self.kms_key.key_arn},
            point_in_time_recovery={"enabled": True},
            deletion_protection_enabled=self.deletion_protection,
            ttl={"attribute_name": o.ttl_attribute, "enabled": True} if o.ttl_attribute else None,
            stream_enabled=True if o.stream else None, stream_view_type=o.stream.value if o.stream else None,
            tags=naming.tag(o.name),
        )
        self.table_arn: str = self.table.arn
        self.stream_arn: str | None = self.table.stream_arn if o.stream else None

    def grant_read(self, grantee: Grantee) -> None:
        """Let ``grantee`` read items (get, query, scan) of the table and its indexes."""
        self._grant(grantee, "read", list(READ_ACTIONS), list(READ_KEY_ACTIONS))

    def grant_write(self, grantee: Grantee) -> None:
        """Let ``grantee`` put, update and delete items of the table."""
        self._grant(grantee, "write", list(WRITE_ACTIONS), list(WRITE_KEY_ACTIONS))

    def grant_read_write(self, grantee: Grantee) -> None:
        """Both, in one statement for the table and one for its key."""
        self._grant(grantee, "read-write", _union(READ_ACTIONS, WRITE_ACTIONS),
                    _union(READ_KEY_ACTIONS, WRITE_KEY_ACTIONS))

    def _grant(self, grantee: Grantee, verb: str, actions: list[str], key_actions: list[str]) -> None:
        name = f"{self.options.name}-table"
        grantee.add_to_role_policy(
            allow(sid(name, verb), actions, [self.table_arn, f"{self.table_arn}/index/*"]),
            allow(sid(name, verb, "key"), key_actions, self.kms_key.key_arn,
                  condition={"StringEquals": {"kms:ViaService": f"dynamodb.{self.kms_key.region}.amazonaws.com"}}),
        )
