"""CodePipeline: metadata timestamps in epoch seconds."""

from __future__ import annotations

import json

from rehearsal.emulator.core import Patch, Replace, constant, raw_json


def _metadata(self) -> dict:
    return {"pipelineArn": self._arn, "created": self._created.timestamp(), "updated": self._updated.timestamp()}


def _probe_timestamps(session) -> bool:
    iam = session.client("iam")
    role = iam.create_role(RoleName="probe-pipeline", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "codepipeline.amazonaws.com"}}]}))
    client = session.client("codepipeline")
    action = {"name": "a", "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
              "configuration": {"S3Bucket": "b", "S3ObjectKey": "k"}, "outputArtifacts": [{"name": "o"}]}
    build = {"name": "b", "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild",
                                           "version": "1"},
             "configuration": {"ProjectName": "p"}, "inputArtifacts": [{"name": "o"}]}
    client.create_pipeline(pipeline={
        "name": "probe", "roleArn": role["Role"]["Arn"], "artifactStore": {"type": "S3", "location": "probe-artifacts"},
        "stages": [{"name": "Source", "actions": [action]}, {"name": "Build", "actions": [build]}]})
    return raw_json(session, "codepipeline", "CodePipeline_20150709.GetPipeline", {"name": "probe"},
                    lambda body: not isinstance(body["metadata"]["created"], (int, float)))


CODEPIPELINE_TIMESTAMPS = Patch(
    name="codepipeline-epoch-timestamps",
    moto="GetPipeline returns metadata.created / metadata.updated as ISO-8601 strings",
    aws="the JSON protocol sends timestamps as epoch seconds (numbers); the Go SDK of the provider "
        "refuses a string there",
    reference="https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_PipelineMetadata.html ; "
              "https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html (timestamps: epoch-seconds)",
    probe=_probe_timestamps,
    replaces=(Replace("moto.codepipeline.models:CodePipeline", "metadata", constant(property(_metadata))),),
)
