"""CodeBuild: a CODEPIPELINE source needs no location; a project keeps its encryption key."""

from __future__ import annotations

from rehearsal.emulator.core import ACCOUNT_ID, Patch, Replace, client_error

RESPONSES = "moto.codebuild.responses"


def _validate_source(source_check):
    def validate_source(source: dict) -> None:
        if source.get("type") in ("CODEPIPELINE", "NO_SOURCE") and not source.get("location"):
            return
        source_check(source)

    return validate_source


def _validate_artifacts(artifacts_check):
    def validate_artifacts(artifacts: dict) -> None:
        if artifacts.get("type") == "CODEPIPELINE" and not artifacts.get("location"):
            return
        artifacts_check(artifacts)

    return validate_artifacts


def _probe_pipeline_source(session) -> bool:
    client = session.client("codebuild")
    return client_error(lambda: client.create_project(
        name="probe", source={"type": "CODEPIPELINE", "buildspec": "version: 0.2"},
        artifacts={"type": "CODEPIPELINE"},
        environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                     "computeType": "BUILD_GENERAL1_SMALL"},
        serviceRole=f"arn:aws:iam::{ACCOUNT_ID}:role/probe"), "InvalidInputException")


CODEBUILD_PIPELINE_SOURCE = Patch(
    name="codebuild-pipeline-source-without-location",
    moto="CreateProject requires source.location and artifacts.location for every type ('Project "
         "source location is required')",
    aws="source.location is not used for CODEPIPELINE (the pipeline's source action supplies the code) "
        "or NO_SOURCE sources; artifacts.location is ignored for CODEPIPELINE artifacts",
    reference="https://docs.aws.amazon.com/codebuild/latest/APIReference/API_ProjectSource.html ; "
              "https://docs.aws.amazon.com/codebuild/latest/APIReference/API_ProjectArtifacts.html",
    probe=_probe_pipeline_source,
    replaces=(
        Replace(RESPONSES, "_validate_required_params_source", _validate_source),
        Replace(RESPONSES, "_validate_required_params_artifacts", _validate_artifacts),
    ),
)


def _create_project(create):
    def create_project(self):
        answer = create(self)
        key = self._get_param("encryptionKey")
        if key:
            self.codebuild_backend.codebuild_projects[self._get_param("name")].project_metadata["encryptionKey"] = key
        return answer

    return create_project


def _probe_encryption_key(session) -> bool:
    client = session.client("codebuild")
    key = f"arn:aws:kms:{session.region_name}:{ACCOUNT_ID}:key/11111111-2222-3333-4444-555555555555"
    client.create_project(
        name="probe-key", source={"type": "S3", "location": "bucket/key.zip"}, artifacts={"type": "NO_ARTIFACTS"},
        environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                     "computeType": "BUILD_GENERAL1_SMALL"},
        serviceRole=f"arn:aws:iam::{ACCOUNT_ID}:role/probe", encryptionKey=key)
    return client.batch_get_projects(names=["probe-key"])["projects"][0].get("encryptionKey") != key


CODEBUILD_ENCRYPTION_KEY = Patch(
    name="codebuild-encryption-key",
    moto="CreateProject ignores encryptionKey: every project reports the AWS-managed alias/aws/s3",
    aws="a project keeps the customer-managed key given as encryptionKey for its build artifacts",
    reference="https://docs.aws.amazon.com/codebuild/latest/APIReference/API_CreateProject.html#CodeBuild-CreateProject-request-encryptionKey",
    probe=_probe_encryption_key,
    replaces=(Replace(f"{RESPONSES}:CodeBuildResponse", "create_project", _create_project),),
)
