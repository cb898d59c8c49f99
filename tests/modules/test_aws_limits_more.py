"""The rules of issue 26, on their own (no settings file, no framework): time zones, e-mail addresses,
queue names, EC2 instance types (the table against moto's recorded data), EKS add-on versions per
cluster version, schedules, and the physical names of what a system composes by hand."""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass, field, replace

import pytest

from modules.aws_limits import email_problem, instance_type_problem, queue_name_problem, time_zone_problem
from modules.errors import ConfigError, shown
from modules.kubernetes.options import (
    ADDON_VERSIONS,
    CORE_ADDONS,
    KUBERNETES_VERSIONS,
    NEWEST_COREDNS_MINOR,
    EksClusterOptions,
    NodeGroupOptions,
    addon_version_problem,
    cluster_problem,
)
from modules.messaging.options import DeadLetterOptions, QueueOptions, queue_problems
from modules.project import ProjectSettings
from modules.serverless.options import FunctionOptions, ScheduleOptions, schedule_expression_problem, schedule_problems
from modules.validation import composed_options, physical_name_problems

# -- time zones -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Asia/Seoul", "UTC", "America/Argentina/Buenos_Aires", "Etc/GMT+9", "Europe/Kyiv"])
def test_existing_time_zones_are_accepted(name):
    assert time_zone_problem(name) is None


@pytest.mark.parametrize("name, hint", [("Asia/Seol", "Asia/Seoul"), ("Mars/Olympus_Mons", None),
                                        ("localtime", None), ("asia/seoul", "Asia/Seoul"), ("", None)])
def test_time_zones_that_do_not_exist_are_refused(name, hint):
    problem, fix = time_zone_problem(name)
    assert problem.startswith("not an IANA time zone name") and "Asia/Seoul" in fix
    assert (f"did you mean '{hint}'" in problem) if hint else "did you mean" not in problem


def test_the_time_zone_database_is_read_once_per_process(monkeypatch):
    # every schedule of every stack is checked: walking the database each time cost 0.7 s of a synth
    import zoneinfo

    from modules import aws_limits

    calls = []
    real = zoneinfo.available_timezones
    monkeypatch.setattr(zoneinfo, "available_timezones", lambda: calls.append(1) or real())
    aws_limits._iana_zones.cache_clear()
    try:
        for name in ("Asia/Seoul", "UTC", "Asia/Seol", "Europe/Kyiv"):
            time_zone_problem(name)
        assert len(calls) == 1
    finally:
        aws_limits._iana_zones.cache_clear()


# -- e-mail addresses ---------------------------------------------------------------------------------


@pytest.mark.parametrize("address", ["ops@example.com", "oncall+codemate@example.co.kr", "a.b-c_d@mail.example.org",
                                     "x" * 64 + "@example.com"])
def test_email_addresses_sns_accepts(address):
    assert email_problem(address) is None


@pytest.mark.parametrize("address, phrase", [
    ("ops", "a local part, '@' and a domain"), ("@example.com", "a local part"), ("ops@", "a local part"),
    (".ops@example.com", "dots only between them"), ("ops.@example.com", "dots only between them"),
    ("o..ps@example.com", "dots only between them"), ("x" * 65 + "@example.com", "at most 64"),
    ("ops@example", "not an email address"), ("ops@example.c0m", "not an email address"),
    ("ops@-example.com", "not an email address"), ("ops@exa_mple.com", "not an email address"),
    ("a@b.com,c@d.com", "one address"), ("ops @example.com", "one address"), ("ops@@example.com", "one address"),
    ("o" * 250 + "@example.com", "262 characters, at most 254"),
])
def test_email_addresses_sns_refuses(address, phrase):
    problem, fix = email_problem(address)
    assert problem.startswith("not an email address") and phrase in problem
    assert "ops@example.com" in fix


# -- SQS queue names ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name, fifo, phrase, fix", [
    ("shop-orders-dev.fifo", False, "'.fifo' marks a FIFO queue", "'shop-orders-dev'"),
    ("shop-orders-dev", True, "must end in '.fifo'", "'shop-orders-dev.fifo'"),
    ("shop orders", False, "letters, digits, '-' and '_' only", "replace"),
    ("shop.orders", False, "letters, digits, '-' and '_' only", "replace"),
    ("q" * 81, False, "81 characters; SQS allows 80", "shorten"),
    ("q" * 76 + ".fifo", True, "81 characters; SQS allows 80", "shorten"),
])
def test_queue_names_sqs_refuses(name, fifo, phrase, fix):
    problem = queue_name_problem(name, fifo=fifo)
    assert problem and phrase in problem[0] and fix in problem[1]


