"""Create, verify and repair the remote-state backend: the S3 bucket and the DynamoDB lock table.

One small function per guarantee reads the current setting and returns a
:class:`Finding`; :func:`run` settles every finding according to the mode:

* ``Mode.APPLY``   (``python -m backend bootstrap``): create what is missing,
  repair what drifted, report ``created`` / ``repaired (was ...)`` / ``ok``.
* ``Mode.DRY_RUN`` (``bootstrap --dry-run``): report ``would create`` /
  ``would repair``; change nothing.
* ``Mode.VERIFY``  (``python -m backend verify``): report every setting that is
  ``missing`` or ``weaker`` than required, with its fix; change nothing.

The bootstrap never deletes and never weakens anything: settings it finds
stronger than required (a KMS key instead of AES-256, a longer version
retention) are kept, and its own policy statement, lifecycle rule and tags are
merged into whatever the bucket already has.

Everything is checked that can be checked before the first write (names and
region locally; then who owns the bucket, where it lives, and the table's
key), so bad input stops with a :class:`BackendError` and changes nothing.
Only boto3 is used: no cdktf, no jsii.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable, Mapping

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
    WaiterError,
)

from modules.project import ProjectSettings
from modules.naming import bucket_name_problem

BOOTSTRAP = "python -m backend bootstrap"
NONCURRENT_VERSION_DAYS = 90
ABORT_MULTIPART_DAYS = 7
LIFECYCLE_RULE_ID = "terraform-state-versions"
TLS_STATEMENT_SID = "DenyInsecureTransport"
LOCK_KEY = "LockID"
PUBLIC_ACCESS_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")

# Every AWS operation the bootstrap calls -> the IAM action it needs.
# backend/iam/bootstrap-policy.json grants exactly these (tests/backend/test_iam.py).
IAM_ACTIONS: dict[str, str] = {
    "ListBuckets": "s3:ListAllMyBuckets",
    "HeadBucket": "s3:ListBucket",
    "CreateBucket": "s3:CreateBucket",
    "GetBucketVersioning": "s3:GetBucketVersioning",
    "PutBucketVersioning": "s3:PutBucketVersioning",
    "GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "PutBucketEncryption": "s3:PutEncryptionConfiguration",
    "GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "GetBucketOwnershipControls": "s3:GetBucketOwnershipControls",
    "PutBucketOwnershipControls": "s3:PutBucketOwnershipControls",
    "GetBucketPolicy": "s3:GetBucketPolicy",
    "PutBucketPolicy": "s3:PutBucketPolicy",
    "GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
    "PutBucketLifecycleConfiguration": "s3:PutLifecycleConfiguration",
    "GetBucketTagging": "s3:GetBucketTagging",
    "PutBucketTagging": "s3:PutBucketTagging",
    "DescribeTable": "dynamodb:DescribeTable",
    "CreateTable": "dynamodb:CreateTable",
    "UpdateTable": "dynamodb:UpdateTable",
    "DescribeContinuousBackups": "dynamodb:DescribeContinuousBackups",
    "UpdateContinuousBackups": "dynamodb:UpdateContinuousBackups",
    "ListTagsOfResource": "dynamodb:ListTagsOfResource",
    "TagResource": "dynamodb:TagResource",
}

_ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "403"}
_BAD_CREDENTIALS = {
    "InvalidAccessKeyId", "SignatureDoesNotMatch", "UnrecognizedClientException", "InvalidClientTokenId",
    "ExpiredToken", "ExpiredTokenException", "InvalidToken",
}


class BackendError(Exception):
    """An expected failure (bad input, credentials, permissions, ownership): message and fix, no traceback."""

    def __init__(self, message: str, fix: str):
        self.message = message
        self.fix = fix
        super().__init__(f"{message} — fix: {fix}")


class Mode(Enum):
    APPLY = "bootstrap"
    DRY_RUN = "bootstrap --dry-run"
    VERIFY = "verify"


class Status(Enum):
    OK = "ok"
    CREATED = "created"
    REPAIRED = "repaired"
    WOULD_CREATE = "would create"
    WOULD_REPAIR = "would repair"
    MISSING = "missing"
    WEAKER = "weaker"
    SKIPPED = "skipped"


CHANGES = {Status.CREATED, Status.REPAIRED}
PENDING = {Status.WOULD_CREATE, Status.WOULD_REPAIR}
PROBLEMS = {Status.MISSING, Status.WEAKER}


@dataclass(frozen=True, kw_only=True)
class BackendSpec:
    """What the backend must be: names, region, and the optional KMS key."""

    bucket: str
    table: str
    region: str
    kms_key_id: str | None = None
    """KMS key (id, ARN or alias) for the bucket's default encryption and the table. Defaults to
    none: the bucket uses AES-256 (SSE-S3), the table the AWS managed key ``aws/dynamodb``."""
    tags: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_project(
        cls, project: ProjectSettings, *, bucket: str | None = None, table: str | None = None,
        region: str | None = None, kms_key_id: str | None = None,
    ) -> BackendSpec:
        """The backend every stack's ``S3Backend`` names, with optional command-line overrides.

        An override given as ``''`` stays ``''`` (and :func:`validate_spec` refuses it): an empty
        ``--bucket`` is a mistake, never a request for the default."""
        return cls(
            bucket=bucket if bucket is not None else project.state_bucket,
            table=table if table is not None else project.lock_table,
            region=region if region is not None else project.region,
            kms_key_id=kms_key_id or None,
            tags={"Project": project.name, "Purpose": "terraform-state", "ManagedBy": "backend-bootstrap"},
        )


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region of every partition botocore knows (aws, aws-cn, aws-us-gov, ...)."""
    endpoints = botocore.session.get_session().get_data("endpoints")
    return frozenset(region for partition in endpoints["partitions"] for region in partition["regions"])


