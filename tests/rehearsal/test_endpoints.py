"""Every AWS service a synthesized stack talks to has an emulator endpoint in the rehearsal copy.

A service missing from ``ENDPOINT_SERVICES`` silently goes to real AWS (no network here): the
provider then retries until the step times out. UniSync's Cloud Map namespace and OpenMarket's
Auto Scaling schedules did exactly that before ``servicediscovery`` and ``autoscaling`` were added.
"""

from __future__ import annotations

import json

from rehearsal.copy import ENDPOINT_SERVICES

#: Resource/data type prefix -> the provider's endpoint key for its service (longest prefix wins).
SERVICE_OF = {
    "aws_acm_": "acm", "aws_appautoscaling_": "appautoscaling", "aws_autoscaling_": "autoscaling",
    "aws_caller_identity": "sts", "aws_cloudwatch_event_": "events", "aws_cloudwatch_log_": "logs",
    "aws_cloudwatch_dashboard": "cloudwatch", "aws_cloudwatch_metric_alarm": "cloudwatch",
    "aws_codebuild_": "codebuild", "aws_codepipeline": "codepipeline",
    "aws_codestarconnections_": "codestarconnections", "aws_db_": "rds", "aws_rds_": "rds",
    "aws_default_security_group": "ec2", "aws_eip": "ec2", "aws_flow_log": "ec2", "aws_internet_gateway": "ec2",
    "aws_launch_template": "ec2", "aws_nat_gateway": "ec2", "aws_route": "ec2", "aws_route_table": "ec2",
    "aws_security_group": "ec2", "aws_subnet": "ec2", "aws_vpc": "ec2", "aws_ecr_": "ecr", "aws_ecs_": "ecs",
    "aws_eks_": "eks", "aws_elasticache_": "elasticache", "aws_elb_service_account": "elbv2", "aws_lb": "elbv2",
    "aws_iam_": "iam", "aws_kms_": "kms", "aws_lambda_": "lambda", "aws_route53_": "route53", "aws_s3_": "s3",
    "aws_scheduler_": "scheduler", "aws_secretsmanager_": "secretsmanager",
    "aws_service_discovery_": "servicediscovery", "aws_sns_": "sns", "aws_sqs_": "sqs", "aws_wafv2_": "wafv2",
    "aws_cloudfront_": "cloudfront", "aws_accessanalyzer_": "accessanalyzer", "aws_backup_": "backup",
    "aws_budgets_": "budgets", "aws_cloudtrail": "cloudtrail", "aws_guardduty_": "guardduty",
}


def service_of(type_: str) -> str | None:
    matches = [p for p in SERVICE_OF if type_.startswith(p)]
    return SERVICE_OF[max(matches, key=len)] if matches else None


def test_every_type_of_every_stack_goes_to_the_emulator(all_stacks_output):
    types: set[str] = set()
    for stack in (all_stacks_output / "stacks").iterdir():
        document = json.loads((stack / "cdk.tf.json").read_text())
        types |= set(document.get("resource", {})) | set(document.get("data", {}))
    unmapped = sorted(t for t in types if service_of(t) is None)
    assert unmapped == [], f"map these types to their service's endpoint key in SERVICE_OF: {unmapped}"
    missing = sorted({f"{t} -> {service_of(t)}" for t in types if service_of(t) not in ENDPOINT_SERVICES})
    assert missing == [], f"add to rehearsal.copy.ENDPOINT_SERVICES: {missing}"


def test_a_service_without_an_endpoint_is_caught():
    assert service_of("aws_service_discovery_service") == "servicediscovery"
    assert service_of("aws_autoscaling_schedule") == "autoscaling" != service_of("aws_appautoscaling_target")
    assert service_of("aws_route_table_association") == "ec2" and service_of("aws_route53_record") == "route53"
    assert service_of("aws_unknown_thing") is None