@pytest.mark.parametrize("name, fifo", [("q" * 80, False), ("q" * 75 + ".fifo", True), ("A_b-1", False)])
def test_queue_names_sqs_accepts(name, fifo):
    assert queue_name_problem(name, fifo=fifo) is None


def test_a_short_queue_name_with_fifo_is_refused_with_the_suffix_dropped():
    ((field, value, problem, fix),) = queue_problems(QueueOptions(name="orders.fifo"))
    assert (field, value) == ("name", "orders.fifo") and "FIFO" in problem and fix == "drop the suffix: 'orders'"


# -- EC2 instance types: the table is moto's recorded data -----------------------------------------------


def _moto_resources():
    import moto

    return os.path.join(os.path.dirname(moto.__file__), "ec2", "resources")


def test_the_instance_type_table_is_exactly_motos_recorded_data():
    from modules.ec2_instance_types import INSTANCE_TYPES, OFFERED

    recorded = json.load(gzip.open(os.path.join(_moto_resources(), "instance_types.json.gz")))
    assert {f"{f}.{s}" for f, sizes in INSTANCE_TYPES.items() for s in sizes.split()} == set(recorded)
    for region, families in OFFERED.items():
        path = os.path.join(_moto_resources(), "instance_type_offerings", "region", f"{region}.json.gz")
        offered = {o["InstanceType"] for o in json.load(gzip.open(path))}
        assert {f"{f}.{s}" for f, sizes in families.items() for s in sizes.split()} == offered, region


def test_the_table_covers_every_region_a_system_uses():
    import importlib

    from modules.ec2_instance_types import OFFERED
    from systems import SYSTEMS

    regions = {importlib.import_module(f"environments.{s.package}.project").PROJECT.region for s in SYSTEMS}
    assert regions <= set(OFFERED)


@pytest.mark.parametrize("instance_type", ["t3.medium", "t4g.large", "m6i.xlarge", "m7g.2xlarge", "c6g.large"])
def test_instance_types_offered_in_seoul_are_accepted(instance_type):
    assert instance_type_problem(instance_type, "ap-northeast-2") is None


@pytest.mark.parametrize("instance_type, region, phrase, fix", [
    ("t3.mediun", "ap-northeast-2", "not an EC2 instance type", "did you mean 't3.medium'"),
    ("t3.huge", "eu-west-1", "not an EC2 instance type", "t3.medium"),
    ("c7a.large", "ap-northeast-2", "does not offer c7a.large in ap-northeast-2", "family offered in ap-northeast-2"),
    ("p5.4xlarge", "ap-northeast-2", "does not offer p5.4xlarge", "p5.{48xlarge}"),
])
def test_instance_types_ec2_lacks_are_refused(instance_type, region, phrase, fix):
    problem = instance_type_problem(instance_type, region)
    assert problem and phrase in problem[0] and fix in problem[1]


def test_a_region_outside_the_table_is_checked_for_existence_only():
    assert instance_type_problem("c7a.large", "eu-west-1") is None


# -- EKS add-on versions a cluster version supports -----------------------------------------------------


@pytest.mark.parametrize("version", sorted(ADDON_VERSIONS))
def test_the_pinned_add_ons_fit_their_cluster_version(version):
    for addon in CORE_ADDONS:
        assert addon_version_problem(addon, ADDON_VERSIONS[version][addon], version) is None


def test_the_coredns_table_covers_every_pinned_version():
    assert set(NEWEST_COREDNS_MINOR) == set(ADDON_VERSIONS) and set(ADDON_VERSIONS) <= set(KUBERNETES_VERSIONS)