def endpoint_url_problem(url: str) -> str | None:
    """Why ``url`` is not a usable ``--endpoint-url`` (``http(s)://host[:port][/path]``), or ``None``."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError when not a number in 0-65535
    except ValueError as error:
        return f"not a URL ({error})"
    if parts.scheme not in ("http", "https"):
        return "no http:// or https:// scheme" if "://" not in url else f"scheme {parts.scheme!r} is not http or https"
    if not parts.hostname:
        return "no host name"
    if port == 0:
        return "port 0"
    if parts.query or parts.fragment or any(c.isspace() for c in url):
        return "a query, a fragment or spaces do not belong in an endpoint"
    return None


def validate_endpoint_url(url: str | None) -> None:
    """:class:`BackendError` if ``url`` is given and is not an ``http(s)://host[:port]`` URL."""
    if url is not None and (problem := endpoint_url_problem(url)):
        raise BackendError(f"invalid --endpoint-url {url!r}: {problem}",
                           "give the emulator's full URL, e.g. --endpoint-url http://127.0.0.1:5000")


def validate_spec(spec: BackendSpec) -> None:
    """Local checks, before any AWS call: bucket name, table name, region."""
    if problem := bucket_name_problem(spec.bucket):
        raise BackendError(
            f"invalid bucket name {spec.bucket!r}: {problem}",
            "pass a valid --bucket and set state_bucket in environments/codemate/project.py to the same name",
        )
    if not _TABLE_NAME.match(spec.table):
        raise BackendError(
            f"invalid table name {spec.table!r}: DynamoDB table names are 3 to 255 letters, digits, '_', '-' or '.'",
            "pass a valid --table and set lock_table in environments/codemate/project.py to the same name",
        )
    regions = known_regions()
    if spec.region not in regions:
        close = difflib.get_close_matches(spec.region, sorted(regions), n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise BackendError(
            f"unknown region {spec.region!r}",
            f"{hint}pass --region with an AWS region such as ap-northeast-2 "
            "(if AWS launched it recently, upgrade boto3)",
        )


@dataclass(frozen=True)
class Clients:
    s3: Any
    dynamodb: Any
    partition: str = "aws"
    endpoint_url: str | None = None
    """Set for a local emulator (moto, LocalStack): the TLS-only bucket policy is skipped."""


def make_clients(*, region: str, profile: str | None = None, endpoint_url: str | None = None) -> Clients:
    """boto3 clients for ``region`` (path-style S3 addressing against an emulator)."""
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
    except ProfileNotFound:
        raise BackendError(
            f"AWS profile {profile!r} not found", "check --profile against `aws configure list-profiles`",
        ) from None
    if session.get_credentials() is None:
        raise _no_credentials()
    retries = {"mode": "standard", "max_attempts": 5}
    s3_config = Config(retries=retries, s3={"addressing_style": "path"} if endpoint_url else {})
    return Clients(
        s3=session.client("s3", region_name=region, endpoint_url=endpoint_url, config=s3_config),
        dynamodb=session.client("dynamodb", region_name=region, endpoint_url=endpoint_url,
                                config=Config(retries=retries)),
        partition=session.get_partition_for_region(region),
        endpoint_url=endpoint_url,
    )


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class Line:
    status: Status
    resource: str
    setting: str
    detail: str

    def __str__(self) -> str:
        setting = f" {self.setting}" if self.setting else ""
        return f"{self.status.value:<13}{self.resource}{setting}: {self.detail}"


@dataclass
class Report:
    mode: Mode
    emit: Callable[[str], None] = print
    lines: list[Line] = field(default_factory=list)

    def add(self, status: Status, resource: str, setting: str, detail: str) -> None:
        line = Line(status, resource, setting, detail)
        self.lines.append(line)
        self.emit(str(line))

    def count(self, statuses: set[Status]) -> int:
        return sum(line.status in statuses for line in self.lines)

    @property
    def as_required(self) -> bool:
        """True when the backend is as required after this run (exit status 0)."""
        return not self.count(PROBLEMS | PENDING)

    @property
    def summary(self) -> str:
        if self.mode is Mode.APPLY:
            changes = self.count(CHANGES)
            return f"backend is as required; {changes} change(s) made" if changes else \
                "backend is as required; nothing changed"
        if self.mode is Mode.DRY_RUN:
            pending = self.count(PENDING)
            return f"dry run: {pending} change(s) would be made; nothing was changed" if pending else \
                "dry run: backend is as required; nothing would change"
        problems = self.count(PROBLEMS)
        return f"backend is NOT as required: {problems} setting(s) missing or weaker; fix: {BOOTSTRAP}" \
            if problems else "backend is as required"


@dataclass
class Finding:
    """One guarantee as found: ``current`` is ``None`` when the setting is absent."""

    setting: str
    required: str
    current: str | None
    ok: bool
    fix: Callable[[], None] | None
    """Applies the required setting (never deletes, never weakens). ``None``: cannot be repaired."""
    hint: str = f"run `{BOOTSTRAP}`"
    skipped: str | None = None


def _settle(report: Report, target: _Target, finding: Finding) -> None:
    mode, resource = report.mode, target.label
    if finding.skipped:
        report.add(Status.SKIPPED, resource, finding.setting, finding.skipped)
    elif finding.ok:
        report.add(Status.CREATED if target.created else Status.OK, resource, finding.setting, finding.current or "")
    elif mode is Mode.VERIFY or (mode is Mode.APPLY and finding.fix is None):
        status = Status.MISSING if finding.current is None else Status.WEAKER
        found = "none" if finding.current is None else finding.current
        report.add(status, resource, finding.setting, f"{found}; required {finding.required} — fix: {finding.hint}")
    elif mode is Mode.DRY_RUN:
        if finding.current is None:
            report.add(Status.WOULD_CREATE, resource, finding.setting, finding.required)
        else:
            report.add(Status.WOULD_REPAIR, resource, finding.setting,
                       f"is {finding.current}, would become {finding.required}")
    else:
        finding.fix()
        if target.created:
            report.add(Status.CREATED, resource, finding.setting, finding.required)
        else:
            found = "none" if finding.current is None else finding.current
            report.add(Status.REPAIRED, resource, finding.setting, f"was {found}, now {finding.required}")


# --------------------------------------------------------------------------- targets


@dataclass
class _Target:
    clients: Clients
    spec: BackendSpec
    exists: bool = False
    created: bool = False
    label: str = ""


@dataclass
class _Bucket(_Target):
    @property
    def name(self) -> str:
        return self.spec.bucket

    @property
    def arn(self) -> str:
        return f"arn:{self.clients.partition}:s3:::{self.name}"

    def read(self, method: str, absent: str | None = None) -> dict | None:
        """``s3.<method>(Bucket=...)``; ``None`` when the bucket or the setting (error ``absent``) is missing."""
        if not self.exists:
            return None
        try:
            return getattr(self.clients.s3, method)(Bucket=self.name)
        except ClientError as error:
            if absent and _code(error) == absent:
                return None
            raise


@dataclass
class _Table(_Target):
    description: dict | None = None

    @property
    def name(self) -> str:
        return self.spec.table

    def describe(self) -> dict | None:
        try:
            self.description = self.clients.dynamodb.describe_table(TableName=self.name)["Table"]
        except ClientError as error:
            if _code(error) != "ResourceNotFoundException":
                raise
            self.description = None
        self.exists = self.description is not None
        return self.description

    def wait_active(self) -> None:
        try:
            self.clients.dynamodb.get_waiter("table_exists").wait(
                TableName=self.name, WaiterConfig={"Delay": 5, "MaxAttempts": 120})
        except WaiterError as error:
            raise BackendError(f"table {self.name} did not become ACTIVE: {error}",
                               "check it in the DynamoDB console, then rerun") from None
        self.describe()

    def update(self, **changes: Any) -> None:
        self.clients.dynamodb.update_table(TableName=self.name, **changes)
        self.wait_active()  # one table update at a time


# --------------------------------------------------------------------------- bucket guarantees


def bucket_versioning(b: _Bucket) -> Finding:
    status = (b.read("get_bucket_versioning") or {}).get("Status")
    return Finding(
        "versioning", "Enabled", status, ok=status == "Enabled",
        fix=lambda: b.clients.s3.put_bucket_versioning(
            Bucket=b.name, VersioningConfiguration={"Status": "Enabled"}),
    )


def bucket_encryption(b: _Bucket) -> Finding:
    config = b.read("get_bucket_encryption", absent="ServerSideEncryptionConfigurationNotFoundError")
    rules = config["ServerSideEncryptionConfiguration"]["Rules"] if config else []
    default = rules[0].get("ApplyServerSideEncryptionByDefault", {}) if rules else {}
    algorithm, key = default.get("SSEAlgorithm"), default.get("KMSMasterKeyID")
    current = f"{algorithm} with key {key}" if algorithm and key else algorithm
    wanted = b.spec.kms_key_id
    if wanted:
        required = f"aws:kms with key {wanted}"
        ok = algorithm in KMS_ALGORITHMS and key is not None and (key == wanted or key.endswith(f"/{wanted}"))
        sse = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": wanted}
    else:
        required = "AES256"
        ok = algorithm == "AES256" or algorithm in KMS_ALGORITHMS  # a KMS key is kept, never downgraded
        sse = {"SSEAlgorithm": "AES256"}
    return Finding(
        "default encryption", required, current, ok=ok,
        fix=lambda: b.clients.s3.put_bucket_encryption(Bucket=b.name, ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": sse, "BucketKeyEnabled": bool(wanted)}]}),
    )


def bucket_public_access_block(b: _Bucket) -> Finding:
    config = b.read("get_public_access_block", absent="NoSuchPublicAccessBlockConfiguration")
    flags = config["PublicAccessBlockConfiguration"] if config else None
    off = [flag for flag in PUBLIC_ACCESS_FLAGS if not (flags or {}).get(flag)]
    current = None if flags is None else ("all four flags on" if not off else f"off: {', '.join(off)}")
    return Finding(
        "public access block", "all four flags on", current, ok=flags is not None and not off,
        fix=lambda: b.clients.s3.put_public_access_block(
            Bucket=b.name, PublicAccessBlockConfiguration={flag: True for flag in PUBLIC_ACCESS_FLAGS}),
    )


def bucket_ownership(b: _Bucket) -> Finding:
    config = b.read("get_bucket_ownership_controls", absent="OwnershipControlsNotFoundError")
    rules = config["OwnershipControls"]["Rules"] if config else []
    current = rules[0]["ObjectOwnership"] if rules else None
    return Finding(
        "object ownership", "BucketOwnerEnforced", current, ok=current == "BucketOwnerEnforced",
        fix=lambda: b.clients.s3.put_bucket_ownership_controls(
            Bucket=b.name, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}),
    )


def tls_only_statement(bucket_arn: str) -> dict:
    return {
        "Sid": TLS_STATEMENT_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def _denies_insecure_transport(statement: dict, bucket_arn: str) -> bool:
    def as_list(value: Any) -> list:
        return value if isinstance(value, list) else [value]

    principal = statement.get("Principal")
    secure = statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport")
    return (
        statement.get("Effect") == "Deny"
        and (principal == "*" or principal == {"AWS": "*"})
        and bool({"s3:*", "*"} & set(as_list(statement.get("Action", []))))
        and {bucket_arn, f"{bucket_arn}/*"} <= set(as_list(statement.get("Resource", [])))
        and [str(v).lower() for v in as_list(secure)] == ["false"]
    )


def bucket_tls_policy(b: _Bucket) -> Finding:
    required = "a statement denying every request without TLS"
    if b.clients.endpoint_url:
        return Finding("TLS-only policy", required, None, ok=False, fix=None, skipped=(
            f"not applied against the local emulator at {b.clients.endpoint_url}: moto does not evaluate "
            "policy conditions, so the deny would refuse Terraform's requests"))
    config = b.read("get_bucket_policy", absent="NoSuchBucketPolicy")
    policy = json.loads(config["Policy"]) if config else None
    statements = (policy or {}).get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    ok = any(_denies_insecure_transport(s, b.arn) for s in statements)
    current = None if policy is None else (
        "denies requests without TLS" if ok else f"{len(statements)} statement(s), none denies requests without TLS")

    def fix() -> None:  # keep every other statement; replace only our own
        merged = dict(policy or {"Version": "2012-10-17"})
        merged["Statement"] = [s for s in statements if s.get("Sid") != TLS_STATEMENT_SID]
        merged["Statement"].append(tls_only_statement(b.arn))
        b.clients.s3.put_bucket_policy(Bucket=b.name, Policy=json.dumps(merged))

    return Finding("TLS-only policy", required, current, ok=ok, fix=fix)


def _whole_bucket(rule: dict) -> bool:
    return rule.get("Filter", {}) in ({}, {"Prefix": ""}) and rule.get("Prefix", "") == ""


def lifecycle_rule(noncurrent_days: int = NONCURRENT_VERSION_DAYS) -> dict:
    return {
        "ID": LIFECYCLE_RULE_ID,
        "Status": "Enabled",
        "Filter": {},
        "NoncurrentVersionExpiration": {"NoncurrentDays": noncurrent_days},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": ABORT_MULTIPART_DAYS},
    }


def bucket_lifecycle(b: _Bucket) -> Finding:
    config = b.read("get_bucket_lifecycle_configuration", absent="NoSuchLifecycleConfiguration")
    rules = config["Rules"] if config else []
    ours = next((r for r in rules if r.get("ID") == LIFECYCLE_RULE_ID), None)
    days = ((ours or {}).get("NoncurrentVersionExpiration") or {}).get("NoncurrentDays") or 0
    ok = bool(
        ours and ours.get("Status") == "Enabled" and _whole_bucket(ours)
        and days >= NONCURRENT_VERSION_DAYS  # keeping old versions longer is not weaker
        and ours.get("AbortIncompleteMultipartUpload")
    )
    required = (f"rule {LIFECYCLE_RULE_ID}: noncurrent versions expire after {NONCURRENT_VERSION_DAYS} days, "
                f"incomplete multipart uploads aborted after {ABORT_MULTIPART_DAYS} days")
    if config is None:
        current = None
    elif ours is None:
        current = f"{len(rules)} other rule(s), no {LIFECYCLE_RULE_ID}"
    else:
        current = (f"rule {LIFECYCLE_RULE_ID} {ours.get('Status')}, noncurrent versions expire after {days} days"
                   + ("" if ours.get("AbortIncompleteMultipartUpload") else ", multipart uploads never aborted"))

    def fix() -> None:  # keep every other rule; replace only our own
        others = [r for r in rules if r.get("ID") != LIFECYCLE_RULE_ID]
        b.clients.s3.put_bucket_lifecycle_configuration(Bucket=b.name, LifecycleConfiguration={
            "Rules": [*others, lifecycle_rule(max(days, NONCURRENT_VERSION_DAYS))]})

    return Finding("lifecycle", required, current, ok=ok, fix=fix)


def _tags_finding(current_tags: dict[str, str] | None, wanted: Mapping[str, str], apply: Callable) -> Finding:
    differ = sorted(k for k, v in wanted.items() if (current_tags or {}).get(k) != v)
    current = None if current_tags is None else (
        ", ".join(f"{k}={current_tags[k]}" for k in wanted) if not differ else f"missing or different: {', '.join(differ)}")
    return Finding(
        "tags", ", ".join(f"{k}={v}" for k, v in wanted.items()), current, ok=current_tags is not None and not differ,
        fix=lambda: apply({**(current_tags or {}), **wanted}),  # other tags are kept
    )


def bucket_tags(b: _Bucket) -> Finding:
    config = b.read("get_bucket_tagging", absent="NoSuchTagSet")
    current = {t["Key"]: t["Value"] for t in config["TagSet"]} if config else None
    return _tags_finding(current, b.spec.tags, lambda tags: b.clients.s3.put_bucket_tagging(
        Bucket=b.name, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]}))


