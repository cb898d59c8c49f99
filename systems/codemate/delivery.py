"""Codemate's delivery (SPEC §3 "CI/CD"): CodePipeline from GitHub through a CodeStar connection, one
CodeBuild Docker build per service, a manual approval where the settings ask for it (prod), an ECS
rolling deploy per service.

Built into the stack's scope (construct ID ``cicd``): ``add_pipeline(stack, settings)`` sets
``stack.pipeline`` (``None`` without ``settings.cicd``) and notes a connection left PENDING.
"""

from __future__ import annotations

from modules.cicd.codepipeline import CodePipeline, DeployTarget


def add_pipeline(stack, settings) -> None:
    naming = stack.naming
    stack.pipeline = None
    cicd = settings.cicd
    if cicd is None:
        return
    stack.pipeline = CodePipeline(
        stack, "cicd", options=cicd, cluster=stack.cluster, secrets=stack.secrets, access_logs=stack.buckets,
        bucket_prefix=settings.storage.bucket_prefix if settings.storage else None,
        targets=[DeployTarget(name=s.name, repository=stack.repositories[s.name], service=stack.services[s.name],
                              source_directory=cicd.source_directories.get(s.name, s.name))
                 for s in settings.services],
    )
    if stack.pipeline.connection is not None:
        stack.notes.append(
            f"the GitHub connection {naming.connection_name()} is created PENDING: complete it once in the "
            "console (Developer Tools > Settings > Connections > Update pending connection) before the "
            f"pipeline {naming.pipeline_name()} can read {cicd.repository}"
        )
