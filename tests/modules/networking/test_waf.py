"""The WAF web ACL on the load balancer: managed rule groups, metrics, association, request log."""

from __future__ import annotations

import json

import pytest

from modules.networking.options import LoadBalancerOptions
from modules import framework
from modules.framework import aws
from modules.naming import Naming
from modules.networking.waf import MANAGED_RULE_GROUPS, WebAcl
from tests.support import Synth

ACL = aws.wafv2_web_acl.Wafv2WebAcl.TF_RESOURCE_TYPE
ASSOCIATION = aws.wafv2_web_acl_association.Wafv2WebAclAssociation.TF_RESOURCE_TYPE
LOGGING = aws.wafv2_web_acl_logging_configuration.Wafv2WebAclLoggingConfiguration.TF_RESOURCE_TYPE
LOG_GROUP = aws.cloudwatch_log_group.CloudwatchLogGroup.TF_RESOURCE_TYPE
LOG_POLICY = aws.cloudwatch_log_resource_policy.CloudwatchLogResourcePolicy.TF_RESOURCE_TYPE
KMS_KEY = aws.kms_key.KmsKey.TF_RESOURCE_TYPE
LB = aws.lb.Lb.TF_RESOURCE_TYPE
ACCOUNT = "${data.aws_caller_identity.account.account_id}"
WAF_TYPES = (ACL, ASSOCIATION, LOGGING, LOG_POLICY)
protected = pytest.mark.parametrize("env_name", ["staging", "prod"])


def synth_acl(**overrides) -> Synth:
    """A stack holding only a web ACL (ARNs as literals)."""
    from tests.support import project_stack

    stack = project_stack(project="codemate", environment="test")
    props = dict(resource_arn="arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:loadbalancer/app/x/1",
                 log_kms_key_arn="arn:aws:kms:ap-northeast-2:123456789012:key/1")
    WebAcl(stack, "waf", **{**props, **overrides})
    return Synth(framework.Testing.synth(stack))


def rules_by_name(acl: dict) -> dict[str, dict]:
    return {rule["name"]: rule for rule in acl["rule"]}


# -- per environment -------------------------------------------------------------
@protected
def test_staging_and_prod_load_balancers_are_protected_by_a_regional_web_acl(request, env_name):
    stack = request.getfixturevalue(env_name)
    acl = stack.one(ACL)
    assert (acl["name"], acl["scope"], acl["default_action"]) == (f"codemate-waf-{env_name}", "REGIONAL", {"allow": {}})
    (association,) = stack.resources(ASSOCIATION).values()
    assert association == {"resource_arn": stack.ref(LB, stack.one(LB), "arn"),
                           "web_acl_arn": stack.ref(ACL, acl, "arn")}


def test_dev_has_no_waf(dev):
    # Negative: dev switches it off (cost); not a single WAF resource or WAF log group remains
    assert [t for t in WAF_TYPES if dev.count(t)] == []
    assert not [g for g in dev.resources(LOG_GROUP).values() if g["name"].startswith("aws-waf-logs-")]


@protected
def test_web_acl_runs_the_three_aws_managed_rule_groups_in_order_and_blocks_their_matches(request, env_name):
    acl = request.getfixturevalue(env_name).one(ACL)
    assert [(r["priority"], r["name"]) for r in acl["rule"]] == [
        (10, "AWSManagedRulesCommonRuleSet"), (20, "AWSManagedRulesKnownBadInputsRuleSet"),
        (30, "AWSManagedRulesAmazonIpReputationList")]
    for rule in acl["rule"]:
        group = rule["statement"]["managed_rule_group_statement"]
        assert (group["vendor_name"], group["name"]) == ("AWS", rule["name"])
        assert rule["override_action"] == {"none": {}}  # the group's own actions (block), not count
        assert "action" not in rule