@pytest.mark.parametrize("cluster, addon, version, phrase", [
    ("1.35", "kube-proxy", "v1.34.1-eksbuild.2", "only kube-proxy 1.35.x"),
    ("1.33", "kube-proxy", "v1.35.0-eksbuild.2", "only kube-proxy 1.33.x"),
    ("1.32", "coredns", "v1.12.4-eksbuild.1", "newer than EKS offers for Kubernetes 1.32 (up to 1.11.x)"),
])
def test_add_on_versions_the_cluster_version_does_not_support(cluster, addon, version, phrase):
    options = EksClusterOptions(version=cluster, admin_roles=("admin",), addon_versions={addon: version})
    field_, value, problem, fix = cluster_problem(options, production=False)
    assert (field_, value) == (f"addon_versions[{addon!r}]", version) and phrase in problem
    assert ADDON_VERSIONS[cluster][addon] in fix


def test_an_older_coredns_and_a_newer_kube_proxy_build_of_the_same_minor_are_accepted():
    options = EksClusterOptions(version="1.35", admin_roles=("admin",),
                                addon_versions={"coredns": "v1.11.4-eksbuild.24", "kube-proxy": "v1.35.9-eksbuild.1"})
    assert cluster_problem(options, production=True) is None


# -- schedules ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("expression, problem", [
    ("at(2026-02-29T00:00:00)", "not a date and time that exists"),
    ("at(2026-13-01T00:00:00)", "not a date and time that exists"),
    ("at(2026-01-01T24:00:00)", "not a date and time that exists"),
    ("cron(0 0 * * ?)", "6 fields"), ("cron(61 0 * * ? *)", "minutes"), ("cron(0 0 * * * *)", "exactly one"),
    ("rate(0 hours)", "positive"), ("rate(5 minute)", "singular"), ("every 5 minutes", "not 'rate"),
])
def test_schedule_expressions_eventbridge_refuses(expression, problem):
    assert problem in schedule_expression_problem(expression)


@pytest.mark.parametrize("expression", ["at(2028-02-29T23:59:59)", "cron(0 0 * * ? *)", "cron(0/15 9-18 ? * MON-FRI *)",
                                        "rate(1 minute)", "rate(12 hours)"])
def test_schedule_expressions_eventbridge_accepts(expression):
    assert schedule_expression_problem(expression) is None


def test_a_schedules_own_rules_name_each_field():
    schedule = ScheduleOptions(name="Daily Report", expression="rate(1 hours)", timezone="Asia/Seol",
                               description="d" * 513)
    assert [f for f, *_ in schedule_problems(schedule)] == ["name", "expression", "timezone", "description"]
    assert schedule_problems(ScheduleOptions(name="daily-report", expression="rate(1 day)")) == []


# -- physical names of composed options ---------------------------------------------------------------------


PROJECT = ProjectSettings(name="shop", region="ap-northeast-2", availability_zones=("ap-northeast-2a", "ap-northeast-2c"),
                          state_bucket="shop-terraform-state", lock_table="shop-terraform-locks")


@dataclass(frozen=True, kw_only=True)
class Composed:
    """A system's settings, as far as the physical-name rules read them."""

    name: str = "dev"
    project: ProjectSettings = PROJECT
    functions: tuple[FunctionOptions, ...] = ()
    queues: tuple[QueueOptions, ...] = ()
    schedule: ScheduleOptions | None = None
    nodes: NodeGroupOptions | None = None
    extra: dict = field(default_factory=dict)


def fn(name: str, **changes) -> FunctionOptions:
    return FunctionOptions(name=name, source="src", runtime="python3.13", handler="handler.handle", **changes)


def problems(settings: Composed, buckets=("logs",)) -> list[tuple]:
    return list(physical_name_problems(settings, buckets=buckets))


def test_paths_name_each_composed_object():
    settings = Composed(functions=(fn("a"),), queues=(QueueOptions(name="q"),), schedule=ScheduleOptions(
        name="s", expression="rate(1 hour)"), nodes=NodeGroupOptions())
    assert [p for p, _ in composed_options(settings)] == ["functions[0](a)", "queues[0](q)", "schedule", "nodes"]
    assert problems(settings) == []


def test_a_queue_named_like_anothers_dead_letter_queue_is_refused():
    settings = Composed(queues=(QueueOptions(name="orders", dead_letter=DeadLetterOptions()), QueueOptions(name="orders-dlq")))
    ((field_, value, problem, fix),) = problems(settings)
    assert (field_, value) == ("queues[1](orders-dlq).name", "orders-dlq")
    assert problem == "the SQS queue 'shop-orders-dlq-dev' is already the one of queues[0](orders)'s dead-letter queue"
    assert fix.startswith("give each its own SQS queue")


