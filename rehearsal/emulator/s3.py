"""S3: server access logging to a bucket whose policy has a wildcard principal."""

from __future__ import annotations

import fnmatch
import json

from rehearsal.emulator.core import Patch, Replace, client_error


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _log_permissions_enabled_policy(target_bucket, target_prefix) -> bool:
    from moto.s3.models import LOGGING_SERVICE_PRINCIPAL

    if not target_bucket.policy:
        return False
    statements = _as_list(json.loads(target_bucket.policy.decode()).get("Statement", []))
    # Where the log objects land: any key under the prefix.
    key = f"arn:{target_bucket.partition}:s3:::{target_bucket.name}/{target_prefix or ''}logfile"
    for stmt in statements:
        principal = stmt.get("Principal")
        services = _as_list(principal.get("Service", [])) if isinstance(principal, dict) else []
        if LOGGING_SERVICE_PRINCIPAL not in services or stmt.get("Effect") != "Allow":
            continue
        if not any(fnmatch.fnmatchcase("s3:PutObject", a) for a in _as_list(stmt.get("Action", []))):
            continue
        if any(fnmatch.fnmatchcase(key, r) for r in _as_list(stmt.get("Resource", []))):
            return True
    return False


def _probe_logging_policy(session) -> bool:
    s3 = session.client("s3")
    s3.create_bucket(Bucket="probe-logs", CreateBucketConfiguration={"LocationConstraint": session.region_name})
    s3.create_bucket(Bucket="probe-source", CreateBucketConfiguration={"LocationConstraint": session.region_name})
    s3.put_bucket_policy(Bucket="probe-logs", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": ["arn:aws:s3:::probe-logs", "arn:aws:s3:::probe-logs/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "Logs", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
         "Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::probe-logs/s3-access/*"},
    ]}))
    return client_error(lambda: s3.put_bucket_logging(Bucket="probe-source", BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": "probe-logs", "TargetPrefix": "s3-access/probe-source/"}}))


S3_LOGGING_POLICY = Patch(
    name="s3-logging-target-policy-with-wildcard-principal",
    moto="PutBucketLogging reads every statement of the target bucket's policy as "
         "Principal={'Service': ...} and crashes (500) on a statement whose Principal is the string '*' "
         "(our TLS-only Deny statement); it accepts only a Resource string equal to <bucket>/<prefix>*, "
         "<bucket>/* or <bucket>, so a wider wildcard (<bucket>/s3-access/* for prefix "
         "s3-access/<source>/) or a list of resources is refused",
    aws="a statement may name Principal \"*\"; the log delivery needs some statement allowing "
        "logging.s3.amazonaws.com s3:PutObject on the keys under the prefix, Resource matched with "
        "IAM's wildcards (a string or a list)",
    reference="https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html ; "
              "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html ; "
              "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html",
    probe=_probe_logging_policy,
    replaces=(
        Replace("moto.s3.models:FakeBucket", "_log_permissions_enabled_policy",
                lambda _: staticmethod(_log_permissions_enabled_policy)),
    ),
)
