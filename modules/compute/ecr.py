"""One ECR repository: scan on push, immutable tags, the last N images kept, encrypted."""

from __future__ import annotations

import json

from typing import Sequence

from modules.stack import ProjectStack
from modules.framework import Construct, aws


class EcrRepository(Construct):
    """Attributes: ``repository``, ``repository_name``, ``repository_url``, ``repository_arn``."""

    def __init__(self, scope: Construct, id: str, *, name: str, images_to_keep: int = 10) -> None:
        """
        :param name: the repository name (from ``Naming.repository_name``).
        :param images_to_keep: defaults to the last 10 images; older ones expire.
        The stack's ``force_destroy`` is the repository's ``force_delete``: off, destroying a repository
        that holds images fails (``RepositoryNotEmptyException``); on, destroy deletes the images with it.
        """
        super().__init__(scope, id)
        force_delete = ProjectStack.of(self).force_destroy
        self.repository = aws.ecr_repository.EcrRepository(
            self, "repository", name=name, image_tag_mutability="IMMUTABLE", force_delete=force_delete,
            image_scanning_configuration={"scan_on_push": True},
            # KMS with the AWS-managed aws/ecr key: pulls need no extra permission.
            encryption_configuration=[aws.ecr_repository.EcrRepositoryEncryptionConfiguration(encryption_type="KMS")],
        )
        aws.ecr_lifecycle_policy.EcrLifecyclePolicy(
            self, "lifecycle", repository=self.repository.name,
            policy=json.dumps({"rules": [{
                "rulePriority": 1,
                "description": f"Keep the last {images_to_keep} images",
                "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": images_to_keep},
                "action": {"type": "expire"},
            }]}),
        )
        self.repository_name: str = self.repository.name
        self.repository_url: str = self.repository.repository_url
        self.repository_arn: str = self.repository.arn

    @classmethod
    def for_services(cls, scope: Construct, services: Sequence, *, prefix: str,
                     images_to_keep: int = 10) -> dict[str, "EcrRepository"]:
        """One repository per service (construct ID ``ecr-<service>``), named ``options.image_repository``
        or ``<prefix><service>`` (e.g. ``shop-`` or ``shop/``), by service name."""
        naming = ProjectStack.of(scope).naming
        return {s.name: cls(scope, f"ecr-{s.name}", name=naming.repository_name(s.image_repository or f"{prefix}{s.name}"),
                            images_to_keep=images_to_keep)
                for s in services}
