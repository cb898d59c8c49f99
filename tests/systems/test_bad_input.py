"""Bad settings of the other systems: one line naming system, environment, field, value and fix;
exit 2; no traceback; the previous output untouched."""

from __future__ import annotations

from dataclasses import replace

import pytest

from environments import load
from modules.database.engines import DatabaseEngine
from modules.networking.options import NatMode
from modules.errors import ConfigError
from tests.test_main import project_copy, run_main  # noqa: F401 (fixture)



def error_of(system: str, env: str, **changes) -> ConfigError:
    from systems import BY_NAME

    settings = load(env, system)
    nested = {k: v for k, v in changes.items() if "__" in k}
    top = {k: v for k, v in changes.items() if "__" not in k}
    for key, value in nested.items():
        outer, inner = key.split("__")
        top[outer] = replace(top.get(outer, getattr(settings, outer)), **{inner: value})
    with pytest.raises(ConfigError) as caught:
        BY_NAME[system].validate(replace(settings, **top))
    return caught.value


@pytest.mark.parametrize("system, changes, field, phrase", [
    ("conduit", {"network__private_app_subnet_cidrs": ("10.0.11.0/24", "10.0.12.0/24")},
     "network.private_app_subnet_cidrs", "public subnets only"),
    ("conduit", {"network__nat_mode": NatMode.SINGLE}, "network.nat_mode", "serves nothing"),
    ("conduit", {"service__assign_public_ip": False}, "service.assign_public_ip", "no private app subnets"),
    ("conduit", {"service__cpu": 300}, "service.cpu", "Fargate does not offer"),
    ("conduit", {"service__load_balanced": False}, "service.load_balanced", "behind the ALB"),
    ("conduit", {"images_to_keep": 0}, "images_to_keep", "1 to 1000"),
    ("nest-api", {"network__nat_mode": NatMode.NONE}, "service.assign_public_ip", "cannot pull their image"),
    ("nest-api", {"network__private_app_subnet_cidrs": (), "network__nat_mode": NatMode.NONE,
                  "service__assign_public_ip": True}, "network.private_app_subnet_cidrs", "private subnets"),
    ("nest-api", {"network__database_subnet_cidrs": ("10.0.21.0/24", "10.0.22.0/24")},
     "network.database_subnet_cidrs", "external"),
    ("nest-api", {"load_balancer__domain": None}, "load_balancer.domain", "HTTPS only"),
    ("nest-api", {"github__repository": "not a repo"}, "github.repository", "owner/name"),
    ("nest-api", {"github__branch": "feature..x"}, "github.branch", "branch"),
    ("nest-api", {"service__assign_public_ip": True}, "service.assign_public_ip", "private subnets"),
    ("openmarket", {"eks__version": "1.28"}, "eks.version", "no longer creates"),
    ("openmarket", {"eks__endpoint_public_access": True, "eks__public_access_cidrs": ("0.0.0.0/0",)},
     "eks.public_access_cidrs", "whole internet"),
    ("openmarket", {"eks__admin_roles": ()}, "eks.admin_roles", "nobody could reach"),
    ("openmarket", {"node_group__min_size": 5}, "node_group.min_size", "larger than max_size"),
    ("openmarket", {"node_group__ami_type": "AL2_x86_64"}, "node_group.ami_type", "Amazon Linux 2023"),
    ("openmarket", {"report_schedule__expression": "cron(0 0 * * *)"}, "report_schedule.expression", "6 fields"),
    ("openmarket", {"data_sync_schedule__expression": "rate(1 hours)"}, "data_sync_schedule.expression",
     "singular"),
    ("openmarket", {"uploads__image_prefix": "/images/"}, "uploads.image_prefix", "do not start with '/'"),
    ("openmarket", {"uploads__cors_origins": ("http://shop.example.com",)}, "uploads.cors_origins[0]", "HTTPS"),
    ("openmarket", {"network__nat_mode": NatMode.SINGLE}, "network.nat_mode", "one NAT per AZ"),
    ("openmarket", {"database__engine": DatabaseEngine.MYSQL, "database__aurora_reader_count": None,
                    "database__log_exports": ("error",)},
     "database.engine", "Aurora MySQL"),
    ("openmarket", {"cache__num_cache_clusters": 1}, "cache.num_cache_clusters", "failover"),
])
def test_system_rule_names_field_and_fix(system, changes, field, phrase):
    error = error_of(system, "prod", **changes)
    assert (error.environment, error.field) == ("prod", field), str(error)
    assert phrase in error.problem and error.fix
    error.system = error.system or system  # main.py fills it in for errors of the shared checks
    assert str(error).startswith(f"[{system}:prod] {field} = ")


