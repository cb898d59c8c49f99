"""ECR: one repository per service, scan on push, immutable tags, last 10 images, encrypted."""

from __future__ import annotations

import json

import pytest

from environments import load
from modules.framework import aws

REPOSITORY = aws.ecr_repository.EcrRepository.TF_RESOURCE_TYPE
LIFECYCLE = aws.ecr_lifecycle_policy.EcrLifecyclePolicy.TF_RESOURCE_TYPE


def test_one_repository_per_service_named_with_the_environment(env, stack):
    # GIVEN the two services of the primary system WHEN the stack is synthesized
    names = sorted(r["name"] for r in stack.resources(REPOSITORY).values())
    # THEN each has its own repository, suffixed with the env because environments may share an account
    assert names == [f"codemate-backend-{env}", f"codemate-frontend-{env}"]


@pytest.mark.parametrize("service", ["frontend", "backend"])
def test_repository_scans_on_push_with_immutable_tags_and_kms_encryption(env, stack, service):
    repo = stack.by_path(REPOSITORY, f"ecr-{service}/repository")
    assert repo["image_scanning_configuration"] == {"scan_on_push": True}
    assert repo["image_tag_mutability"] == "IMMUTABLE"
    assert repo["encryption_configuration"] == [{"encryption_type": "KMS"}]
    # images go with the repository only where the environment opts in (dev: force_destroy)
    assert repo["force_delete"] is load(env).force_destroy


@pytest.mark.parametrize("service", ["frontend", "backend"])
def test_lifecycle_keeps_the_last_10_images_of_its_repository(stack, service):
    repo = stack.by_path(REPOSITORY, f"ecr-{service}/repository")
    lifecycle = stack.by_path(LIFECYCLE, f"ecr-{service}/lifecycle")
    assert lifecycle["repository"] == stack.ref(REPOSITORY, repo, "name")
    (rule,) = json.loads(lifecycle["policy"])["rules"]
    assert rule["selection"] == {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 10}
    assert rule["action"] == {"type": "expire"}


def test_no_repository_may_overwrite_a_tag(stack):
    # Negative: not a single mutable repository anywhere.
    assert all(r["image_tag_mutability"] == "IMMUTABLE" for r in stack.resources(REPOSITORY).values())
    assert stack.count(LIFECYCLE) == stack.count(REPOSITORY) == 2
