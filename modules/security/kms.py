"""A customer-managed KMS key with yearly rotation and a key policy that names its users.

The key policy has one statement per user of the key, nothing broader:

* the account itself (``arn:<partition>:iam::<account>:root``): AWS's default
  key-policy statement. It grants nothing to any person by itself; it lets
  IAM policies in the account grant use and administration of the key, and
  keeps the key manageable (a key whose policy locks out its account can
  only be recovered by AWS support). ``kms:*`` is deliberate here and only
  here: it is the one way to delegate the key to IAM.
* CloudWatch Logs of the key's region (``cloudwatch_logs=True``): only the
  data-key actions it needs, and only for log groups of this account in this
  region (``kms:EncryptionContext:aws:logs:arn`` condition).
* CloudWatch alarms (``cloudwatch_alarms=True``): ``kms:GenerateDataKey`` and
  ``kms:Decrypt``, what an alarm needs to publish to an SNS topic encrypted
  with the key. The AWS-managed ``alias/aws/sns`` key does not allow it: alarms
  on a topic under that key fail, visible only in the alarm history. No
  condition, as in AWS's own instructions (a ``kms:CallerAccount`` condition is
  known to break delivery: the caller is the service, not the account); the
  topic's policy is what admits only this account's alarms.
"""

from __future__ import annotations

import json

from modules.framework import Construct, aws
from modules.naming import NameKind, Naming

# What CloudWatch Logs calls on a log group's key (symmetric key, no key pairs).
CLOUDWATCH_LOGS_ACTIONS = (
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:DescribeKey",
)

# What a CloudWatch alarm's publish to an encrypted SNS topic calls on the topic's key.
CLOUDWATCH_ALARMS_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")


def partition_of(region: str) -> str:
    """The ARN partition of ``region``: ``aws``, ``aws-cn`` or ``aws-us-gov``."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


class KmsKey(Construct):
    """Attributes: ``key`` (the resource), ``key_arn``, ``key_id``, ``alias_name``."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        purpose: str,
        region: str,
        account_id: str,
        description: str,
        cloudwatch_logs: bool = False,
        deletion_window_days: int = 30,
        cloudwatch_alarms: bool = False,
    ) -> None:
        """
        :param purpose: what the key protects, e.g. ``"logs"``: its alias is ``alias/<project>-<purpose>-<env>``.
        :param account_id: the account that owns the key (e.g. ``aws_caller_identity.account_id``).
        :param cloudwatch_logs: defaults to no service access; ``True`` lets CloudWatch Logs of
            ``region`` encrypt this account's log groups with the key.
        :param deletion_window_days: defaults to 30, the longest wait AWS allows before a
            scheduled deletion destroys the key (and every byte encrypted with it).
        :param cloudwatch_alarms: defaults to off; ``True`` lets CloudWatch alarms publish to an
            SNS topic encrypted with the key.
        """
        super().__init__(scope, id)
        partition = partition_of(region)
        statements: list[dict] = [{
            "Sid": "AccountAdministersKeyThroughIam",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }]
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

        self.key = aws.kms_key.KmsKey(
            self, "key", description=description, enable_key_rotation=True, rotation_period_in_days=365,
            deletion_window_in_days=deletion_window_days,
            policy=json.dumps({"Version": "2012-10-17", "Statement": statements}),
            tags=naming.tag(purpose, "key"),
        )
        self.alias_name = "alias/" + naming(purpose, kind=NameKind.KMS_ALIAS)
        aws.kms_alias.KmsAlias(self, "alias", name=self.alias_name, target_key_id=self.key.key_id)
        self.key_arn: str = self.key.arn
        self.key_id: str = self.key.key_id
