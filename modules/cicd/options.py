"""Options of the delivery pipeline (CodePipeline + CodeBuild), beside it; no framework import."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from modules.validation_rules import branch_problem, github_repository_problem


@dataclass(frozen=True, kw_only=True)
class PipelineOptions:
    """CodePipeline of the environment: source from GitHub through a CodeStar connection, one CodeBuild
    Docker build per service, an optional manual approval, an ECS rolling deploy per service."""

    repository: str
    """GitHub repository ``owner/name`` holding every service's Dockerfile."""
    branch: str
    """Branch whose pushes start the pipeline, e.g. ``develop`` (dev) or ``main`` (prod)."""
    manual_approval: bool = False
    """A manual approval stage between build and deploy. Defaults to off (prod turns it on)."""
    connection_arn: str | None = None
    """An existing CodeStar/CodeConnections connection to GitHub (e.g. one shared by every environment
    of the account). Defaults to none: the environment creates its own connection, ``PENDING`` until
    someone completes it once in the console."""
    source_directories: dict[str, str] = field(default_factory=dict)
    """Docker build context (the directory of the Dockerfile) of each service in the repository, by
    service name, e.g. ``{"backend": "apps/api"}``. Defaults to the service's name (``frontend/``,
    ``backend/``); use ``"."`` for a repository with one service at its root."""
    docker_hub_secret: str | None = None
    """Short name of a secret of ``secrets.names`` holding JSON ``{"username": ..., "token": ...}``:
    builds log in to Docker Hub before pulling base images. Defaults to none: anonymous pulls
    (rate-limited by Docker Hub)."""
    build_compute_type: str = "BUILD_GENERAL1_SMALL"
    """CodeBuild compute of the Docker builds. Defaults to ``BUILD_GENERAL1_SMALL`` (2 vCPU, 3 GB);
    ``BUILD_GENERAL1_MEDIUM`` (4 vCPU, 7 GB) for builds that run out of memory."""
    build_timeout_minutes: int = 30
    """A build running longer fails (CodeBuild allows 5-2160). Defaults to 30."""
    dockerfile: str = "Dockerfile"
    """The build file of every service, relative to its build context (``docker build -f``), e.g.
    ``Dockerfile.prod``. Defaults to ``Dockerfile``."""
    artifact_retention_days: int = 30
    """Days pipeline artifacts (source zips, image definitions) are kept. Defaults to 30."""


_CONNECTION_ARN = re.compile(
    r"^arn:aws(?:-[a-z]+)*:(?:codestar-connections|codeconnections):[a-z]{2}(?:-[a-z]+)+-\d+:\d{12}:"
    r"connection/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
_SOURCE_DIRECTORY = re.compile(r"^[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*/?$")
CODEBUILD_COMPUTE_TYPES = ("BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE",
                           "BUILD_GENERAL1_XLARGE", "BUILD_GENERAL1_2XLARGE")


def pipeline_problems(c: PipelineOptions) -> Iterator[tuple[str, object, str, str]]:
    """What is wrong with the pipeline's own fields (relative to it)."""
    if problem := github_repository_problem(c.repository):
        yield ("repository", c.repository, problem,
               "write the owner (user or organisation) and the repository, e.g. 'acme/shop'")
    if problem := branch_problem(c.branch):
        yield ("branch", c.branch, problem, "name one branch, e.g. 'develop' or 'main'")
    if c.connection_arn is not None and not _CONNECTION_ARN.match(c.connection_arn):
        yield ("connection_arn", c.connection_arn, "not the ARN of a CodeStar connection",
               "copy it from Developer Tools > Settings > Connections "
               "(arn:aws:codestar-connections:<region>:<account>:connection/<id>), or leave it out")
    for service, directory in c.source_directories.items():
        if directory != "." and (not _SOURCE_DIRECTORY.match(directory) or ".." in directory.split("/")):
            yield (f"source_directories[{service}]", directory, "not a directory inside the repository",
                   "give a relative path without '..', e.g. 'apps/web', or '.' for the root")
    if not _SOURCE_DIRECTORY.match(c.dockerfile) or ".." in c.dockerfile.split("/") or c.dockerfile.endswith("/"):
        yield ("dockerfile", c.dockerfile, "not a file inside the build context",
               "give a relative path without '..', e.g. 'Dockerfile.prod'")
    if c.build_compute_type not in CODEBUILD_COMPUTE_TYPES:
        yield ("build_compute_type", c.build_compute_type, "not a CodeBuild Linux compute type",
               f"use one of {', '.join(CODEBUILD_COMPUTE_TYPES)}")
    if not 5 <= c.build_timeout_minutes <= 2160:
        yield ("build_timeout_minutes", c.build_timeout_minutes, "CodeBuild allows 5 to 2160 minutes", "use e.g. 30")
    if c.artifact_retention_days < 1:
        yield ("artifact_retention_days", c.artifact_retention_days,
               "S3 expires objects after 1 day at the earliest", "use e.g. 30")
