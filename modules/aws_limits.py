"""What AWS accepts, as small dated tables with their source, and one small rule per field.

Pure data and functions (no framework import): settings validation calls the
rules, and a construct may too. Each rule returns ``None`` when the value is
acceptable, else ``(problem, fix)`` for a :class:`modules.errors.ConfigError`.

The tables are facts as of the date beside them. When AWS adds something (a
region, a TLS policy, a minor version), a rule may refuse a value AWS already
accepts: update the table (its test names the source), or use the documented
override where one exists (``DatabaseOptions.allow_unlisted_engine_version``).
"""

from __future__ import annotations

import functools
import re
import unicodedata

Problem = tuple[str, str] | None

# -- regions and availability zones -------------------------------------------------------
# As of 2026-11. Region names: botocore 1.44.5's endpoints.json (partitions aws, aws-cn,
# aws-us-gov; tests/modules/test_aws_limits.py checks the table against it). Zone letters:
# "AWS Regions and Availability Zones" (https://docs.aws.amazon.com/global-infrastructure/latest/regions/)
# and `aws ec2 describe-availability-zones`. Letters map to physical zones per account, and in
# us-west-1 and ap-northeast-1 an account sees only some of them: every letter any account can
# see is listed.
REGION_ZONE_LETTERS: dict[str, str] = {
    "us-east-1": "abcdef", "us-east-2": "abc", "us-west-1": "abc", "us-west-2": "abcd",
    "af-south-1": "abc", "ap-east-1": "abc", "ap-east-2": "abc",
    "ap-northeast-1": "abcd", "ap-northeast-2": "abcd", "ap-northeast-3": "abc",
    "ap-south-1": "abc", "ap-south-2": "abc",
    "ap-southeast-1": "abc", "ap-southeast-2": "abc", "ap-southeast-3": "abc", "ap-southeast-4": "abc",
    "ap-southeast-5": "abc", "ap-southeast-6": "abc", "ap-southeast-7": "abc",
    "ca-central-1": "abd", "ca-west-1": "abc",
    "eu-central-1": "abc", "eu-central-2": "abc", "eu-north-1": "abc", "eu-south-1": "abc",
    "eu-south-2": "abc", "eu-west-1": "abc", "eu-west-2": "abc", "eu-west-3": "abc",
    "il-central-1": "abc", "me-central-1": "abc", "me-south-1": "abc", "mx-central-1": "abc",
    "sa-east-1": "abc",
    "cn-north-1": "abd", "cn-northwest-1": "abc",
    "us-gov-east-1": "abc", "us-gov-west-1": "abc",
}


def region_problem(region: str) -> Problem:
    if region in REGION_ZONE_LETTERS:
        return None
    import difflib

    close = difflib.get_close_matches(region, sorted(REGION_ZONE_LETTERS), n=1)
    return ("not an AWS region", (f"did you mean '{close[0]}'? " if close else "")
            + "use a region such as 'ap-northeast-2' (a region launched after 2026-11: add it to "
            "REGION_ZONE_LETTERS in modules/aws_limits.py)")


def availability_zone_problem(region: str, zone: str) -> Problem:
    letters = REGION_ZONE_LETTERS.get(region)
    if letters is None or not zone.startswith(region) or len(zone) != len(region) + 1:
        return None  # the region rule, or the shape rule, reports it
    if zone[-1] not in letters:
        return (f"{region} has no zone '{zone[-1]}' (its zones: {', '.join(region + c for c in letters)})",
                f"use one of {', '.join(region + c for c in letters)}")
    return None


# -- VPC addresses ------------------------------------------------------------------------------
# "VPC CIDR blocks" (Amazon VPC user guide, as of 2026-11): a VPC may use any IPv4 range (RFC 1918
# recommended) except these, which AWS refuses.
VPC_FORBIDDEN_RANGES: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "'this network'"), ("127.0.0.0/8", "loopback"), ("169.254.0.0/16", "link-local"),
    ("224.0.0.0/4", "multicast"), ("240.0.0.0/4", "reserved"),
)


def vpc_cidr_problem(cidr: str) -> Problem:
    """``(problem, fix)`` if the (well-formed) IPv4 ``cidr`` overlaps a range AWS refuses for a VPC."""
    import ipaddress

    net = ipaddress.ip_network(cidr, strict=False)
    for forbidden, label in VPC_FORBIDDEN_RANGES:
        if net.overlaps(ipaddress.ip_network(forbidden)):
            return (f"overlaps {forbidden} ({label}), which AWS refuses for a VPC",
                    "use a private range (RFC 1918), e.g. '10.0.0.0/16'")
    return None


