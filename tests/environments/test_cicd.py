"""CI/CD per environment: settings, outputs, the synth summary's connection note, and bad input.

Validation runs before any construct (no synth for the bad-input tests), so those are fast.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.support import config_error

import main
from environments import load
from systems.codemate.settings import validate
from modules.errors import ConfigError
from modules.framework import aws

PIPELINE = aws.codepipeline.Codepipeline.TF_RESOURCE_TYPE
PROJECT = aws.codebuild_project.CodebuildProject.TF_RESOURCE_TYPE
CONNECTION = aws.codestarconnections_connection.CodestarconnectionsConnection.TF_RESOURCE_TYPE
BUCKET = aws.s3_bucket.S3Bucket.TF_RESOURCE_TYPE

CONNECTION_ARN = ("arn:aws:codestar-connections:ap-northeast-2:111122223333:"
                  "connection/0123abcd-0123-4567-89ab-0123456789ab")


def with_cicd(env: str, **changes):
    settings = load(env)
    return replace(settings, cicd=replace(settings.cicd, **changes))


fails = config_error


# -- committed values --------------------------------------------------------------------
@pytest.mark.parametrize("env_name, branch, approval", [
    ("dev", "develop", False), ("staging", "staging", False), ("prod", "main", True),
])
def test_each_environment_builds_its_branch_and_only_prod_asks_for_approval(env_name, branch, approval):
    cicd = load(env_name).cicd
    assert (cicd.branch, cicd.manual_approval) == (branch, approval)
    assert cicd.repository == "codemate-dev/codemate" and cicd.connection_arn is None


def test_outputs_the_pipeline_connection_projects_and_artifact_bucket(env, stack):
    outputs = {name: o["value"] for name, o in stack.outputs.items()}
    assert outputs["pipeline_name"] == stack.ref(PIPELINE, stack.one(PIPELINE), "name")
    assert outputs["codestar_connection_arn"] == stack.ref(CONNECTION, stack.one(CONNECTION), "arn")
    assert outputs["build_project_names"] == {
        s: stack.ref(PROJECT, stack.by_path(PROJECT, f"cicd/build-{s}"), "name") for s in ("frontend", "backend")}
    assert outputs["artifact_bucket_name"] == stack.ref(BUCKET, stack.by_path(BUCKET, "cicd/artifacts"), "bucket")


def test_synth_summary_tells_to_complete_each_pending_connection(tmp_path, capsys):
    # WHEN every environment is synthesized through main
    assert main.main(["--outdir", str(tmp_path / "out")]) == 0
    lines = capsys.readouterr().out.splitlines()
    # THEN each stack's lines carry one note naming its own connection and pipeline
    notes = [line for line in lines if "note:" in line and "PENDING" in line]
    assert len(notes) == 3
    for env, note in zip(("dev", "staging", "prod"), notes):
        assert f"codemate-github-{env}" in note and f"codemate-pipeline-{env}" in note
        assert "complete it once in the console" in note


def test_no_connection_note_when_an_existing_connection_is_given(tmp_path, capsys):
    def loader(name):
        settings = load(name)
        return replace(settings, cicd=replace(settings.cicd, connection_arn=CONNECTION_ARN))

    assert main.main(["dev", "--outdir", str(tmp_path / "out")], loader=loader) == 0
    assert "PENDING" not in capsys.readouterr().out


# -- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize("repository", ["codemate", "owner/", "/codemate", "owner/name/extra", "-owner/codemate",
                                        "own--er/codemate", "owner/code mate", "owner/..", "a" * 40 + "/codemate"])
def test_fails_when_the_repository_is_not_github_owner_slash_name(repository):
    error = fails(with_cicd("dev", repository=repository), "cicd.repository", "not a GitHub repository 'owner/name'")
    assert error.value == repository


@pytest.mark.parametrize("branch", ["", "   "])
def test_fails_when_the_branch_is_empty(branch):
    fails(with_cicd("prod", branch=branch), "cicd.branch", "an empty branch name")


@pytest.mark.parametrize("branch", ["feature/*", "main branch", "a..b", "-main", "main/", "main.lock"])
def test_fails_when_the_branch_is_not_one_git_branch_name(branch):
    fails(with_cicd("staging", branch=branch), "cicd.branch", "not a Git branch name")


def test_fails_when_the_connection_arn_is_not_a_connection():
    bad = "arn:aws:iam::111122223333:role/github"
    fails(with_cicd("prod", connection_arn=bad), "cicd.connection_arn", "not the ARN of a CodeStar connection")


def test_accepts_a_codeconnections_arn():
    validate(with_cicd("prod", connection_arn=CONNECTION_ARN.replace("codestar-connections", "codeconnections")))


def test_fails_when_a_source_directory_names_an_unknown_service():
    fails(with_cicd("dev", source_directories={"worker": "worker"}), "cicd.source_directories",
          "not a service of this environment")


@pytest.mark.parametrize("directory", ["../backend", "/backend", "apps/../../etc", ""])
def test_fails_when_a_source_directory_leaves_the_repository(directory):
    fails(with_cicd("dev", source_directories={"backend": directory}), "cicd.source_directories[backend]",
          "not a directory inside the repository")


def test_fails_when_the_docker_hub_secret_is_not_a_secret_of_the_environment():
    fails(with_cicd("dev", docker_hub_secret="dockerhub"), "cicd.docker_hub_secret",
          "not a secret of this environment")


def test_fails_when_the_compute_type_is_not_a_codebuild_linux_size():
    fails(with_cicd("dev", build_compute_type="BUILD_GENERAL1_HUGE"), "cicd.build_compute_type",
          "not a CodeBuild Linux compute type", "BUILD_GENERAL1_MEDIUM")


@pytest.mark.parametrize("minutes", [4, 2161])
def test_fails_when_the_build_timeout_is_outside_codebuild_limits(minutes):
    fails(with_cicd("dev", build_timeout_minutes=minutes), "cicd.build_timeout_minutes", "5 to 2160 minutes")


def test_fails_when_artifacts_would_expire_at_once():
    fails(with_cicd("dev", artifact_retention_days=0), "cicd.artifact_retention_days", "1 day")


def test_fails_when_there_is_no_service_to_build():
    fails(replace(load("dev"), services=()), "cicd", "nothing to build or deploy")


def test_fails_when_the_manual_approval_switch_is_not_a_bool():
    fails(with_cicd("prod", manual_approval="yes"), "cicd.manual_approval", "expected bool")


def test_bad_cicd_setting_stops_main_before_any_output(tmp_path, capsys):
    def loader(name):
        return with_cicd(name, repository="codemate") if name == "prod" else load(name)

    assert main.main(["--outdir", str(tmp_path / "out")], loader=loader) == main.EXIT_CONFIG_ERROR
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("error: [codemate:prod] cicd.repository = 'codemate': not a GitHub repository 'owner/name'")
    assert not (tmp_path / "out").exists()
