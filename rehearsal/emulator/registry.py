"""Every correction of the layer, in one place: the emulator installs ``PATCHES`` in this order
(and undoes them in reverse) and answers ``FAKES`` before moto; ``tests/rehearsal/test_emulator.py``
probes each one. A correction defined in a service module but not listed here is refused by
``tests/rehearsal/test_emulator_layer.py``.

Order matters only where two patches replace the same attribute: ``sqs-redrive-allow-policy`` and
``sqs-redrive-policy-compact-json`` both wrap ``moto.sqs.models.Queue.attributes``, in this order.
"""

from __future__ import annotations

from rehearsal.emulator.application_autoscaling import SCALING_TAGS
from rehearsal.emulator.backup import BACKUP_LIST_TAGS_PATH, BACKUP_SELECTIONS
from rehearsal.emulator.budgets import BUDGET_TAGS
from rehearsal.emulator.cloud_map import CLOUD_MAP_CUSTOM_HEALTH_CHECK
from rehearsal.emulator.codebuild import CODEBUILD_ENCRYPTION_KEY, CODEBUILD_PIPELINE_SOURCE
from rehearsal.emulator.codepipeline import CODEPIPELINE_TIMESTAMPS
from rehearsal.emulator.codestar import CODESTAR_CONNECTIONS
from rehearsal.emulator.core import Fake, Patch, RestFake
from rehearsal.emulator.ec2 import GROUP_RULE_DESCRIPTION, LAUNCH_TEMPLATE_TAGS
from rehearsal.emulator.ecs import ECS_SERVICE_FIELDS_PATCH
from rehearsal.emulator.eks import EKS_ADDONS_AND_ACCESS, EKS_FIELDS
from rehearsal.emulator.elasticache import (
    ELASTICACHE_DELETE_SUBNET_GROUP,
    ELASTICACHE_DELETED_GROUP,
    ELASTICACHE_MEMBER_CLUSTERS,
)
from rehearsal.emulator.elbv2 import ELBV2_DELETION_PROTECTION
from rehearsal.emulator.iam import IAM_AWS_MANAGED_POLICIES
from rehearsal.emulator.kms import KMS_ROTATION_PERIOD
from rehearsal.emulator.lambda_ import LAMBDA_CONFIGURATION
from rehearsal.emulator.rds import RDS_CLUSTER_SCALING, RDS_PARAMETER_SOURCE, RDS_PERFORMANCE_INSIGHTS_PATCH
from rehearsal.emulator.s3 import S3_LOGGING_POLICY
from rehearsal.emulator.sqs import SQS_COMPACT_REDRIVE_POLICY, SQS_POLICY_KEPT, SQS_REDRIVE_ALLOW_POLICY

PATCHES: tuple[Patch, ...] = (
    S3_LOGGING_POLICY,
    IAM_AWS_MANAGED_POLICIES,
    LAMBDA_CONFIGURATION,
    EKS_FIELDS,
    LAUNCH_TEMPLATE_TAGS,
    RDS_CLUSTER_SCALING,
    SQS_POLICY_KEPT,
    SQS_REDRIVE_ALLOW_POLICY,
    SQS_COMPACT_REDRIVE_POLICY,
    CLOUD_MAP_CUSTOM_HEALTH_CHECK,
    SCALING_TAGS,
    CODEBUILD_PIPELINE_SOURCE,
    CODEPIPELINE_TIMESTAMPS,
    ELASTICACHE_MEMBER_CLUSTERS,
    ELASTICACHE_DELETED_GROUP,
    ELASTICACHE_DELETE_SUBNET_GROUP,
    KMS_ROTATION_PERIOD,
    GROUP_RULE_DESCRIPTION,
    RDS_PARAMETER_SOURCE,
    RDS_PERFORMANCE_INSIGHTS_PATCH,
    ECS_SERVICE_FIELDS_PATCH,
    CODEBUILD_ENCRYPTION_KEY,
    BUDGET_TAGS,
    ELBV2_DELETION_PROTECTION,
    BACKUP_LIST_TAGS_PATH,
)
FAKES: tuple[Fake | RestFake, ...] = (CODESTAR_CONNECTIONS, EKS_ADDONS_AND_ACCESS, BACKUP_SELECTIONS)
