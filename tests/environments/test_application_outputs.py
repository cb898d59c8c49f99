"""Outputs of the application tier per environment, and the synth summary's HTTP-only note."""

from __future__ import annotations

import pytest

import main
from modules.framework import aws

LB = aws.lb.Lb.TF_RESOURCE_TYPE
SERVICE = aws.ecs_service.EcsService.TF_RESOURCE_TYPE
REPOSITORY = aws.ecr_repository.EcrRepository.TF_RESOURCE_TYPE
CLUSTER = aws.ecs_cluster.EcsCluster.TF_RESOURCE_TYPE
BUCKET = aws.s3_bucket.S3Bucket.TF_RESOURCE_TYPE


def value(stack, name: str):
    return stack.outputs[name]["value"]


def test_outputs_the_load_balancer_dns_name(stack):
    assert value(stack, "alb_dns_name") == stack.ref(LB, stack.one(LB), "dns_name")


def test_outputs_the_service_names_ci_cd_deploys_to(stack):
    assert value(stack, "ecs_service_names") == {
        name: stack.ref(SERVICE, stack.by_path(SERVICE, f"svc-{name}/service"), "name")
        for name in ("frontend", "backend")
    }
    assert value(stack, "ecs_cluster_name") == stack.ref(CLUSTER, stack.one(CLUSTER), "name")


def test_outputs_the_repository_urls_ci_cd_pushes_to(stack):
    assert value(stack, "ecr_repository_urls") == {
        name: stack.ref(REPOSITORY, stack.by_path(REPOSITORY, f"ecr-{name}/repository"), "repository_url")
        for name in ("frontend", "backend")
    }


def test_outputs_the_secret_and_bucket_names(env, stack):
    assert value(stack, "secret_names") == {n: f"codemate/{env}/{n}"
                                            for n in ("database", "nextauth", "anthropic", "github-oauth")}
    for purpose in ("files", "static", "logs"):
        bucket = stack.by_path(BUCKET, f"storage/{purpose}")
        assert value(stack, f"{purpose}_bucket_name") == stack.ref(BUCKET, bucket, "bucket")


@pytest.mark.parametrize("env_name, url", [
    ("dev", "https://codemate-dev.code1398.io"),  # SPEC §7: the document's host names
    ("staging", "https://codemate-staging.code1398.io"),
    ("prod", "https://codemate.code1398.io"),
])
def test_app_url_is_https_on_the_environment_host_name(request, env_name, url):
    assert value(request.getfixturevalue(env_name), "app_url") == url


def test_without_a_domain_the_app_url_is_plain_http_on_the_load_balancer():
    from tests.data_variants import synthesized_variant

    bare = synthesized_variant("no-domain")
    assert value(bare, "app_url") == f"http://{bare.ref(LB, bare.one(LB), 'dns_name')}"


def test_synth_summary_has_no_plain_http_note_now_that_every_environment_has_a_domain(tmp_path, capsys):
    # WHEN dev and prod are synthesized through main
    assert main.main(["dev", "prod", "--outdir", str(tmp_path / "out")]) == 0
    lines = capsys.readouterr().out.splitlines()
    # THEN no note says a load balancer serves plain HTTP (the note itself: tests/modules/patterns)
    assert not [line for line in lines if "plain HTTP" in line]