BUCKET_GUARANTEES: tuple[Callable[[_Bucket], Finding], ...] = (
    bucket_versioning, bucket_encryption, bucket_public_access_block, bucket_ownership,
    bucket_tls_policy, bucket_lifecycle, bucket_tags,
)


# --------------------------------------------------------------------------- table guarantees


def table_key_schema(t: _Table) -> Finding:
    d = t.description
    required = f"partition key {LOCK_KEY} (S) only"
    if d is None:
        return Finding("key schema", required, None, ok=False, fix=None)
    types = {a["AttributeName"]: a["AttributeType"] for a in d.get("AttributeDefinitions", [])}
    keys = [(k["AttributeName"], k["KeyType"]) for k in d.get("KeySchema", [])]
    current = ", ".join(f"{'partition' if kind == 'HASH' else 'sort'} key {name} ({types.get(name)})"
                        for name, kind in keys)
    return Finding(
        "key schema", required, current, ok=keys == [(LOCK_KEY, "HASH")] and types.get(LOCK_KEY) == "S",
        fix=None, hint="a table's key cannot change: pass another --table and set lock_table in "
                       "environments/codemate/project.py to it",
    )


def table_billing(t: _Table) -> Finding:
    d = t.description
    mode = None if d is None else (d.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
    return Finding("billing mode", "PAY_PER_REQUEST (on demand)", mode, ok=mode == "PAY_PER_REQUEST",
                   fix=lambda: t.update(BillingMode="PAY_PER_REQUEST"))


def _table_sse(kms_key_id: str | None) -> dict:
    return {"Enabled": True, "SSEType": "KMS", **({"KMSMasterKeyId": kms_key_id} if kms_key_id else {})}


def table_encryption(t: _Table) -> Finding:
    d = t.description
    sse = None if d is None else d.get("SSEDescription")
    if d is None:
        current = None
    elif not sse:
        current = "AWS owned key (no KMS encryption)"
    else:
        current = f"{sse.get('SSEType', 'KMS')} {sse.get('Status')}" + (
            f" with key {sse['KMSMasterKeyArn']}" if sse.get("KMSMasterKeyArn") else "")
    key = t.spec.kms_key_id
    return Finding(
        "encryption", f"KMS with key {key}" if key else "KMS (AWS managed key aws/dynamodb)", current,
        ok=bool(sse) and sse.get("Status") in ("ENABLED", "ENABLING", "UPDATING"),
        fix=lambda: t.update(SSESpecification=_table_sse(key)),
    )


def table_deletion_protection(t: _Table) -> Finding:
    d = t.description
    current = None if d is None else ("on" if d.get("DeletionProtectionEnabled") else "off")
    return Finding("deletion protection", "on", current, ok=current == "on",
                   fix=lambda: t.update(DeletionProtectionEnabled=True))


def table_point_in_time_recovery(t: _Table) -> Finding:
    status = None
    if t.exists:
        backups = t.clients.dynamodb.describe_continuous_backups(TableName=t.name)["ContinuousBackupsDescription"]
        status = backups.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus", "DISABLED")
    return Finding(
        "point-in-time recovery", "ENABLED", status, ok=status in ("ENABLED", "ENABLING"),
        fix=lambda: t.clients.dynamodb.update_continuous_backups(
            TableName=t.name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}),
    )


