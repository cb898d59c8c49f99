"""Helpers for the application-tier tests: containers, policies, services of a synthesized stack."""

from __future__ import annotations

import json
from typing import Iterator

from environments import load
from modules.compute.options import EcsServiceOptions
from modules.framework import aws
from tests.support import Synth

TASK = aws.ecs_task_definition.EcsTaskDefinition.TF_RESOURCE_TYPE
SERVICE = aws.ecs_service.EcsService.TF_RESOURCE_TYPE
ROLE = aws.iam_role.IamRole.TF_RESOURCE_TYPE
ROLE_POLICY = aws.iam_role_policy.IamRolePolicy.TF_RESOURCE_TYPE
BUCKET = aws.s3_bucket.S3Bucket.TF_RESOURCE_TYPE
BUCKET_POLICY = aws.s3_bucket_policy.S3BucketPolicy.TF_RESOURCE_TYPE


def service_settings(env: str, name: str) -> EcsServiceOptions:
    return next(s for s in load(env).services if s.name == name)


def container(synth: Synth, service: str) -> dict:
    """The (single) container definition of ``service``'s task definition."""
    (definition,) = json.loads(synth.by_path(TASK, f"svc-{service}/task")["container_definitions"])
    return definition


def policy(resource: dict, key: str = "policy") -> dict:
    return json.loads(resource[key])


def statements(document: dict) -> list[dict]:
    found = document["Statement"]
    return found if isinstance(found, list) else [found]


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def every_policy_document(synth: Synth) -> Iterator[tuple[str, dict]]:
    """``(where, document)`` for every IAM role policy, trust policy and bucket policy."""
    for type_, key in ((ROLE_POLICY, "policy"), (ROLE, "assume_role_policy"), (BUCKET_POLICY, "policy")):
        for logical_id, resource in synth.resources(type_).items():
            yield logical_id, policy(resource, key)


def execution_policy(synth: Synth, service: str) -> dict[str, dict]:
    """The execution role's statements by Sid."""
    document = policy(synth.by_path(ROLE_POLICY, f"svc-{service}/execution-policy"))
    return {s["Sid"]: s for s in statements(document)}
