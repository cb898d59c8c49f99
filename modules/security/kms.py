"""A customer-managed KMS key with yearly rotation and a key policy that names its users.

The key policy grants, statement by statement, nothing broader than this:

* **the account administers the key** (``arn:<partition>:iam::<account>:root``):
  the key-management actions, listed one by one — describe, enable/disable,
  tag, policy, rotation, deletion scheduling. Not Encrypt/Decrypt. Keeping
  ``PutKeyPolicy`` with the account keeps the key recoverable (a key that
  locks out its account can only be rescued by AWS support).
* **services use the key for this account** (``service_principals``, e.g.
  ``("rds", "elasticache", "secretsmanager")``): principals of the account
  whose IAM policies allow it may encrypt, decrypt, generate data keys and
  create grants for AWS resources, *only through those services in this
  region* (``kms:ViaService`` and ``kms:CallerAccount``). This is how RDS,
  ElastiCache and Secrets Manager use a customer-managed key: the AWS-managed
  ``aws/rds`` key has the same shape.
* **CloudWatch Logs** (``cloudwatch_logs=True``): the data-key actions Logs
  needs, for log groups of this account and region only
  (``kms:EncryptionContext:aws:logs:arn`` condition).
* **CloudWatch alarms** (``cloudwatch_alarms=True``): ``kms:GenerateDataKey`` and
  ``kms:Decrypt``, what an alarm needs to publish to an SNS topic encrypted
  with the key. The AWS-managed ``alias/aws/sns`` key does not allow it: alarms
  on a topic under that key fail, visible only in the alarm history. No
  condition, as in AWS's own instructions (a ``kms:CallerAccount`` condition is
  known to break delivery: the caller is the service, not the account); the
  topic's policy is what admits only this account's alarms.

No statement has a wildcard action.
"""

from __future__ import annotations

import json
from typing import Sequence

from modules.framework import Construct, aws
from modules.iam.grants import Grantee, sid
from modules.iam.policy import allow
from modules.context import stack_of
from modules.naming import NameKind

# Administration only: no cryptographic use (that is granted through services below).
KEY_ADMINISTRATION_ACTIONS = (
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:PutKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
    "kms:RotateKeyOnDemand",
    "kms:ListKeyRotations",
    "kms:EnableKey",
    "kms:DisableKey",
    "kms:UpdateKeyDescription",
    "kms:ListResourceTags",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:CreateAlias",
    "kms:UpdateAlias",
    "kms:DeleteAlias",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:RevokeGrant",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
)

# Encrypting and decrypting with a symmetric key (no key pairs): what CloudWatch Logs calls on
# a log group's key.
CLOUDWATCH_LOGS_ACTIONS = (
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:DescribeKey",
)

# What a service needs to encrypt a resource for the caller (RDS storage, ElastiCache, a secret):
# the same, plus the grants RDS and ElastiCache create for their own background use.
VIA_SERVICE_ACTIONS = (*CLOUDWATCH_LOGS_ACTIONS, "kms:CreateGrant", "kms:ListGrants")

# What a CloudWatch alarm's publish to an encrypted SNS topic calls on the topic's key.
CLOUDWATCH_ALARMS_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")