def table_tags(t: _Table) -> Finding:
    current = None
    if t.description is not None:
        arn = t.description["TableArn"]
        found = t.clients.dynamodb.list_tags_of_resource(ResourceArn=arn).get("Tags", [])
        current = {tag["Key"]: tag["Value"] for tag in found}
    return _tags_finding(current, t.spec.tags, lambda tags: t.clients.dynamodb.tag_resource(
        ResourceArn=t.description["TableArn"], Tags=[{"Key": k, "Value": v} for k, v in tags.items()]))


TABLE_GUARANTEES: tuple[Callable[[_Table], Finding], ...] = (
    table_key_schema, table_billing, table_encryption, table_deletion_protection,
    table_point_in_time_recovery, table_tags,
)


# --------------------------------------------------------------------------- existence


def _find_bucket(b: _Bucket) -> bool:
    """Whether the bucket exists and is ours. Raises when it belongs to another account or region."""
    s3 = b.clients.s3
    owned = {x["Name"] for x in s3.list_buckets(Prefix=b.name).get("Buckets", [])}
    try:
        head = s3.head_bucket(Bucket=b.name)
    except ClientError as error:
        if _code(error) in ("404", "NoSuchBucket", "NotFound"):
            return False
        if b.name in owned:
            raise
        raise _foreign_bucket(b.name) from None
    if b.name not in owned:
        raise _foreign_bucket(b.name)
    region = head.get("BucketRegion") or head["ResponseMetadata"]["HTTPHeaders"].get("x-amz-bucket-region")
    if region and region != b.spec.region:
        raise BackendError(
            f"bucket {b.name} is in {region}, not {b.spec.region}",
            f"pass --region {region} and set region in environments/codemate/project.py to it, or use another bucket",
        )
    return True


