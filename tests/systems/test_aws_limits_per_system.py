"""What AWS accepts, rule by rule, through every system's ``validate`` (before jsii starts): each case
edits one committed environment and names the field, the problem and the fix the one-line error
must carry. Every rule has a case in each system that has the setting (table-driven; issue 26)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest

from environments import load
from modules.database.engines import DatabaseEngine
from modules.errors import ConfigError
from modules.messaging.options import DeadLetterOptions
from systems import BY_NAME, SYSTEMS
from tests.test_main import edit, project_copy, run_main  # noqa: F401 (fixture)


def nested(obj, path: str, value):
    """``obj`` with the attribute at ``path`` (``a.b.c``, ``items[1].name``) replaced by ``value``."""
    head, _, rest = path.partition(".")
    name, _, index = head.partition("[")
    current = getattr(obj, name)
    if index:
        i = int(index.rstrip("]"))
        items = list(current)
        items[i] = nested(items[i], rest, value) if rest else value
        return replace(obj, **{name: tuple(items)})
    return replace(obj, **{name: nested(current, rest, value) if rest else value})


def error_of(system: str, env: str, changes: dict) -> ConfigError:
    settings = load(env, system)
    for path, value in changes.items():
        settings = nested(settings, path, value)
    with pytest.raises(ConfigError) as caught:
        BY_NAME[system].validate(settings)
    error = caught.value
    error.system = error.system or system  # main.py names the system of the shared checks' errors
    return error


def _unisync_queue(index: int, **changes):
    from environments.unisync.project import QUEUES

    return replace(QUEUES[index], **changes)


LONG = "x" * 1100

# (rule, system, environment, {path: new value}, field, phrase of the problem, phrase of the fix)
CASES = [
    # Lambda memory 128-10,240 MB and timeout 1-900 s
    ("function memory", "unisync", "prod", {"canvas_sync.memory_mb": 10241}, "canvas_sync.memory_mb",
     "128 to 10240 MB", "128 to 10240"),
    ("function memory", "openmarket", "dev", {"functions[0].memory_mb": 127},
     "functions.image-processor.memory_mb", "128 to 10240 MB", "128 to 10240"),
    ("function timeout", "unisync", "dev", {"canvas_sync.timeout_seconds": 901}, "canvas_sync.timeout_seconds",
     "1 to 900 seconds", "choose 1 to 900"),
    ("function timeout", "openmarket", "prod", {"functions[2].timeout_seconds": 0},
     "functions.report-generator.timeout_seconds", "1 to 900 seconds", "choose 1 to 900"),
    # the DLQ keeps messages at least as long as its queue
    ("dead-letter retention", "unisync", "prod",
     {"queues[0]": _unisync_queue(0, retention_seconds=1209600,
                                   dead_letter=DeadLetterOptions(retention_seconds=345600))},
     "queues[0](assignment-events).dead_letter.retention_seconds", "shorter than the queue's retention",
     "at least the queue's retention"),
    # schedule expressions and time zones (zoneinfo.available_timezones())
    ("schedule expression", "unisync", "dev", {"canvas_sync_schedule.expression": "cron(0 * * * *)"},
     "canvas_sync_schedule.expression", "6 fields", "rate(1 hour)"),
    ("schedule expression", "openmarket", "prod", {"report_schedule.expression": "at(2026-02-30T00:00:00)"},
     "report_schedule.expression", "not a date and time that exists", "cron("),
    ("schedule expression", "openmarket", "dev", {"data_sync_schedule.expression": "rate(0 minutes)"},
     "data_sync_schedule.expression", "positive", "rate(1 hour)"),
    ("time zone", "unisync", "dev", {"canvas_sync_schedule.timezone": "Asia/Seol"},
     "canvas_sync_schedule.timezone", "did you mean 'Asia/Seoul'", "Asia/Seoul"),
    ("time zone", "openmarket", "staging", {"report_schedule.timezone": "Mars/Olympus_Mons"},
     "report_schedule.timezone", "not an IANA time zone", "Asia/Seoul"),
    ("time zone", "openmarket", "dev", {"node_group.working_hours.time_zone": "Asia/Atlantis"},
     "node_group.working_hours.time_zone", "not an IANA time zone", "Asia/Seoul"),
    ("schedule name", "unisync", "dev", {"canvas_sync_schedule.name": "Canvas Sync"}, "canvas_sync_schedule.name",
     "lowercase letters", "daily-report"),
    # EKS versions and the add-on versions a cluster version supports
    ("eks version", "openmarket", "prod", {"eks.version": "1.27"}, "eks.version", "not a Kubernetes version",
     "1.35"),
    ("eks version", "openmarket", "staging", {"eks.version": "1.30"}, "eks.version", "ended extended support",
     "1.35"),
    ("add-on version", "openmarket", "prod", {"eks.addon_versions": {"kube-proxy": "v1.34.1-eksbuild.2"}},
     "eks.addon_versions['kube-proxy']", "only kube-proxy 1.35.x", "v1.35.0-eksbuild.2"),
    ("add-on version", "openmarket", "dev", {"eks.version": "1.32", "eks.addon_versions": {"coredns": "v1.12.4-eksbuild.1"}},
     "eks.addon_versions['coredns']", "newer than EKS offers for Kubernetes 1.32", "v1.11.4-eksbuild.24"),
    # node-group sizes and instance types that exist in the region
    ("node-group sizes", "openmarket", "prod", {"node_group.desired_size": 5}, "node_group.desired_size",
     "outside min_size..max_size", "between them"),
    ("node-group sizes", "openmarket", "dev", {"node_group.min_size": 5}, "node_group.min_size",
     "larger than max_size", "min_size <= max_size"),
    ("instance type", "openmarket", "prod", {"node_group.instance_types": ("t3.mediun",)},
     "node_group.instance_types[0]", "not an EC2 instance type", "did you mean 't3.medium'"),
    ("instance type", "openmarket", "staging", {"node_group.instance_types": ("t3.large", "c7a.large")},
     "node_group.instance_types[1]", "does not offer c7a.large in ap-northeast-2", "family offered"),
    # database instance classes per engine
    ("instance class", "openmarket", "prod", {"database.instance_class": "db.t4g.micro"}, "database.instance_class",
     "burstable classes from medium up", "db.t4g.medium"),
    ("instance class", "openmarket", "dev", {"database.instance_class": "db.m6g.large"}, "database.instance_class",
     "does not offer the db.m6g family", "r-class"),
    ("instance class", "unisync", "prod", {"database.instance_class": "db.x9.large"}, "database.instance_class",
     "unknown RDS instance class", "db.t4g.micro"),
    ("instance class", "codemate", "staging", {"database.instance_class": "db.t4g.mega"}, "database.instance_class",
     "unknown RDS instance class", "instance_classes.py"),
    # queue names: characters, no '.fifo' on a standard queue, 80 characters, one name per queue
    ("queue name", "unisync", "dev", {"queues[1]": _unisync_queue(1, name="submission-events.fifo")},
     "queues[1](submission-events.fifo).name", "'.fifo' marks a FIFO queue", "'submission-events'"),
    ("queue name", "unisync", "prod", {"queues[3]": _unisync_queue(3, name="llm_analysis")},
     "queues[3](llm_analysis).name", "lowercase letters", "order-events"),
    ("duplicate name", "unisync", "dev",
     {"queues": (*load("dev", "unisync").queues, _unisync_queue(1, name="assignment-events-dlq"))},
     "queues[4](assignment-events-dlq).name", "already the one of queues[0](assignment-events)'s dead-letter queue",
     "its own SQS queue"),
    ("duplicate name", "openmarket", "prod", {"data_sync_schedule.name": "daily-report"},
     "data_sync_schedule.name", "schedule 'openmarket-daily-report-prod' is already the one of report_schedule",
     "its own EventBridge Scheduler schedule"),
    ("duplicate name", "openmarket", "dev", {"functions[3].name": "image-processor"}, "functions",
     "exactly once", "list each of"),
    ("duplicate name", "codemate", "dev", {"services[1].name": "frontend"}, "services[1](frontend).name",
     "same name as services[0]", "its own name"),
    # S3 bucket names: 3-63, DNS-compatible, no IP-like name, reserved prefixes and suffixes
    ("bucket name", "conduit", "prod", {"project.name": "xn--conduit"}, "project.name / environment name",
     "may not start with 'xn--'", "lowercase letters"),
    ("bucket name", "nest-api", "dev", {"project.name": "sthree-api"}, "project.name / environment name",
     "may not start with 'sthree-'", "lowercase letters"),
    ("bucket name", "openmarket", "staging", {"project.name": "openmarket-" + "m" * 34},
     "project.name / environment name", "3 to 63 characters", "within 63"),
    ("bucket name", "unisync", "prod", {"project.state_bucket": "unisync-state-s3alias"}, "project.state_bucket",
     "may not end with '-s3alias'", "naming rules"),
    ("bucket name", "codemate", "prod", {"project.state_bucket": "10.0.1.2"}, "project.state_bucket",
     "IP address", "naming rules"),
    ("bucket name", "codemate", "dev", {"storage.bucket_prefix": "amzn-s3-demo-codemate"}, "storage.bucket_prefix",
     "may not start with 'amzn-s3-demo-'", "lowercase letters"),
    # e-mail addresses
    ("email", "nest-api", "prod", {"monitoring.alarm_emails": ("ops@example.com, dev@example.com",)},
     "monitoring.alarm_emails[0]", "one address", "subscribe one address"),
    ("email", "unisync", "dev", {"monitoring.alarm_emails": ("ops..team@example.com",)}, "monitoring.alarm_emails[0]",
     "dots only between them", "ops@example.com"),
    ("email", "openmarket", "prod", {"monitoring.alarm_emails": ("ops@example",)}, "monitoring.alarm_emails[0]",
     "not an email address", "ops@example.com"),
    ("email", "conduit", "dev", {"monitoring.alarm_emails": ("o" * 250 + "@example.com",)}, "monitoring.alarm_emails[0]",
     "262 characters, at most 254", "ops@example.com"),
    ("email", "codemate", "prod", {"monitoring.alarm_emails": ("ops@-example.com",)}, "monitoring.alarm_emails[0]",
     "not an email address", "ops@example.com"),
    # the account baseline: its budget's addresses, its trail's retention, its state bucket
    ("email", "account", "shared", {"budget.emails": ("ops@example",)}, "budget.emails[0]",
     "not an email address", "ops@example.com"),
    ("trail retention", "account", "shared", {"trail.retention_days": 30}, "trail.retention_days",
     "1 to 10 years", "365 or more"),
    ("bucket name", "account", "shared", {"project.state_bucket": "10.0.1.2"}, "project.state_bucket",
     "IP address", "naming rules"),
    # CIDRs of every system
    ("cidr", "codemate", "prod", {"network.vpc_cidr": "10.0.0.0/8"}, "network.vpc_cidr", "/16 to /28", "between /16"),
    ("cidr", "conduit", "dev", {"network.public_subnet_cidrs": ("10.99.1.0/24", "10.0.2.0/24")},
     "network.public_subnet_cidrs[0]", "outside the VPC", "inside"),
    ("cidr", "nest-api", "prod", {"network.vpc_cidr": "169.254.0.0/16"}, "network.vpc_cidr", "link-local",
     "RFC 1918"),
    ("cidr", "unisync", "dev", {"network.database_subnet_cidrs": ("10.0.21.1/24", "10.0.22.0/24")},
     "network.database_subnet_cidrs[0]", "host bits", "'10.0.21.0/24'"),
    ("cidr", "openmarket", "dev", {"eks.public_access_cidrs": ("203.0.113.7/24",)}, "eks.public_access_cidrs",
     "host bits are set", "'203.0.113.0/24'"),
]


@pytest.mark.parametrize("rule, system, env, changes, field, problem, fix", CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[4]}" for c in CASES])
def test_each_rule_names_field_problem_and_fix(rule, system, env, changes, field, problem, fix):
    error = error_of(system, env, changes)
    assert error.field == field, str(error)
    assert problem in error.problem, str(error)
    assert fix in error.fix, str(error)
    line = f"error: {error}"
    assert line.startswith(f"error: [{system}:{env}] {field} = ") and " — fix: " in line
    assert "\n" not in line


def test_every_system_has_cases_for_the_rules():
    systems = {c[1] for c in CASES}
    assert systems == {s.name for s in SYSTEMS}
    for name in systems:
        assert len({c[0] for c in CASES if c[1] == name}) >= 3, name


def test_the_committed_environments_pass_every_rule():
    for system in SYSTEMS:
        for env in system.environments:
            system.validate(load(env, system))


# -- a long value is shortened, never echoed whole ------------------------------------------------------


@pytest.mark.parametrize("system, env, path, field", [
    ("conduit", "prod", "service.health_check_path", "service.health_check_path"),
    ("unisync", "dev", "canvas_sync_schedule.expression", "canvas_sync_schedule.expression"),
    ("openmarket", "prod", "monitoring.alarm_emails", "monitoring.alarm_emails[0]"),
    ("codemate", "staging", "extra_tags", "extra_tags['Owner']"),
])
def test_a_1100_character_value_is_shortened_in_the_line(system, env, path, field):
    value = ({"Owner": LONG} if path == "extra_tags" else (LONG,) if path.endswith("alarm_emails")
             else ("/" + LONG if "path" in path else LONG))
    error = error_of(system, env, {path: value})
    line = f"error: {error}"
    assert error.field == field
    assert LONG not in line and "x" * 100 not in line
    shown = "'" + ("/" if "path" in path else "") + "x" * (79 - (2 if "path" in path else 1))
    assert f"= {shown}… ({len(error.value):,} characters): " in line, line
    assert len(line) < 500


def test_main_prints_a_long_value_shortened_on_one_line(project_copy):  # noqa: F811
    # GIVEN Conduit prod whose alarm e-mail is a pasted 1,100-character blob
    prod = project_copy / "environments" / "conduit" / "prod.py"
    edit(prod, "SETTINGS = ConduitSettings(", f"SETTINGS = ConduitSettings(\n    monitoring=__import__("
              f"'modules.monitoring.options', fromlist=['x']).MonitoringOptions(alarm_emails=('{LONG}',)),")
    # WHEN it is synthesized THEN one line, exit 2, the value cut at 80 characters with its length
    result = run_main(project_copy, "conduit:prod")
    assert result.returncode == 2, result.stderr
    first, *rest = result.stderr.splitlines()
    assert first == ("error: [conduit:prod] monitoring.alarm_emails[0] = '" + "x" * 78 + "… (1,100 characters): "
                     "not an email address: 1100 characters, at most 254 — fix: write one address such as "
                     "'ops@example.com', or leave it out")
    assert rest == ["nothing written; cdktf.out is unchanged"]
    assert not (project_copy / "cdktf.out").exists()