@protected
def test_only_the_8_kb_body_limit_counts_instead_of_blocking(request, env_name):
    rules = rules_by_name(request.getfixturevalue(env_name).one(ACL))
    common = rules["AWSManagedRulesCommonRuleSet"]["statement"]["managed_rule_group_statement"]
    assert common["rule_action_override"] == [{"name": "SizeRestrictions_BODY", "action_to_use": {"count": {}}}]
    # Negative: Log4JRCE and the rest of known bad inputs and IP reputation keep blocking
    for name in ("AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList"):
        assert "rule_action_override" not in rules[name]["statement"]["managed_rule_group_statement"]


@protected
def test_cloudwatch_metrics_and_samples_are_on_for_the_acl_and_every_rule(request, env_name):
    acl = request.getfixturevalue(env_name).one(ACL)
    configs = [acl["visibility_config"], *(r["visibility_config"] for r in acl["rule"])]
    assert all(c["cloudwatch_metrics_enabled"] is True and c["sampled_requests_enabled"] is True for c in configs)
    assert [c["metric_name"] for c in configs] == [f"codemate-waf-{env_name}"] + [
        f"codemate-waf-{env_name}-{g}" for g in MANAGED_RULE_GROUPS]


@protected
def test_requests_are_logged_to_an_encrypted_group_kept_a_year_without_credentials(request, env_name):
    stack = request.getfixturevalue(env_name)
    group = stack.by_path(LOG_GROUP, "waf/logs")
    assert group["name"] == f"aws-waf-logs-codemate-{env_name}"  # WAF requires the prefix
    assert group["retention_in_days"] == 365
    assert group["kms_key_id"] == stack.ref(KMS_KEY, stack.by_path(KMS_KEY, "logs-key/key"), "arn")
    (logging,) = stack.resources(LOGGING).values()
    assert logging["resource_arn"] == stack.ref(ACL, stack.one(ACL), "arn")
    assert logging["log_destination_configs"] == [stack.ref(LOG_GROUP, group, "arn")]
    assert logging["redacted_fields"] == [{"single_header": {"name": "authorization"}},
                                          {"single_header": {"name": "cookie"}}]


@protected
def test_only_log_delivery_for_this_account_may_write_the_waf_log_group(request, env_name):
    stack = request.getfixturevalue(env_name)
    resource_policy = stack.one(LOG_POLICY)
    assert resource_policy["policy_name"] == f"codemate-waf-logs-{env_name}"
    (statement,) = json.loads(resource_policy["policy_document"])["Statement"]
    assert statement == {
        "Sid": "WafLogDelivery", "Effect": "Allow", "Principal": {"Service": "delivery.logs.amazonaws.com"},
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": stack.ref(LOG_GROUP, stack.by_path(LOG_GROUP, "waf/logs"), "arn") + ":*",
        "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:logs:ap-northeast-2:{ACCOUNT}:*"},
                      "StringEquals": {"aws:SourceAccount": ACCOUNT}},
    }
    # logging is switched on only once the policy exists (else WAF edits the shared AWSWAF-LOGS policy)
    assert stack.one(LOGGING)["depends_on"] == [stack.ref(LOG_POLICY, resource_policy, "")[2:-2]]


# -- the construct and the setting -----------------------------------------------
def test_waf_is_on_unless_an_environment_switches_it_off():
    assert LoadBalancerOptions().waf is True


def test_count_only_rules_can_be_cleared_so_every_rule_blocks():
    acl = synth_acl(count_only_rules={}).one(ACL)
    assert not [r for r in acl["rule"] if "rule_action_override" in r["statement"]["managed_rule_group_statement"]]


def test_log_retention_and_rule_groups_can_be_chosen():
    synth = synth_acl(log_retention_days=400, managed_rule_groups=("AWSManagedRulesCommonRuleSet",))
    assert synth.one(LOG_GROUP)["retention_in_days"] == 400
    assert [r["name"] for r in synth.one(ACL)["rule"]] == ["AWSManagedRulesCommonRuleSet"]


def test_count_only_rules_of_a_group_that_is_not_used_are_refused():
    with pytest.raises(ValueError, match=r"not used: \['AWSManagedRulesSQLiRuleSet'\]"):
        synth_acl(count_only_rules={"AWSManagedRulesSQLiRuleSet": ("SQLi_BODY",)})