def _foreign_bucket(name: str) -> BackendError:
    return BackendError(
        f"bucket {name} already exists and belongs to another AWS account (bucket names are global)",
        "choose another name: pass --bucket and set state_bucket in environments/codemate/project.py to it",
    )


def _create_bucket(b: _Bucket, report: Report) -> None:
    s3 = b.clients.s3
    kwargs: dict[str, Any] = {"Bucket": b.name, "ObjectOwnership": "BucketOwnerEnforced"}
    if b.spec.region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": b.spec.region}
    try:
        s3.create_bucket(**kwargs)
        b.created = True
        report.add(Status.CREATED, b.label, "", f"in {b.spec.region}")
    except ClientError as error:
        if _code(error) == "BucketAlreadyExists":
            raise _foreign_bucket(b.name) from None
        if _code(error) != "BucketAlreadyOwnedByYou":
            raise
        report.add(Status.OK, b.label, "", f"exists in {b.spec.region} (created meanwhile by another run)")
    s3.get_waiter("bucket_exists").wait(Bucket=b.name, WaiterConfig={"Delay": 2, "MaxAttempts": 30})
    b.exists = True


def _create_table(t: _Table, report: Report) -> None:
    try:
        t.clients.dynamodb.create_table(
            TableName=t.name,
            KeySchema=[{"AttributeName": LOCK_KEY, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": LOCK_KEY, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            SSESpecification=_table_sse(t.spec.kms_key_id),  # set at creation (emulators ignore it later)
            DeletionProtectionEnabled=True,
            Tags=[{"Key": k, "Value": v} for k, v in t.spec.tags.items()],
        )
        t.created = True
        detail = f"in {t.spec.region}"
    except ClientError as error:
        if _code(error) != "ResourceInUseException":
            raise
        detail = f"exists in {t.spec.region} (being created by another run; waited until ACTIVE)"
    t.wait_active()
    report.add(Status.CREATED if t.created else Status.OK, t.label, "", detail)


def _existence(report: Report, target: _Target) -> None:
    """The line for a resource that already exists (or, in dry run / verify, is missing)."""
    if target.exists:
        report.add(Status.OK, target.label, "", f"exists in {target.spec.region}")
    elif report.mode is Mode.DRY_RUN:
        report.add(Status.WOULD_CREATE, target.label, "", f"in {target.spec.region}")
    else:
        report.add(Status.MISSING, target.label, "", f"does not exist — fix: run `{BOOTSTRAP}`")


# --------------------------------------------------------------------------- run


def run(spec: BackendSpec, clients: Clients, mode: Mode, emit: Callable[[str], None] = print) -> Report:
    """Settle every guarantee in ``mode``; raise :class:`BackendError` for expected failures.

    Lines are emitted as they happen, so what changed before an error is on screen.
    """
    validate_spec(spec)
    report = Report(mode, emit)
    try:
        _run(spec, clients, report)
    except BackendError:
        raise
    except ClientError as error:
        raise explain(error, spec, clients) from None
    except (NoCredentialsError, PartialCredentialsError):
        raise _no_credentials() from None
    except EndpointConnectionError as error:
        raise BackendError(f"cannot reach {clients.endpoint_url or error.kwargs.get('endpoint_url')}",
                           "check --endpoint-url / --region and the network") from None
    except BotoCoreError as error:  # timeouts, throttling beyond retries, malformed responses
        raise BackendError(f"AWS client error: {error}",
                           "check the network, --region and --endpoint-url, then rerun (it is idempotent)") from None
    return report


def _run(spec: BackendSpec, clients: Clients, report: Report) -> None:
    bucket = _Bucket(clients, spec, label=f"bucket {spec.bucket}")
    table = _Table(clients, spec, label=f"table {spec.table}")

    # Everything that can stop the run is read before the first write.
    bucket.exists = _find_bucket(bucket)
    table.describe()
    if table.exists and report.mode is not Mode.VERIFY:
        if table.description.get("TableStatus") == "DELETING":
            raise BackendError(f"table {spec.table} is being deleted", "wait until it is gone, then rerun")
        schema = table_key_schema(table)
        if not schema.ok:
            raise BackendError(f"table {spec.table} has {schema.current}; Terraform needs {schema.required}",
                               schema.hint)

    if report.mode is Mode.APPLY and not bucket.exists:
        _create_bucket(bucket, report)
    else:
        _existence(report, bucket)
    for guarantee in BUCKET_GUARANTEES:
        _settle(report, bucket, guarantee(bucket))

    if report.mode is Mode.APPLY and not table.exists:
        _create_table(table, report)
    else:
        if report.mode is Mode.APPLY and table.description.get("TableStatus") != "ACTIVE":
            table.wait_active()
        _existence(report, table)
    for guarantee in TABLE_GUARANTEES:
        _settle(report, table, guarantee(table))


# --------------------------------------------------------------------------- errors


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _no_credentials() -> BackendError:
    return BackendError(
        "no AWS credentials found",
        "pass --profile, set AWS_PROFILE, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
        "(aws sso login for SSO profiles)",
    )


def explain(error: ClientError, spec: BackendSpec, clients: Clients) -> BackendError:
    """Turn an AWS error into a message naming what is wrong and how to fix it."""
    code, operation = _code(error), error.operation_name
    message = error.response.get("Error", {}).get("Message", "")
    if code in _ACCESS_DENIED:
        action = IAM_ACTIONS.get(operation, f"the permission for {operation}")
        if action.startswith("dynamodb:"):
            resource = f"arn:{clients.partition}:dynamodb:{spec.region}:<account>:table/{spec.table}"
        elif action == "s3:ListAllMyBuckets":
            resource = "*"
        else:
            resource = f"arn:{clients.partition}:s3:::{spec.bucket}"
        return BackendError(
            f"access denied: {operation} needs the IAM permission {action} on {resource}",
            f"grant {action} (backend/iam/bootstrap-policy.json lists every permission the bootstrap needs)",
        )
    if code in _BAD_CREDENTIALS:
        return BackendError(f"AWS rejected the credentials ({code}: {message})",
                            "refresh them (aws sso login, or check AWS_PROFILE / the access keys)")
    return BackendError(f"{operation} failed: {code}: {message}",
                        "fix the cause AWS names, then rerun (the bootstrap is idempotent)")
