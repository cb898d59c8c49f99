"""A CloudFront distribution in front of the static bucket, which stays private.

CloudFront signs its requests to S3 with an origin access control (SigV4,
always); the bucket's policy (``Buckets.allow_cloudfront``) lets
``cloudfront.amazonaws.com`` get objects only for this distribution's ARN.
No legacy origin access identity, no public bucket, no website endpoint.

| setting                | value                                                         |
|------------------------|---------------------------------------------------------------|
| viewer protocol        | redirect-to-https                                             |
| methods                | GET, HEAD, OPTIONS (cached: GET, HEAD)                        |
| cache policy           | AWS managed ``CachingOptimized`` (compression on)             |
| response headers       | own policy, the headers of AWS's managed SecurityHeadersPolicy|
|                        | (HSTS 1 y + preload, nosniff, SAMEORIGIN, referrer, XSS block)       |
| default root object    | ``index.html`` (``/`` never asks S3 for an empty key)         |
| certificate            | CloudFront's default ``*.cloudfront.net`` (see below)         |
| HTTP versions          | HTTP/2 and HTTP/3; IPv6 on                                    |
| price class            | ``PriceClass_200`` (includes Korea and the rest of Asia)      |
| geo restriction        | none                                                          |

Certificate: with the default certificate CloudFront serves TLS 1.0+ on
``*.cloudfront.net`` and ignores ``minimum_protocol_version``; a minimum of
``TLSv1.2_2021`` needs a custom domain with an ACM certificate in us-east-1
(not built here: the distribution has no alias).

Not built (docs/application-tier.md): standard access logs (legacy logging
needs bucket ACLs, which are disabled on the logs bucket; v2 logging needs
resources in us-east-1), a WAF web ACL (CLOUDFRONT scope lives in
us-east-1), origin failover (one bucket in one region).
"""

from __future__ import annotations

from typing import Any, Protocol

from modules.stack import ProjectStack
from modules.framework import Construct, aws
from modules.naming import NameKind

CACHING_OPTIMIZED_POLICY_ID = "658327ea-f89d-4fab-a63d-7e88639e58f6"
"""AWS managed cache policy ``Managed-CachingOptimized`` (same ID in every account)."""
HSTS_MAX_AGE_SECONDS = 31_536_000
PRICE_CLASS = "PriceClass_200"
ORIGIN_ID = "static"

_cf = aws.cloudfront_distribution


class StaticSiteBuckets(Protocol):
    """What the distribution needs of its origin: the private static bucket and a way to let the
    distribution (alone) read it."""

    static_bucket: Any

    def allow_cloudfront(self, distribution_arn: str) -> None: ...


class StaticSiteCdn(Construct):
    """Attributes: ``distribution`` (the ``CloudfrontDistribution``), ``distribution_arn``,
    ``distribution_domain_name`` (``<id>.cloudfront.net``), ``origin_access_control_id``.

    Creating it adds the CloudFront read statement to ``buckets``' static bucket policy."""

    def __init__(self, scope: Construct, id: str, *, buckets: StaticSiteBuckets,
                 price_class: str = PRICE_CLASS) -> None:
        """
        :param buckets: the environment's buckets; the static bucket is the origin.
        :param price_class: defaults to ``PriceClass_200`` (North America, Europe, Asia incl. Korea,
            Middle East, Africa; not South America/Oceania's dearest edges).
        """
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        naming = stack.naming
        bucket = buckets.static_bucket
        self.origin_access_control = aws.cloudfront_origin_access_control.CloudfrontOriginAccessControl(
            self, "oac", name=naming("static", "oac", kind=NameKind.CLOUDFRONT_OAC),
            description=f"CloudFront reads the static bucket of {naming.project} {naming.environment}",
            origin_access_control_origin_type="s3", signing_behavior="always", signing_protocol="sigv4",
        )
        # Our own policy rather than the managed one's ID: same headers, but a resource checkov sees
        # (CKV2_AWS_32) and that a reviewer reads here.
        self.response_headers_policy = aws.cloudfront_response_headers_policy.CloudfrontResponseHeadersPolicy(
            self, "security-headers", name=naming("static", "security-headers", kind=NameKind.CLOUDFRONT_POLICY),
            comment="Security headers on every static asset response",
            security_headers_config={
                "strict_transport_security": {"access_control_max_age_sec": HSTS_MAX_AGE_SECONDS,
                                              "include_subdomains": True, "preload": True, "override": True},
                "content_type_options": {"override": True},
                "frame_options": {"frame_option": "SAMEORIGIN", "override": True},
                "referrer_policy": {"referrer_policy": "strict-origin-when-cross-origin", "override": True},
                "xss_protection": {"protection": True, "mode_block": True, "override": True},
            },
        )
        self.distribution = _cf.CloudfrontDistribution(
            self, "distribution", enabled=True, comment=naming("static"), default_root_object="index.html",
            http_version="http2and3", is_ipv6_enabled=True, price_class=price_class,
            origin=[_cf.CloudfrontDistributionOrigin(
                origin_id=ORIGIN_ID, domain_name=bucket.bucket_regional_domain_name,
                origin_access_control_id=self.origin_access_control.id,
            )],
            default_cache_behavior=_cf.CloudfrontDistributionDefaultCacheBehavior(
                target_origin_id=ORIGIN_ID, viewer_protocol_policy="redirect-to-https",
                allowed_methods=["GET", "HEAD", "OPTIONS"], cached_methods=["GET", "HEAD"], compress=True,
                cache_policy_id=CACHING_OPTIMIZED_POLICY_ID, response_headers_policy_id=self.response_headers_policy.id,
            ),
            restrictions=_cf.CloudfrontDistributionRestrictions(
                geo_restriction=_cf.CloudfrontDistributionRestrictionsGeoRestriction(restriction_type="none"),
            ),
            viewer_certificate=_cf.CloudfrontDistributionViewerCertificate(cloudfront_default_certificate=True),
            tags=naming.tag("static-cdn"),
        )
        buckets.allow_cloudfront(self.distribution.arn)

        self.distribution_arn: str = self.distribution.arn
        self.distribution_domain_name: str = self.distribution.domain_name
        self.origin_access_control_id: str = self.origin_access_control.id