def test_a_dead_letter_queue_over_80_characters_is_refused():
    queue = QueueOptions(name="q" * 60, dead_letter=DeadLetterOptions())
    assert problems(Composed(name="staging2", queues=(queue,))) == []  # shop-<60>-dlq-staging2: 78
    ((field_, value, problem, fix),) = problems(Composed(name="production1", queues=(queue,)))
    assert (field_, value) == (f"queues[0]({'q' * 60}).name", f"shop-{'q' * 60}-dlq-production1")
    assert problem == "the queue name is 81 characters; SQS allows 80" and "shorten" in fix


def test_function_names_over_lambdas_64_characters_are_refused_before_any_construct():
    settings = Composed(name="staging", functions=(fn("f" * 40),), project=replace(PROJECT, name="shop-" + "s" * 15))
    field_, value, problem, fix = problems(settings)[0]
    assert field_ == f"functions[0]({'f' * 40}).name" and problem == "the Lambda function name is 69 characters; AWS allows 64"
    assert fix == "shorten this name, or the project or environment name"


def test_a_function_and_a_schedule_may_share_a_short_name_but_two_schedules_may_not_share_one():
    shared = Composed(functions=(fn("sync"),), schedule=ScheduleOptions(name="sync", expression="rate(1 hour)"))
    assert problems(shared) == []


def test_node_group_instance_types_must_exist_in_the_region():
    settings = Composed(nodes=NodeGroupOptions(instance_types=("t3.medium", "c7a.large")))
    ((field_, value, problem, _),) = problems(settings)
    assert (field_, value) == ("nodes.instance_types[1]", "c7a.large") and "ap-northeast-2" in problem


def test_bucket_names_are_checked_for_the_buckets_a_system_has():
    settings = Composed(project=replace(PROJECT, name="xn--shop"))
    ((field_, value, problem, _),) = problems(settings)
    assert (field_, value) == ("project.name / environment name", "xn--shop-logs-dev-<account-id>")
    assert problem == "S3 bucket names may not start with 'xn--'"
    assert problems(settings, buckets=()) == []


def test_the_composed_objects_own_rules_come_first():
    settings = Composed(functions=(fn("a", memory_mb=64),), queues=(QueueOptions(name="q", delay_seconds=901),))
    assert [p[0] for p in problems(settings)] == ["functions[0](a).memory_mb", "queues[0](q).delay_seconds"]


# -- the one line: a long value is shortened ------------------------------------------------------------


def test_short_values_are_shown_whole():
    assert shown("ops@example.com") == "'ops@example.com'" and shown(12) == "12" and shown(("a",)) == "('a',)"


def test_a_long_string_is_cut_at_80_characters_with_its_length():
    text = shown("y" * 1100)
    assert text == "'" + "y" * 78 + "… (1,100 characters)" and len(text.split("…")[0]) + 1 == 80


def test_a_long_tuple_names_its_item_count():
    assert shown(tuple(f"10.0.{i}.0/24" for i in range(40))).endswith("… (40 items)")


def test_the_error_line_carries_the_shortened_value():
    line = str(ConfigError("dev", "service.health_check_path", "/" + "z" * 1100, "too long", "shorten it"))
    assert line == "[dev] service.health_check_path = '/" + "z" * 77 + "… (1,101 characters): too long — fix: shorten it"


# -- a system that forgets the call still gets the rules (the registry runs them) ---------------------------


def forgetful_validator(settings) -> None:
    """A new system's validator that checks nothing of what it composes."""


def test_the_registry_runs_the_composed_rules_after_any_systems_own_validator():
    from systems import System

    system = System(name="shop", title="t", environments=("dev",), stack="x:Y", settings_type="x:Y",
                    validator="tests.modules.test_aws_limits_more:forgetful_validator")
    system.validate(Composed(queues=(QueueOptions(name="orders"),)))
    with pytest.raises(ConfigError) as caught:
        system.validate(Composed(queues=(QueueOptions(name="orders"), QueueOptions(name="orders.fifo"))))
    assert (caught.value.field, caught.value.value) == ("queues[1](orders.fifo).name", "orders.fifo")