# -- load balancer ---------------------------------------------------------------------------
# As of 2026-11: "Security policies for your Application Load Balancer"
# (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html).
ALB_SSL_POLICIES: frozenset[str] = frozenset({
    # TLS 1.3 (2021-06)
    "ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06", "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-1-2021-06", "ELBSecurityPolicy-TLS13-1-0-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    # TLS 1.3 with post-quantum key exchange (2025-09)
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09", "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09", "ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    # FIPS (2023-04) and FIPS with post-quantum key exchange (2025-09)
    "ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04", "ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04", "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04", "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04", "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09", "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09", "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09", "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
    # forward secrecy
    "ELBSecurityPolicy-FS-2018-06", "ELBSecurityPolicy-FS-1-1-2019-08", "ELBSecurityPolicy-FS-1-2-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08", "ELBSecurityPolicy-FS-1-2-Res-2020-10",
    # TLS 1.0-1.2
    "ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-2015-05", "ELBSecurityPolicy-TLS-1-0-2015-04",
    "ELBSecurityPolicy-TLS-1-1-2017-01", "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
})

HEALTH_CHECK_PATH_MAX = 1024
"""ELB API ``HealthCheckPath``: 1-1024 characters (CreateTargetGroup)."""


def ssl_policy_problem(policy: str) -> Problem:
    if policy in ALB_SSL_POLICIES:
        return None
    import difflib

    close = difflib.get_close_matches(policy, sorted(ALB_SSL_POLICIES), n=1)
    return ("not a security policy the Application Load Balancer offers",
            (f"did you mean '{close[0]}'? " if close else "")
            + "use e.g. 'ELBSecurityPolicy-TLS13-1-2-2021-06' (a policy published after 2026-11: add it to "
            "ALB_SSL_POLICIES in modules/aws_limits.py)")


def health_check_path_problem(path: str) -> Problem:
    if not path.startswith("/"):
        return "not an absolute path", "start it with '/', e.g. '/health'"
    if len(path) > HEALTH_CHECK_PATH_MAX:
        return (f"{len(path)} characters; the load balancer accepts at most {HEALTH_CHECK_PATH_MAX}",
                "shorten it, e.g. '/health'")
    if any(c.isspace() or unicodedata.category(c).startswith("C") for c in path):
        return "spaces and control characters are not allowed in a URL path", "percent-encode them, e.g. '%20'"
    return None


# -- tags --------------------------------------------------------------------------------------
# "Tagging your AWS resources" > tag naming limits and requirements
# (https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html), as of 2026-11: key 1-128
# and value 0-256 Unicode characters; the prefix aws: is reserved; the characters every service
# accepts are letters, numbers, spaces and _ . : / = + - @ (default tags reach every service).
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256
_TAG_PUNCTUATION = frozenset("_.:/=+-@")


def _tag_characters_ok(text: str) -> bool:
    return all(c.isalnum() or c == " " or c in _TAG_PUNCTUATION for c in text)


def tag_problem(key: str, value: str) -> Problem:
    """``(problem, fix)`` for a tag the provider's ``default_tags`` would put on every resource."""
    if not 1 <= len(key) <= TAG_KEY_MAX:
        return f"a tag key of {len(key)} characters; AWS allows 1 to {TAG_KEY_MAX}", "shorten or name the key"
    if key.lower().startswith("aws:"):
        return "tag keys starting with 'aws:' are reserved for AWS", "use another prefix, e.g. 'org:'"
    if len(value) > TAG_VALUE_MAX:
        return f"a tag value of {len(value)} characters; AWS allows at most {TAG_VALUE_MAX}", "shorten the value"
    if not _tag_characters_ok(key) or not _tag_characters_ok(value):
        return ("tags on every service may hold letters, digits, spaces and _ . : / = + - @ only",
                "replace the other characters")
    return None


# -- CloudWatch Logs ------------------------------------------------------------------------------
# PutRetentionPolicy (as of 2026-11): these periods in days; 0 in the Terraform provider's
# retention_in_days means "never expire" (no retention policy).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                      2557, 2922, 3288, 3653)
LOG_RETENTION_NEVER_EXPIRE = 0


