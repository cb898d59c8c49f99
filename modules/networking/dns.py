"""DNS and TLS: hosted-zone lookup, DNS-validated wildcard certificate, alias record.

``PublicCertificate`` looks up the public hosted zone of ``domain``, asks
ACM for ``*.<domain>`` (one label below the domain: every environment's
host name), writes the validation CNAME into the zone and waits for the
certificate to be issued, so a listener given ``certificate_arn`` is
created only with a valid certificate. ``AliasRecord`` points a host name
at a load balancer.
"""

from __future__ import annotations

from modules.stack import ProjectStack
from modules.framework import Construct, aws


class PublicCertificate(Construct):
    """Attributes: ``zone_id``, ``certificate``, ``certificate_arn`` (the validated one)."""

    def __init__(self, scope: Construct, id: str, *, domain: str) -> None:
        """:param domain: an existing public Route 53 hosted zone, e.g. ``app.example.com``."""
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        naming = stack.naming
        zone = aws.data_aws_route53_zone.DataAwsRoute53Zone(self, "zone", name=domain, private_zone=False)
        self.zone_id: str = zone.zone_id
        self.certificate = aws.acm_certificate.AcmCertificate(
            self, "certificate", domain_name=f"*.{domain}", validation_method="DNS",
            key_algorithm="RSA_2048", tags=naming.tag("certificate"),
            lifecycle={"create_before_destroy": True},
        )
        # A wildcard-only certificate has exactly one validation record.
        option = self.certificate.domain_validation_options.get(0)
        record = aws.route53_record.Route53Record(
            self, "validation", zone_id=self.zone_id, name=option.resource_record_name,
            type=option.resource_record_type, records=[option.resource_record_value], ttl=60,
            allow_overwrite=True,
        )
        validation = aws.acm_certificate_validation.AcmCertificateValidation(
            self, "validated", certificate_arn=self.certificate.arn, validation_record_fqdns=[record.fqdn],
        )
        self.certificate_arn: str = validation.certificate_arn


class AliasRecord(Construct):
    """An ``A`` alias record ``name`` -> a load balancer. Attribute: ``record``, ``fqdn``."""

    def __init__(self, scope: Construct, id: str, *, zone_id: str, name: str, target_dns_name: str,
                 target_zone_id: str) -> None:
        super().__init__(scope, id)
        self.record = aws.route53_record.Route53Record(
            self, "alias", zone_id=zone_id, name=name, type="A",
            alias={"name": target_dns_name, "zone_id": target_zone_id, "evaluate_target_health": True},
        )
        self.fqdn: str = self.record.fqdn
