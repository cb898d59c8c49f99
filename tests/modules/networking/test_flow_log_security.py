"""modules/networking/vpc flow logs: encrypted with a customer-managed key, written by a role only this account's flow logs can assume."""

from __future__ import annotations

import json

from modules import framework
from modules.framework import aws
from modules.networking.options import NatMode, VpcOptions
from modules.networking.vpc import Vpc
from tests.support import Synth, project_stack, synth_stack

LOG_GROUP = aws.cloudwatch_log_group.CloudwatchLogGroup.TF_RESOURCE_TYPE
KEY = aws.kms_key.KmsKey.TF_RESOURCE_TYPE
ROLE = aws.iam_role.IamRole.TF_RESOURCE_TYPE
ROLE_POLICY = aws.iam_role_policy.IamRolePolicy.TF_RESOURCE_TYPE
CALLER = aws.data_aws_caller_identity.DataAwsCallerIdentity.TF_RESOURCE_TYPE


def vpc_options(**overrides) -> VpcOptions:
    """SPEC's CIDRs (public only unless given), a single NAT, with ``overrides``."""
    props = dict(vpc_cidr="10.0.0.0/16", public_subnet_cidrs=("10.0.1.0/24", "10.0.2.0/24"),
                 private_app_subnet_cidrs=(), database_subnet_cidrs=(), nat_mode=NatMode.NONE)
    return VpcOptions(**{**props, **overrides})


def synth_vpc(**overrides) -> Synth:
    """A project stack holding only the VPC (no key given: the VPC brings its own)."""
    stack = project_stack(project="codemate", environment="test")
    Vpc(stack, "network", options=vpc_options(**overrides))
    return synth_stack(stack)


def is_ref(value: str, type_: str, attribute: str) -> bool:
    return value.startswith(f"${{{type_}.") and value.endswith(f".{attribute}}}")


def test_flow_log_group_is_encrypted_with_the_environments_logs_key(stack):
    # GIVEN an environment stack WHEN its flow-log group is synthesized
    group = stack.by_path(LOG_GROUP, "network/flow-log-group")
    # THEN it names the environment's logs key by ARN (CloudWatch Logs requires the ARN)
    assert group["kms_key_id"] == stack.ref(KEY, stack.by_path(KEY, "logs-key/key"), "arn")


def test_flow_log_role_trusts_only_flow_logs_of_this_account_and_region(stack):
    role = stack.by_path(ROLE, "network/flow-log-role")
    (statement,) = json.loads(role["assume_role_policy"])["Statement"]
    account = "${data.aws_caller_identity.account.account_id}"
    assert statement["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": account},
        "ArnLike": {"aws:SourceArn": f"arn:aws:ec2:ap-northeast-2:{account}:vpc-flow-log/*"},
    }


def test_flow_log_role_may_only_write_to_its_log_group(stack):
    policy = stack.by_path(ROLE_POLICY, "network/flow-log-policy")
    (statement,) = json.loads(policy["policy"])["Statement"]
    assert statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    assert statement["Resource"].startswith(f"${{{LOG_GROUP}.") and statement["Resource"].endswith(".arn}:*")


def test_vpc_without_a_given_key_brings_its_own_cloudwatch_logs_key():
    s = synth_vpc()
    key = s.by_path(KEY, "network/flow-log-key/key")
    sids = [st["Sid"] for st in json.loads(key["policy"])["Statement"]]
    assert sids == ["AccountAdministersKey", "CloudWatchLogsOfThisAccount"]
    assert key["enable_key_rotation"] is True
    assert s.one(LOG_GROUP)["kms_key_id"] == s.ref(KEY, key, "arn")


def test_vpc_reads_the_stacks_account_and_brings_no_caller_identity_of_its_own():
    s = synth_vpc()
    assert list(s.data(CALLER)) == ["account"]  # the stack's, the one the key policy names
    assert "arn:aws:iam::${data.aws_caller_identity.account.account_id}:root" in \
        s.by_path(KEY, "network/flow-log-key/key")["policy"]


def test_vpc_without_flow_logs_has_no_key_and_no_log_group():
    s = synth_vpc(flow_logs=False)
    assert [s.path(k) for k in s.resources(KEY).values()] == ["logs-key/key"]  # only the stack's own
    assert s.count(LOG_GROUP) == 0
