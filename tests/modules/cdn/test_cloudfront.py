"""Optional CloudFront distribution in front of the private static bucket (``storage.cdn``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from environments import ENVIRONMENT_NAMES, load
from systems.codemate.settings import validate
from modules.errors import ConfigError
from modules.framework import aws
from security import gate
from security.gate import evaluate, load_accepted, scan
from tests.app_support import BUCKET, BUCKET_POLICY, policy, statements
from tests.support import synth_settings

DISTRIBUTION = aws.cloudfront_distribution.CloudfrontDistribution.TF_RESOURCE_TYPE
OAC = aws.cloudfront_origin_access_control.CloudfrontOriginAccessControl.TF_RESOURCE_TYPE
OAI = aws.cloudfront_origin_access_identity.CloudfrontOriginAccessIdentity.TF_RESOURCE_TYPE
HEADERS = aws.cloudfront_response_headers_policy.CloudfrontResponseHeadersPolicy.TF_RESOURCE_TYPE
PUBLIC_ACCESS = aws.s3_bucket_public_access_block.S3BucketPublicAccessBlock.TF_RESOURCE_TYPE
CDN_TYPES = (DISTRIBUTION, OAC, OAI, HEADERS)
CDN_ACCEPTED = gate.ROOT / "security" / "accepted-findings-cdn.toml"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"


def with_cdn(env: str):
    settings = load(env)
    return dataclasses.replace(settings, storage=dataclasses.replace(settings.storage, cdn=True))


@pytest.fixture(scope="module")
def prod_cdn():
    return synth_settings(with_cdn("prod"))


def as_one(block):
    """A nested block as synthesized: a dict, or a one-item list."""
    if isinstance(block, list):
        assert len(block) == 1, block
        return block[0]
    return block


def static_policy(synth) -> dict:
    return policy(synth.by_path(BUCKET_POLICY, "storage/static-policy"))


# -- off by default ------------------------------------------------------------------

@pytest.mark.parametrize("env", ENVIRONMENT_NAMES)
def test_cdn_is_off_in_every_committed_environment(env):
    # GIVEN the committed settings THEN the switch is off
    assert load(env).storage.cdn is False


def test_no_cloudfront_resource_or_output_without_the_setting(stack):
    # GIVEN any committed environment (CDN off) WHEN synthesized
    # THEN no CloudFront resource, no CDN output, and the static policy has no CloudFront statement
    assert [t for t in CDN_TYPES if stack.count(t)] == []
    assert "static_cdn_domain_name" not in stack.outputs
    sids = [s.get("Sid") for s in statements(static_policy(stack))]
    assert "CloudFrontRead" not in sids
    assert "cloudfront.amazonaws.com" not in stack.text


def test_cdn_setting_must_be_a_bool():
    # GIVEN cdn = "yes" WHEN validated THEN a ConfigError names the field
    settings = load("dev")
    bad = dataclasses.replace(settings, storage=dataclasses.replace(settings.storage, cdn="yes"))
    with pytest.raises(ConfigError) as error:
        validate(bad)
    assert "cdn" in str(error.value)


# -- on ------------------------------------------------------------------------------

def test_origin_access_control_signs_every_s3_request_with_sigv4(prod_cdn):
    oac = prod_cdn.one(OAC)
    assert (oac["origin_access_control_origin_type"], oac["signing_behavior"], oac["signing_protocol"]) == \
        ("s3", "always", "sigv4")
    assert oac["name"] == "codemate-static-oac-prod"


def test_distribution_origin_is_the_static_bucket_through_the_oac(prod_cdn):
    distribution = prod_cdn.one(DISTRIBUTION)
    origin = as_one(distribution["origin"])
    static = prod_cdn.by_path(BUCKET, "storage/static")
    assert origin["domain_name"] == prod_cdn.ref(BUCKET, static, "bucket_regional_domain_name")
    assert origin["origin_access_control_id"] == prod_cdn.ref(OAC, prod_cdn.one(OAC))
    # no legacy origin access identity
    assert "s3_origin_config" not in origin
    assert prod_cdn.count(OAI) == 0


def test_viewers_are_redirected_to_https_and_served_cached_compressed_read_only(prod_cdn):
    distribution = prod_cdn.one(DISTRIBUTION)
    behavior = as_one(distribution["default_cache_behavior"])
    assert behavior["viewer_protocol_policy"] == "redirect-to-https"
    assert behavior["allowed_methods"] == ["GET", "HEAD", "OPTIONS"]
    assert behavior["cached_methods"] == ["GET", "HEAD"]
    assert behavior["compress"] is True
    assert behavior["cache_policy_id"] == CACHING_OPTIMIZED
    assert behavior["response_headers_policy_id"] == prod_cdn.ref(HEADERS, prod_cdn.one(HEADERS))
    assert "forwarded_values" not in behavior
    assert (distribution["http_version"], distribution["is_ipv6_enabled"], distribution["price_class"]) == \
        ("http2and3", True, "PriceClass_200")
    assert as_one(distribution["viewer_certificate"]) == {"cloudfront_default_certificate": True}
    assert as_one(as_one(distribution["restrictions"])["geo_restriction"])["restriction_type"] == "none"


def test_security_headers_include_a_year_of_hsts(prod_cdn):
    headers = as_one(prod_cdn.one(HEADERS)["security_headers_config"])
    hsts = as_one(headers["strict_transport_security"])
    assert hsts == {"access_control_max_age_sec": 31536000, "include_subdomains": True, "preload": True,
                    "override": True}
    assert as_one(headers["content_type_options"]) == {"override": True}
    assert as_one(headers["frame_options"])["frame_option"] == "SAMEORIGIN"


def test_static_bucket_lets_only_this_distribution_get_objects(prod_cdn):
    # GIVEN prod with the CDN WHEN the static bucket policy is read
    found = [s for s in statements(static_policy(prod_cdn)) if s.get("Sid") == "CloudFrontRead"]
    static = prod_cdn.by_path(BUCKET, "storage/static")
    distribution = prod_cdn.one(DISTRIBUTION)
    # THEN exactly one statement: CloudFront's service principal, GetObject, objects only, this ARN only
    assert found == [{
        "Sid": "CloudFrontRead", "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": ["s3:GetObject"], "Resource": f"{prod_cdn.ref(BUCKET, static, 'arn')}/*",
        "Condition": {"StringEquals": {"AWS:SourceArn": prod_cdn.ref(DISTRIBUTION, distribution, 'arn')}},
    }]
    # and the TLS-only deny is still first
    assert statements(static_policy(prod_cdn))[0]["Sid"] == "DenyInsecureTransport"


def test_no_other_bucket_policy_mentions_cloudfront(prod_cdn):
    for purpose in ("files", "logs"):
        assert "cloudfront" not in prod_cdn.by_path(BUCKET_POLICY, f"storage/{purpose}-policy")["policy"]


def test_static_bucket_stays_fully_private_with_the_cdn(prod_cdn):
    block = prod_cdn.by_path(PUBLIC_ACCESS, "storage/static-public-access")
    assert {k: block[k] for k in ("block_public_acls", "block_public_policy", "ignore_public_acls",
                                  "restrict_public_buckets")} == dict.fromkeys(
        ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"), True)


def test_cdn_domain_name_is_an_output(prod_cdn):
    output = prod_cdn.outputs["static_cdn_domain_name"]
    assert output["value"] == prod_cdn.ref(DISTRIBUTION, prod_cdn.one(DISTRIBUTION), "domain_name")


# -- the security gate with the CDN on -------------------------------------------------

def test_prod_with_the_cdn_passes_the_gate_with_the_reviewed_cdn_acceptances(tmp_path):
    # GIVEN prod with the CDN, synthesized like main.py does
    from main import synthesize
    outdir = tmp_path / "cdktf.out"
    synthesize([with_cdn("prod")], outdir)
    # WHEN checkov judges it against the committed list plus the CDN list
    cdn_entries = load_accepted(CDN_ACCEPTED)
    verdict = evaluate(scan(["prod"], outdir), [*load_accepted(), *cdn_entries])
    # THEN nothing is unaccepted or stale
    assert verdict.ok, gate.report(verdict, 0)
    # and the CDN list only ever excuses the distribution
    assert {e.resource for e in cdn_entries} == {"cdn/distribution"}
    # the fixed ones pass outright: response headers policy, HSTS, default root object
    failed = {(f.check_id, f.resource) for f in verdict.accepted}
    assert not failed & {("CKV2_AWS_32", "cdn/distribution"), ("CKV_AWS_305", "cdn/distribution"),
                         ("CKV_AWS_259", "cdn/security-headers")}