def log_retention_problem(days: int) -> Problem:
    if days == LOG_RETENTION_NEVER_EXPIRE or days in LOG_RETENTION_DAYS:
        return None
    return ("CloudWatch Logs does not offer this retention",
            f"use 0 (never expire) or one of {', '.join(map(str, LOG_RETENTION_DAYS[:12]))}, ...")


# -- RDS storage and backups ----------------------------------------------------------------------
# "Managing capacity automatically with Amazon RDS storage autoscaling" (as of 2026-11): the maximum
# storage threshold must be at least 10 % above the allocated storage; gp3 instances hold up to
# 64 TiB (65536 GiB). Aurora keeps automated backups 1 to 35 days (it cannot turn them off);
# RDS instances 0 (off) to 35.
RDS_MAX_STORAGE_GB = 65536
STORAGE_CEILING_MARGIN_PERCENT = 10
AURORA_BACKUP_RETENTION_DAYS = (1, 35)
INSTANCE_BACKUP_RETENTION_DAYS = (0, 35)


def storage_ceiling_problem(allocated_gb: int, maximum_gb: int) -> Problem:
    """``maximum_gb`` is the autoscaling ceiling; 0 means no autoscaling."""
    if maximum_gb == 0:
        return None
    minimum = -(-allocated_gb * (100 + STORAGE_CEILING_MARGIN_PERCENT) // 100)  # ceil(allocated * 1.1)
    if maximum_gb < minimum:
        return (f"RDS needs the autoscaling ceiling at least {STORAGE_CEILING_MARGIN_PERCENT} % above "
                f"allocated_storage_gb ({allocated_gb})", f"raise it to {minimum} or more, or set 0 to turn "
                "storage autoscaling off")
    if maximum_gb > RDS_MAX_STORAGE_GB:
        return f"RDS storage ends at {RDS_MAX_STORAGE_GB} GB", f"use at most {RDS_MAX_STORAGE_GB}"
    return None


def backup_retention_problem(days: int, *, aurora: bool) -> Problem:
    low, high = AURORA_BACKUP_RETENTION_DAYS if aurora else INSTANCE_BACKUP_RETENTION_DAYS
    if low <= days <= high:
        return None
    if aurora and days == 0:
        return "Aurora always keeps automated backups: 1 to 35 days", "use 1 or more, e.g. 7"
    return f"RDS keeps backups {low} to {high} days", f"choose {low} to {high}"


# -- engine versions ----------------------------------------------------------------------------
# The newest minor of each major the table's sources confirm. PostgreSQL: the RDS notice of
# 2026-05 naming 14.20, 15.15, 16.11 and 17.7 as upgrade targets, and the community's final 13.23
# (RDS for PostgreSQL release notes, https://docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/).
# MySQL: RDS for MySQL release notes as of 2025-10 (8.0.43, 8.4.6). Aurora MySQL: "Aurora MySQL
# version 3" release notes as of 2025-10 (3.04 LTS to 3.10), with the newest patch of each.
# A newer minor than listed is refused unless allow_unlisted_engine_version is set: check it with
# `aws rds describe-db-engine-versions --engine <engine> --engine-version <version>`.
POSTGRES_NEWEST_MINOR: dict[str, int] = {"13": 23, "14": 20, "15": 15, "16": 11, "17": 7}
POSTGRES_FIRST_MINOR: dict[str, int] = {"13": 1, "14": 1, "15": 2, "16": 1, "17": 1}
MYSQL_NEWEST_MINOR: dict[str, int] = {"8.0": 43, "8.4": 6}
AURORA_MYSQL_3_NEWEST_PATCH: dict[str, int] = {"04": 4, "05": 2, "06": 1, "07": 1, "08": 2, "09": 0, "10": 0}
VERSION_TABLE_DATE = "2026-05 (PostgreSQL), 2025-10 (MySQL, Aurora MySQL)"

_POSTGRES = re.compile(r"^(\d{2})\.(\d+)$")
_MYSQL = re.compile(r"^(8\.[04])\.(\d+)$")
_AURORA = re.compile(r"^8\.0\.mysql_aurora\.3\.(\d{2})\.(\d+)$")


def engine_version_problem(engine: str, version: str) -> Problem:
    """``(problem, fix)`` if ``version`` (of a supported major, already checked) is not one RDS lists.

    A major alone (``"16"``, ``"8.4"``) is always fine: RDS picks its newest minor. ``engine`` is the
    RDS engine name: ``postgres``, ``mysql`` or ``aurora-mysql``.
    """
    unlisted = (f"not listed for RDS as of {VERSION_TABLE_DATE}",
                "use a listed version or the major alone; if RDS offers it (aws rds describe-db-engine-versions "
                "--engine ENGINE --engine-version VERSION), add it to modules/aws_limits.py or set "
                "allow_unlisted_engine_version=True")
    if engine == "postgres" and (match := _POSTGRES.match(version)):
        major, minor = match[1], int(match[2])
        first, newest = POSTGRES_FIRST_MINOR.get(major, 1), POSTGRES_NEWEST_MINOR.get(major)
        if newest is not None and not first <= minor <= newest:
            return (f"PostgreSQL {major} minors on RDS run {major}.{first} to {major}.{newest}; {version} is "
                    + unlisted[0], unlisted[1].replace("ENGINE", engine).replace("VERSION", version))
    elif engine == "mysql" and (match := _MYSQL.match(version)):
        major, minor = match[1], int(match[2])
        newest = MYSQL_NEWEST_MINOR.get(major)
        if newest is not None and minor > newest:
            return (f"MySQL {major} minors on RDS run up to {major}.{newest}; {version} is " + unlisted[0],
                    unlisted[1].replace("ENGINE", engine).replace("VERSION", version))
    elif engine == "aurora-mysql" and (match := _AURORA.match(version)):
        release, patch = match[1], int(match[2])
        newest = AURORA_MYSQL_3_NEWEST_PATCH.get(release)
        if newest is None or patch > newest:
            known = ", ".join(f"3.{r}.0-{p}" for r, p in AURORA_MYSQL_3_NEWEST_PATCH.items())
            return (f"Aurora MySQL 3.{release}.{patch} is {unlisted[0]} (known: {known})",
                    unlisted[1].replace("ENGINE", engine).replace("VERSION", version))
    return None


# -- ECS ---------------------------------------------------------------------------------------
# "Amazon ECS service quotas" (as of 2026-11): a task definition is at most 64 KiB. The container
# definition this project writes around the user's values (image, ports, logs, secrets) stays
# under 4 KiB, so the user's environment and health check get the rest.
TASK_DEFINITION_MAX_BYTES = 65536
TASK_DEFINITION_OWN_BYTES = 4096


def task_definition_size_problem(environment: dict[str, str], health_check: str | None) -> Problem:
    import json

    size = len(json.dumps([{"name": k, "value": v} for k, v in environment.items()]).encode())
    size += len((health_check or "").encode())
    budget = TASK_DEFINITION_MAX_BYTES - TASK_DEFINITION_OWN_BYTES
    if size > budget:
        return (f"environment and health check take {size} bytes; an ECS task definition holds 64 KiB "
                f"(about {budget} bytes for them)", "move large values to S3 or Secrets Manager and keep "
                "the environment small")
    return None


# -- duplicates ------------------------------------------------------------------------------------


def duplicate_problem(name: str, owner: str, kind: str) -> Problem:
    """Two resources of one kind with one physical name: the second fails at apply."""
    return (f"the {kind} '{name}' is already the one of {owner}",
            f"give each its own {kind} (AWS names are unique per account and region)")


# -- time zones ------------------------------------------------------------------------------------
# EventBridge Scheduler (ScheduleExpressionTimezone) and EC2 Auto Scaling scheduled actions (TimeZone)
# take an IANA time zone name. The names are this machine's time zone database
# (zoneinfo.available_timezones(): the system's /usr/share/zoneinfo or the tzdata package), so a
# zone that exists is never refused for being newer than a table here.
_NOT_IANA_ZONES = frozenset({"localtime", "Factory", "posixrules"})


@functools.cache
def _iana_zones() -> frozenset[str]:
    """The machine's zone names, read once per process: ``available_timezones()`` walks the whole
    database (~600 files, ~14 ms) on every call, and a synth checks every schedule of every stack."""
    from zoneinfo import available_timezones

    return frozenset(available_timezones() - _NOT_IANA_ZONES)


def time_zone_problem(name: str) -> Problem:
    """``(problem, fix)`` when ``name`` is not an IANA time zone; ``None`` if it is (or if this machine
    has no time zone database to check against)."""
    import difflib

    zones = _iana_zones()
    if not zones or name in zones:
        return None
    close = difflib.get_close_matches(name, sorted(zones), n=1)
    return ("not an IANA time zone name" + (f" (did you mean '{close[0]}'?)" if close else ""),
            "use a name such as 'Asia/Seoul' or 'UTC'")


# -- e-mail addresses ---------------------------------------------------------------------------------
# An SNS e-mail subscription endpoint (Subscribe, Protocol=email): one address, RFC 5321 limits (local
# part <= 64, domain <= 253 with labels <= 63, whole address <= 254), a dot-atom local part (no leading,
# trailing or doubled dot), a domain of letters, digits and inner hyphens with a letter-only top level.
EMAIL_MAX = 254
_EMAIL_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_EMAIL_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def email_problem(address: str) -> Problem:
    fix = "write one address such as 'ops@example.com', or leave it out"
    if len(address) > EMAIL_MAX:
        return f"not an email address: {len(address)} characters, at most {EMAIL_MAX}", fix
    if any(c.isspace() for c in address) or "," in address or ";" in address or address.count("@") > 1:
        return ("not an email address: one subscription holds one address (no spaces, commas or second '@')",
                "subscribe one address (e.g. a team list such as 'ops@example.com'), or leave it out")
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return "not an email address (a local part, '@' and a domain)", fix
    if len(local) > 64 or not _EMAIL_LOCAL.match(local):
        return ("not an email address (before '@': at most 64 letters, digits or !#$%&'*+/=?^_`{|}~-, "
                "dots only between them)", fix)
    labels = domain.split(".")
    if (len(domain) > 253 or len(labels) < 2 or not all(_EMAIL_LABEL.match(label) for label in labels)
            or not labels[-1].isalpha()):
        return "not an email address", fix  # the domain is not a host name such as example.com
    return None


# -- SQS queue names ----------------------------------------------------------------------------------
# CreateQueue (as of 2026-11): 1-80 characters of letters, digits, '-' and '_'; a FIFO queue's name
# must end in '.fifo' (counted in the 80), a standard queue's may not. The queues this project builds
# are standard queues.
QUEUE_NAME_MAX = 80
_QUEUE_CHARACTERS = re.compile(r"^[A-Za-z0-9_-]+$")


def queue_name_problem(name: str, *, fifo: bool = False) -> Problem:
    """``(problem, fix)`` for the physical name of an SQS queue."""
    base = name.removesuffix(".fifo")
    if name.endswith(".fifo") and not fifo:
        return ("'.fifo' marks a FIFO queue; this queue is a standard queue, and SQS refuses a standard queue "
                "named '*.fifo'", f"drop the suffix: '{base}'")
    if fifo and not name.endswith(".fifo"):
        return "a FIFO queue's name must end in '.fifo'", f"name it '{name}.fifo'"
    if not _QUEUE_CHARACTERS.match(base):
        return ("SQS queue names hold letters, digits, '-' and '_' only",
                "replace the other characters, e.g. with '-'")
    if len(name) > QUEUE_NAME_MAX:
        return (f"the queue name is {len(name)} characters; SQS allows {QUEUE_NAME_MAX}",
                "shorten the queue's name (or the project or environment name)")
    return None


# -- EC2 instance types --------------------------------------------------------------------------------
# Generated, dated data: modules/ec2_instance_types.py (moto's recorded DescribeInstanceTypes and
# DescribeInstanceTypeOfferings; regenerate with `python -m tooling.instance_types`).


def instance_type_problem(instance_type: str, region: str) -> Problem:
    """``(problem, fix)`` if EC2 has no ``instance_type`` at all, or does not offer it in ``region``
    (for the regions the table covers)."""
    import difflib

    from modules.ec2_instance_types import INSTANCE_TYPES, OFFERED, SOURCE

    family, _, size = instance_type.partition(".")
    if size not in INSTANCE_TYPES.get(family, "").split():
        known = [f"{f}.{s}" for f, sizes in INSTANCE_TYPES.items() for s in sizes.split()]
        close = difflib.get_close_matches(instance_type, known, n=1)
        return (f"not an EC2 instance type ({SOURCE})",
                (f"did you mean '{close[0]}'? " if close else "") + "use an existing type such as 't3.medium'")
    offered = OFFERED.get(region)
    if offered is not None and size not in offered.get(family, "").split():
        sizes = offered.get(family)
        examples = ", ".join([f for f in ("t3", "m6i", "m7g", "t4g", "m5") if f in offered][:3])
        return (f"EC2 does not offer {instance_type} in {region} ({SOURCE})",
                f"use one of {family}.{{{sizes.replace(' ', ',')}}}" if sizes
                else f"use a family offered in {region}, e.g. {examples}")
    return None