def test_user_edit_in_a_system_file_exits_2_with_one_line_and_keeps_the_output(project_copy):  # noqa: F811
    # GIVEN a copy of the project whose conduit prod asks for NAT, and an earlier output
    copy = project_copy
    prod = copy / "environments" / "conduit" / "prod.py"
    prod.write_text(prod.read_text().replace("nat_mode=NatMode.NONE", "nat_mode=NatMode.SINGLE", 1))
    (copy / "cdktf.out").mkdir()
    (copy / "cdktf.out" / "marker").write_text("previous")
    # WHEN the user synthesizes Conduit
    result = run_main(copy, "conduit")
    # THEN exit 2, one line naming system, environment, field, value and fix, output untouched
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: [conduit:prod] network.nat_mode = 'single': a NAT gateway without private app subnets costs "
        "money and serves nothing — fix: set nat_mode=NatMode.NONE or add private app subnets",
        "nothing written; cdktf.out is unchanged",
    ]
    assert (copy / "cdktf.out" / "marker").read_text() == "previous"
    assert sorted(p.name for p in copy.iterdir() if "cdktf" in p.name) == ["cdktf.out"]


def _unisync_queues(**changes):
    from environments.unisync.project import QUEUES

    first = QUEUES[0]
    dead_letter = changes.pop("dead_letter", first.dead_letter)
    return (replace(first, dead_letter=dead_letter, **changes), *QUEUES[1:])


def _unisync_cases():
    from modules.messaging.options import DeadLetterOptions
    from systems.unisync.settings import FLOWS, QueueFlow

    consumed_by_function = (*FLOWS, QueueFlow(queue="task-creation", senders=(), consumers=("canvas-sync",)))
    return [
        ({"queues": _unisync_queues(dead_letter=DeadLetterOptions(max_receive_count=0))},
         "queues[0](assignment-events).dead_letter.max_receive_count", "1 to 1000"),
        ({"queues": _unisync_queues(visibility_timeout_seconds=43201)},
         "queues[0](assignment-events).visibility_timeout_seconds", "0 to 43200"),
        ({"queues": _unisync_queues(dead_letter=None)}, "queues(assignment-events).dead_letter", "dead-letter queue"),
        ({"flows": consumed_by_function, "canvas_sync__timeout_seconds": 600},
         "queues[2](task-creation).visibility_timeout_seconds", "below the timeout of its consuming function (600 s)"),
        ({"canvas_sync__runtime": "python3.8"}, "canvas_sync.runtime", "2024-10-14"),
        ({"canvas_sync__runtime": "nodejs18.x"}, "canvas_sync.runtime", "no longer lets you create"),
        ({"canvas_sync__memory_mb": 10241}, "canvas_sync.memory_mb", "128 to 10240"),
        ({"canvas_sync__memory_mb": 64}, "canvas_sync.memory_mb", "128 to 10240"),
        ({"canvas_sync__timeout_seconds": 901}, "canvas_sync.timeout_seconds", "1 to 900"),
        ({"canvas_sync__in_vpc": False}, "canvas_sync.in_vpc", "private name"),
        ({"canvas_sync__environment": {"CANVAS_API_TOKEN": "abc"}}, "canvas_sync.environment['CANVAS_API_TOKEN']",
         "looks like a secret"),
        ({"canvas_api_base_url": "http://canvas.example.com"}, "canvas_api_base_url", "https://"),
        ({"calls": {"api-gateway": ("api-gateway",)}}, "calls['api-gateway']", "not an internal service"),
        ({"network__nat_mode": NatMode.NONE}, "services[0](api-gateway).assign_public_ip", "cannot pull their image"),
    ]


@pytest.mark.parametrize("changes, field, phrase", _unisync_cases(), ids=lambda v: v if isinstance(v, str) else None)
def test_unisync_rule_names_field_and_fix(changes, field, phrase):
    error = error_of("unisync", "prod", **changes)
    assert (error.environment, error.field) == ("prod", field), str(error)
    assert phrase in error.problem and error.fix
    assert "abc" not in str(error)


def test_unisync_deprecated_runtime_in_the_settings_file_exits_2_with_one_line(project_copy):  # noqa: F811
    # GIVEN a copy of the project whose UniSync function asks for Python 3.8, and an earlier output
    copy = project_copy
    project = copy / "environments" / "unisync" / "project.py"
    project.write_text(project.read_text().replace('runtime="python3.13"', 'runtime="python3.8"', 1))
    (copy / "cdktf.out").mkdir()
    (copy / "cdktf.out" / "marker").write_text("previous")
    # WHEN the user synthesizes UniSync
    result = run_main(copy, "unisync")
    # THEN exit 2, one line naming system, environment, field, value, the date and the fix; output untouched
    assert result.returncode == 2
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: [unisync:dev] canvas_sync.runtime = 'python3.8': deprecated by AWS on 2024-10-14")
    assert first.endswith("— fix: use python3.13") and "Traceback" not in result.stderr
    assert (copy / "cdktf.out" / "marker").read_text() == "previous"