def partition_of(region: str) -> str:
    """The ARN partition of ``region``: ``aws``, ``aws-cn`` or ``aws-us-gov``."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def key_policy(
    *, region: str, account_id: str, service_principals: Sequence[str] = (), cloudwatch_logs: bool = False,
    cloudwatch_alarms: bool = False,
) -> dict:
    """The key policy document described in the module docstring."""
    partition = partition_of(region)
    root = f"arn:{partition}:iam::{account_id}:root"
    statements: list[dict] = [{
        "Sid": "AccountAdministersKey",
        "Effect": "Allow",
        "Principal": {"AWS": root},
        "Action": list(KEY_ADMINISTRATION_ACTIONS),
        "Resource": "*",
    }]
    if service_principals:
        statements.append({
            "Sid": "UseThroughServicesOfThisAccount",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": list(VIA_SERVICE_ACTIONS),
            "Resource": "*",
            "Condition": {"StringEquals": {
                "kms:CallerAccount": account_id,
                "kms:ViaService": [f"{service}.{region}.amazonaws.com" for service in service_principals],
            }},
        })
    if cloudwatch_logs:
        statements.append({
            "Sid": "CloudWatchLogsOfThisAccount",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": list(CLOUDWATCH_LOGS_ACTIONS),
            "Resource": "*",
            "Condition": {"ArnLike": {
                "kms:EncryptionContext:aws:logs:arn": f"arn:{partition}:logs:{region}:{account_id}:log-group:*",
            }},
        })
    if cloudwatch_alarms:
        statements.append({
            "Sid": "CloudWatchAlarmsPublishToTopics",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": list(CLOUDWATCH_ALARMS_ACTIONS),
            "Resource": "*",
        })
    return {"Version": "2012-10-17", "Statement": statements}


class KmsKey(Construct):
    """Attributes: ``key`` (the resource), ``key_arn``, ``key_id``, ``alias_name``."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        purpose: str,
        description: str,
        service_principals: Sequence[str] = (),
        cloudwatch_logs: bool = False,
        deletion_window_days: int = 30,
        cloudwatch_alarms: bool = False,
    ) -> None:
        """
        :param purpose: what the key protects, e.g. ``"data"``: its alias is ``alias/<project>-<purpose>-<env>``.
            The account that owns it and its region are the stack's.
        :param service_principals: short names of AWS services (``"rds"``, ``"elasticache"``,
            ``"secretsmanager"``) through which principals of the account may use the key.
            Defaults to none: the key can then only be administered, not used, except by
            CloudWatch Logs when ``cloudwatch_logs`` is on.
        :param cloudwatch_logs: defaults to no access; ``True`` lets CloudWatch Logs of ``region``
            encrypt this account's log groups with the key.
        :param deletion_window_days: defaults to 30, the longest wait AWS allows before a
            scheduled deletion destroys the key (and every byte encrypted with it).
        :param cloudwatch_alarms: defaults to off; ``True`` lets CloudWatch alarms publish to an
            SNS topic encrypted with the key.
        """
        super().__init__(scope, id)
        stack = stack_of(self)
        naming, region, account_id = stack.naming, stack.region, stack.account_id
        self.key = aws.kms_key.KmsKey(
            self, "key", description=description, enable_key_rotation=True, rotation_period_in_days=365,
            deletion_window_in_days=deletion_window_days,
            policy=json.dumps(key_policy(region=region, account_id=account_id,
                                         service_principals=service_principals, cloudwatch_logs=cloudwatch_logs,
                                         cloudwatch_alarms=cloudwatch_alarms)),
            tags=naming.tag(purpose, "key"),
        )
        self.alias_name = "alias/" + naming(purpose, kind=NameKind.KMS_ALIAS)
        aws.kms_alias.KmsAlias(self, "alias", name=self.alias_name, target_key_id=self.key.key_id)
        self.account_id = account_id
        self.region = region
        self.purpose = purpose
        self.partition = partition_of(region)
        self.key_arn: str = self.key.arn
        self.key_id: str = self.key.key_id

    def grant_encrypt_decrypt(self, grantee: Grantee, *, via_service: str) -> None:
        """Let ``grantee`` encrypt and decrypt with this key, only through ``via_service`` (e.g.
        ``sqs``) in the key's region — the key policy already admits the account's principals."""
        grantee.add_to_role_policy(allow(
            sid(self.purpose, "key", via_service), ["kms:GenerateDataKey", "kms:Decrypt"], self.key_arn,
            condition={"StringEquals": {"kms:ViaService": f"{via_service}.{self.region}.amazonaws.com"}},
        ))
