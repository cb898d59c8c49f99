"""DNS and TLS: hosted-zone lookup, wildcard certificate validated in Route 53, alias record."""

from __future__ import annotations

import pytest

from modules.framework import aws

ZONE = aws.data_aws_route53_zone.DataAwsRoute53Zone.TF_RESOURCE_TYPE
CERTIFICATE = aws.acm_certificate.AcmCertificate.TF_RESOURCE_TYPE
VALIDATION = aws.acm_certificate_validation.AcmCertificateValidation.TF_RESOURCE_TYPE
RECORD = aws.route53_record.Route53Record.TF_RESOURCE_TYPE
LB = aws.lb.Lb.TF_RESOURCE_TYPE

with_domain = pytest.mark.parametrize("env_name", ["dev", "staging", "prod"])
# SPEC §7: zone code1398.io, prod codemate.code1398.io, dev codemate-dev.code1398.io (staging: ours)
HOSTS = {"dev": "codemate-dev.code1398.io", "staging": "codemate-staging.code1398.io", "prod": "codemate.code1398.io"}


@with_domain
def test_hosted_zone_is_looked_up_by_domain(request, env_name):
    stack = request.getfixturevalue(env_name)
    (zone,) = stack.data(ZONE).values()
    assert zone == {"name": "code1398.io", "private_zone": False}


@with_domain
def test_wildcard_certificate_is_dns_validated_in_the_zone(request, env_name):
    stack = request.getfixturevalue(env_name)
    certificate = stack.one(CERTIFICATE)
    assert (certificate["domain_name"], certificate["validation_method"]) == ("*.code1398.io", "DNS")
    assert "subject_alternative_names" not in certificate  # one name: exactly one validation record
    record = stack.by_path(RECORD, "tls/validation")
    option = f"tolist({stack.ref(CERTIFICATE, certificate, 'domain_validation_options')[2:-1]}).0"
    assert record["name"] == f"${{{option}.resource_record_name}}"
    assert record["records"] == [f"${{{option}.resource_record_value}}"]
    assert record["zone_id"] == f"${{data.{ZONE}.{next(iter(stack.data(ZONE)))}.zone_id}}"
    validation = stack.one(VALIDATION)
    assert validation["certificate_arn"] == stack.ref(CERTIFICATE, certificate, "arn")
    assert validation["validation_record_fqdns"] == [stack.ref(RECORD, record, "fqdn")]


@with_domain
def test_alias_record_points_the_environment_host_name_at_the_load_balancer(request, env_name):
    stack = request.getfixturevalue(env_name)
    alb = stack.one(LB)
    alias = stack.by_path(RECORD, "dns/alias")
    assert (alias["name"], alias["type"]) == (HOSTS[env_name], "A")
    assert alias["alias"] == {"name": stack.ref(LB, alb, "dns_name"), "zone_id": stack.ref(LB, alb, "zone_id"),
                              "evaluate_target_health": True}


def test_an_environment_without_a_domain_has_no_zone_certificate_or_record():
    from tests.data_variants import synthesized_variant

    bare = synthesized_variant("no-domain")
    assert not bare.data(ZONE)
    assert bare.count(CERTIFICATE) == bare.count(VALIDATION) == bare.count(RECORD) == 0
