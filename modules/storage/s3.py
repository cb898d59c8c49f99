"""What every logs bucket of the project shares: the prefixes its writers use and its policy.

``alb/AWSLogs/<account>/`` (load-balancer access logs, written as the region's Elastic Load Balancing
account), ``vpc-flow-logs/AWSLogs/<account>/`` (the log delivery service) and ``s3-access/<bucket>/``
(S3 server access logs of the buckets named as sources), each only for this account.
"""

from __future__ import annotations

from typing import Sequence

from modules.iam.policy import Statement, allow

ALB_LOG_PREFIX = "alb"
FLOW_LOG_PREFIX = "vpc-flow-logs"
ACCESS_LOG_PREFIX = "s3-access"
"""Prefix of S3 server access logs in the logs bucket: ``s3-access/<source bucket>/``."""


def log_delivery_statements(arn: str, account: str, elb_account_arn: str, *,
                            access_logged: Sequence[str]) -> list[Statement]:
    """Bucket-policy statements of a logs bucket: ALB access logs, VPC flow logs and S3 server
    access logs of the ``access_logged`` buckets (ARNs), each only from this account."""
    from_this_account = {"ArnLike": {"aws:SourceArn": f"arn:aws:logs:*:{account}:*"}}
    statements = [
        # ap-northeast-2 predates Aug 2022: ELB writes as the region's ELB account
        # (600734575887 there), which aws_elb_service_account looks up for the provider's region.
        allow("AlbAccessLogs", ["s3:PutObject"], f"{arn}/{ALB_LOG_PREFIX}/AWSLogs/{account}/*",
              principal={"AWS": elb_account_arn}),
        allow("FlowLogsWrite", ["s3:PutObject"], f"{arn}/{FLOW_LOG_PREFIX}/AWSLogs/{account}/*",
              principal={"Service": "delivery.logs.amazonaws.com"},
              condition={**from_this_account, "StringEquals": {
                  "aws:SourceAccount": account, "s3:x-amz-acl": "bucket-owner-full-control"}}),
        allow("FlowLogsAclCheck", ["s3:GetBucketAcl", "s3:ListBucket"], arn,
              principal={"Service": "delivery.logs.amazonaws.com"},
              condition={**from_this_account, "StringEquals": {"aws:SourceAccount": account}}),
    ]
    if access_logged:
        # S3 server access logging with ownership enforced: a bucket policy, not an ACL grant.
        statements.append(allow("S3ServerAccessLogs", ["s3:PutObject"], f"{arn}/{ACCESS_LOG_PREFIX}/*",
              principal={"Service": "logging.s3.amazonaws.com"},
              condition={"ArnLike": {"aws:SourceArn": list(access_logged)},
                         "StringEquals": {"aws:SourceAccount": account}}))
    return statements
