"""An AWS WAF web ACL (WAFv2, ``REGIONAL``) in front of a load balancer, with its request log.

* Default action: allow. Rules: AWS managed rule groups, evaluated in order
  (``MANAGED_RULE_GROUPS``): the core rule set (OWASP-style: XSS, LFI, bad
  bots, size limits), known bad inputs (Log4j ``Log4JRCE``, Java
  deserialisation, ...), Amazon's IP reputation list. Each blocks what it
  matches, except the rules in ``count_only_rules`` (counted and logged, not
  blocked).
* ``SizeRestrictions_BODY`` (core rule set) counts instead of blocking by
  default: it blocks every request body over 8 KB, i.e. every file upload and
  every larger file a web IDE saves through the API. The other rules of the
  group still inspect the first 8 KB of those bodies.
* CloudWatch metrics and sampled requests on, for the web ACL and every rule.
* Request log: CloudWatch log group ``aws-waf-logs-<project>-<env>`` (WAF
  requires the prefix), encrypted with the given KMS key, kept a year by
  default (the security audit trail, as ALB access logs and prod's flow
  logs); the ``authorization`` and ``cookie`` headers are redacted, so no
  session or token lands in the log. A resource policy of its own lets the
  log delivery service write only this group, for this account (without it,
  WAF edits a shared ``AWSWAF-LOGS`` policy, which can outgrow its size limit).
"""

from __future__ import annotations

import json
from typing import Sequence

from modules.stack import ProjectStack
from modules.framework import Construct, aws
from modules.naming import NameKind
from modules.security.kms import partition_of

MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
)
COUNT_ONLY_RULES = {"AWSManagedRulesCommonRuleSet": ("SizeRestrictions_BODY",)}
REDACTED_HEADERS = ("authorization", "cookie")
LOG_GROUP_PREFIX = "aws-waf-logs-"


class WebAcl(Construct):
    """Attributes: ``web_acl``, ``web_acl_arn``, ``log_group``, ``log_group_name``."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        resource_arn: str,
        log_kms_key_arn: str,
        log_retention_days: int = 365,
        managed_rule_groups: Sequence[str] = MANAGED_RULE_GROUPS,
        count_only_rules: dict[str, Sequence[str]] | None = None,
    ) -> None:
        """
        :param resource_arn: the regional resource to protect, e.g. a load balancer's ARN.
        :param log_kms_key_arn: key of the request-log group (its policy must let CloudWatch Logs use it).
        :param log_retention_days: defaults to 365 (the request log is an audit trail).
        :param managed_rule_groups: defaults to ``MANAGED_RULE_GROUPS``, evaluated in that order.
        :param count_only_rules: rules (by rule group) that count instead of block; defaults to
            ``COUNT_ONLY_RULES`` (the core rule set's 8 KB body limit).
        """
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        naming, region, account_id = stack.naming, stack.region, stack.account_id
        count_only = COUNT_ONLY_RULES if count_only_rules is None else count_only_rules
        if unknown := sorted(set(count_only) - set(managed_rule_groups)):
            raise ValueError(f"WebAcl: count_only_rules names rule groups that are not used: {unknown}")
        name = naming("waf", kind=NameKind.WAF_WEB_ACL)

        def visibility(metric: str) -> dict:
            return {"cloudwatch_metrics_enabled": True, "metric_name": metric, "sampled_requests_enabled": True}

        rules = []
        for priority, group in enumerate(managed_rule_groups, start=1):
            statement: dict = {"name": group, "vendor_name": "AWS"}
            if count_only.get(group):
                statement["rule_action_override"] = [
                    {"name": rule, "action_to_use": {"count": {}}} for rule in count_only[group]
                ]
            rules.append(aws.wafv2_web_acl.Wafv2WebAclRule(
                name=group, priority=priority * 10, override_action={"none": {}},
                statement={"managed_rule_group_statement": statement},
                visibility_config=visibility(f"{name}-{group}"),
            ))
        self.web_acl = aws.wafv2_web_acl.Wafv2WebAcl(
            self, "acl", name=name, scope="REGIONAL",
            description=f"{naming.project} {naming.environment} load balancer",
            default_action={"allow": {}}, rule=rules, visibility_config=visibility(name),
            tags=naming.tag("waf"),
        )
        self.web_acl_arn: str = self.web_acl.arn
        aws.wafv2_web_acl_association.Wafv2WebAclAssociation(
            self, "association", resource_arn=resource_arn, web_acl_arn=self.web_acl_arn,
        )

        self.log_group = aws.cloudwatch_log_group.CloudwatchLogGroup(
            self, "logs", name=naming.check(LOG_GROUP_PREFIX + naming(), NameKind.LOG_GROUP),
            retention_in_days=log_retention_days, kms_key_id=log_kms_key_arn, tags=naming.tag("waf-logs"),
        )
        self.log_group_name: str = self.log_group.name
        partition = partition_of(region)
        delivery = aws.cloudwatch_log_resource_policy.CloudwatchLogResourcePolicy(
            self, "log-delivery", policy_name=naming("waf-logs", kind=NameKind.LOG_RESOURCE_POLICY),
            policy_document=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Sid": "WafLogDelivery",
                "Effect": "Allow",
                "Principal": {"Service": "delivery.logs.amazonaws.com"},
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{self.log_group.arn}:*",
                "Condition": {
                    "ArnLike": {"aws:SourceArn": f"arn:{partition}:logs:{region}:{account_id}:*"},
                    "StringEquals": {"aws:SourceAccount": account_id},
                },
            }]}),
        )
        aws.wafv2_web_acl_logging_configuration.Wafv2WebAclLoggingConfiguration(
            self, "logging", resource_arn=self.web_acl_arn, log_destination_configs=[self.log_group.arn],
            redacted_fields=[
                aws.wafv2_web_acl_logging_configuration.Wafv2WebAclLoggingConfigurationRedactedFields(
                    single_header={"name": header},
                ) for header in REDACTED_HEADERS
            ],
            depends_on=[delivery],
        )
