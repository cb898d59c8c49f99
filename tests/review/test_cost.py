"""python -m review cost: what each resource type costs, from the synthesized JSON."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from review.cost import HOURS, estimate
from review.prices import STALE_AFTER_DAYS, load_prices
from review.registry import load_registry
from review.stacks import load_stacks
from review.usage import USAGE_FILE, load_usage
from tests.review.conftest import run_review, write_stack

PRICES = load_prices("ap-northeast-2")
REGISTRY = load_registry()
USAGE = load_usage(known_environments={"dev", "staging", "prod"}, known_stacks=set(),
                   defaults=REGISTRY.usage_defaults)


def lines(item: dict, resource_type: str) -> list[dict]:
    return [l for l in item["lines"] if l["resource"].startswith(resource_type + ".")]


def price(price_id: str) -> float:
    return PRICES.get(price_id).usd


def estimate_of(tmp_path: Path, resources: dict, environment: str = "dev"):
    write_stack(tmp_path, "synthetic", resources, environment)
    (stack,) = load_stacks(tmp_path, ["synthetic"])
    return estimate(stack, PRICES, USAGE.for_stack("synthetic", environment))


# --- every type is accounted for -------------------------------------------------

def test_every_resource_type_of_every_stack_is_priced_free_or_reviewed_unpriced(synth_out, stack_names):
    missing = {}
    for stack in load_stacks(synth_out):
        for resource_type in stack.resources:
            if REGISTRY.kind(resource_type) is None:
                missing.setdefault(resource_type, []).append(stack.name)
    assert not missing, f"add an entry to review/resource_types.toml for each of these: {missing}"


def test_a_type_in_no_list_is_reported_unpriced_with_its_count_not_as_zero(tmp_path):
    result = estimate_of(tmp_path, {"aws_made_up_thing": {"a": {}, "b": {}}, "aws_kms_key": {"k": {}}})
    assert result.unpriced == {"aws_made_up_thing": 2}
    assert "no entry in resource_types.toml" in result.unpriced_reasons["aws_made_up_thing"]
    assert all(not l.resource.startswith("aws_made_up_thing") for l in result.lines)


def test_a_size_missing_from_the_price_table_is_unpriced_not_free(tmp_path):
    result = estimate_of(tmp_path, {"aws_db_instance": {"db": {"engine": "postgres", "instance_class": "db.x9.huge",
                                                               "allocated_storage": 20, "storage_type": "gp3"}}})
    assert result.unpriced == {"aws_db_instance": 1}
    assert "rds.postgres.db.x9.huge" in result.unpriced_reasons["aws_db_instance"]
    assert result.total == 0


def test_synthesized_stacks_have_nothing_unpriced(cost_json):
    assert {name: item["unpriced"] for name, item in cost_json.items() if item["unpriced"]} == {}


# --- JSON output -----------------------------------------------------------------------

def test_json_has_one_object_per_stack_with_numeric_totals(cost_json, stack_names):
    assert sorted(cost_json) == stack_names
    for item in cost_json.values():
        for key in ("fixed_monthly_usd", "usage_monthly_usd", "total_monthly_usd"):
            assert isinstance(item[key], (int, float)) and not isinstance(item[key], bool)
        assert item["total_monthly_usd"] == pytest.approx(item["fixed_monthly_usd"] + item["usage_monthly_usd"],
                                                          abs=0.011)
        assert item["total_monthly_usd"] > 0
        assert isinstance(item["lines"], list) and isinstance(item["unpriced"], dict)
        assert sum(l["monthly_usd"] for l in item["lines"] if l["kind"] == "fixed") == pytest.approx(
            item["fixed_monthly_usd"], abs=0.05)


def test_json_mode_prints_only_json_on_stdout(synth_out):
    done = run_review("cost", "--json", "--outdir", str(synth_out), "dev")
    assert done.returncode == 0
    assert [item["stack"] for item in json.loads(done.stdout)] == ["dev"]
    assert "warning" not in done.stdout


def test_markdown_shows_subtotals_range_and_total(synth_out):
    done = run_review("cost", "--outdir", str(synth_out), "prod")
    assert done.returncode == 0, done.stderr
    assert "| **fixed (730 h/month)** |" in done.stdout
    assert "| **usage (review/usage.toml)** |" in done.stdout
    assert "| **total** |" in done.stdout
    assert "x 2-6 tasks" in done.stdout          # the backend's autoscaling range
    assert "Unpriced: none." in done.stdout


# --- the traps ---------------------------------------------------------------------------

def test_each_nat_gateway_bills_hours_and_its_public_ipv4(cost_json):
    prod = cost_json["prod"]
    nat_hours = [l for l in lines(prod, "aws_nat_gateway") if l["unit"] == "hours"]
    assert len(nat_hours) == 2
    assert all(l["monthly_usd"] == pytest.approx(HOURS * price("nat.hour"), abs=0.01) for l in nat_hours)
    eips = lines(prod, "aws_eip")
    assert len(eips) == 2 and all(l["unit_price"] == price("ipv4.hour") for l in eips)
    assert len([l for l in lines(cost_json["dev"], "aws_nat_gateway") if l["unit"] == "hours"]) == 1


def test_a_nat_without_our_elastic_ip_still_bills_its_public_ipv4(tmp_path):
    result = estimate_of(tmp_path, {"aws_nat_gateway": {"nat": {"subnet_id": "subnet-1"}}})
    assert [l.item for l in result.lines if l.price_id == "ipv4.hour"] == ["public IPv4 address of the NAT"]


def test_an_internet_facing_alb_bills_one_public_ipv4_per_az(cost_json):
    (ipv4,) = [l for l in lines(cost_json["dev"], "aws_lb") if l["price_id"] == "ipv4.hour"]
    assert ipv4["quantity"] == 2 * HOURS


def test_an_internal_alb_holds_no_public_address(tmp_path):
    result = estimate_of(tmp_path, {"aws_lb": {"lb": {"internal": True, "subnets": ["a", "b"]}}})
    assert [l.price_id for l in result.lines] == ["alb.hour", "alb.lcu"]


def test_tasks_with_a_public_ip_bill_one_ipv4_address_each(tmp_path):
    service = {"desired_count": 2, "task_definition": "${aws_ecs_task_definition.t.arn}",
               "network_configuration": {"assign_public_ip": True, "subnets": ["a"]}}
    result = estimate_of(tmp_path, {"aws_ecs_task_definition": {"t": {"cpu": "256", "memory": "512"}},
                                    "aws_ecs_service": {"s": service}})
    (ipv4,) = [l for l in result.lines if l.price_id == "ipv4.hour"]
    assert ipv4.quantity == 2 * HOURS
    service["network_configuration"]["assign_public_ip"] = False
    private = estimate_of(tmp_path, {"aws_ecs_task_definition": {"t": {"cpu": "256", "memory": "512"}},
                                     "aws_ecs_service": {"s": service}})
    assert [l.price_id for l in private.lines if l.price_id == "ipv4.hour"] == []


def test_service_discovery_bills_the_namespace_zone_and_each_registered_task(tmp_path):
    result = estimate_of(tmp_path, {
        "aws_service_discovery_private_dns_namespace": {"ns": {"name": "unisync.local"}},
        "aws_ecs_task_definition": {"t": {"cpu": "256", "memory": "512"}},
        "aws_ecs_service": {"s": {"desired_count": 2, "task_definition": "${aws_ecs_task_definition.t.arn}",
                                  "service_registries": {"registry_arn": "x"}}}})
    ids = sorted(l.price_id for l in result.lines)
    assert ids == ["cloudmap.instance", "fargate.vcpu + fargate.gb", "route53.zone"]
    assert next(l for l in result.lines if l.price_id == "cloudmap.instance").quantity == 2


def test_multi_az_doubles_rds_instance_and_storage(cost_json):
    dev_instance, dev_storage = lines(cost_json["dev"], "aws_db_instance")
    prod_instance, prod_storage = lines(cost_json["prod"], "aws_db_instance")
    assert dev_instance["unit_price"] == price("rds.postgres.db.t4g.micro")
    assert prod_instance["unit_price"] == pytest.approx(2 * price("rds.postgres.db.t4g.small"))
    assert dev_storage["unit_price"] == price("rds.storage.gp3")
    assert prod_storage["unit_price"] == pytest.approx(2 * price("rds.storage.gp3"))
    assert prod_storage["quantity"] == 50 and prod_storage["quantity_max"] == 100   # storage autoscaling


def test_autoscaling_is_a_min_max_range(cost_json):
    (backend,) = [l for l in lines(cost_json["prod"], "aws_ecs_service") if "1024 CPU" in l["item"]]
    assert (backend["quantity"], backend["quantity_max"]) == (2 * HOURS, 6 * HOURS)
    per_task = 1 * price("fargate.vcpu") + 2 * price("fargate.gb")
    assert backend["unit_price"] == pytest.approx(per_task)
    assert cost_json["prod"]["total_monthly_usd_max"] > cost_json["prod"]["total_monthly_usd"]


def test_redis_bills_every_node(cost_json):
    (prod,) = lines(cost_json["prod"], "aws_elasticache_replication_group")
    (dev,) = lines(cost_json["dev"], "aws_elasticache_replication_group")
    assert prod["quantity"] == 2 * HOURS and dev["quantity"] == HOURS


def test_kms_keys_bill_monthly_each(cost_json, synth_out):
    for stack in load_stacks(synth_out):
        keys = lines(cost_json[stack.name], "aws_kms_key")
        assert len(keys) == len(stack.of_type("aws_kms_key"))
        assert all(l["monthly_usd"] == price("kms.key") for l in keys)


def test_waf_bills_per_acl_and_per_rule(cost_json, synth_out):
    (prod,) = load_stacks(synth_out, ["prod"])
    (acl,) = prod.of_type("aws_wafv2_web_acl").values()
    waf = {l["price_id"]: l for l in lines(cost_json["prod"], "aws_wafv2_web_acl")}
    assert waf["waf.acl"]["monthly_usd"] == price("waf.acl")
    assert waf["waf.rule"]["quantity"] == len(acl["rule"]) > 0
    assert lines(cost_json["dev"], "aws_wafv2_web_acl") == []


def test_eks_bills_the_control_plane_more_in_extended_support(tmp_path):
    standard = estimate_of(tmp_path, {"aws_eks_cluster": {"c": {"version": "1.35"}}})
    extended = estimate_of(tmp_path, {"aws_eks_cluster": {"c": {"version": "1.32"}}})
    assert standard.total == pytest.approx(HOURS * price("eks.cluster"))
    assert extended.total == pytest.approx(HOURS * price("eks.cluster.extended"))
    assert "EXTENDED" in extended.lines[0].item


def test_eks_node_group_is_a_range_of_instances_and_disks(tmp_path):
    result = estimate_of(tmp_path, {"aws_eks_node_group": {"n": {
        "instance_types": ["t3.medium"], "scaling_config": {"min_size": 2, "max_size": 4, "desired_size": 2}}}})
    nodes, disks = result.lines
    assert (nodes.quantity, nodes.quantity_max) == (2 * HOURS, 4 * HOURS)
    assert nodes.unit_price == price("ec2.t3.medium") and disks.price_id == "ebs.gp3"


def test_aurora_bills_instances_storage_and_io(tmp_path):
    result = estimate_of(tmp_path, {
        "aws_rds_cluster": {"c": {"engine": "aurora-mysql"}},
        "aws_rds_cluster_instance": {"w": {"engine": "aurora-mysql", "instance_class": "db.t3.medium"},
                                     "r": {"engine": "aurora-mysql", "instance_class": "db.t3.medium"}}})
    ids = sorted(l.price_id for l in result.lines)
    assert ids == ["aurora-mysql.db.t3.medium", "aurora-mysql.db.t3.medium", "aurora.io", "aurora.storage"]
    assert result.subtotal("fixed") == pytest.approx(2 * HOURS * price("aurora-mysql.db.t3.medium"))


def test_an_aurora_instance_that_takes_its_engine_from_its_cluster_is_priced_by_the_clusters_engine(tmp_path):
    # GIVEN an instance whose engine is a reference to its cluster's (as RdsDatabase writes it)
    result = estimate_of(tmp_path, {
        "aws_rds_cluster": {"c": {"engine": "aurora-mysql"}},
        "aws_rds_cluster_instance": {"w": {"engine": "${aws_rds_cluster.c.engine}", "instance_class": "db.t4g.medium"}}})
    # THEN it is priced as that engine's class, not reported unpriced
    assert "aurora-mysql.db.t4g.medium" in [l.price_id for l in result.lines]
    assert result.unpriced == {}


def test_lambda_and_sqs_are_usage_from_the_usage_file(tmp_path):
    result = estimate_of(tmp_path, {"aws_lambda_function": {"f": {"memory_size": 1024}},
                                    "aws_sqs_queue": {"q": {"name": "q"}}})
    usage = USAGE.for_stack("synthetic", "dev")
    gb_seconds = usage["lambda_invocations_million"] * 1e6 * usage["lambda_average_duration_ms"] / 1000
    compute = next(l for l in result.lines if l.price_id == "lambda.gbs")
    assert compute.quantity == pytest.approx(gb_seconds) and compute.kind == "usage"
    assert result.subtotal("fixed") == 0


def test_fargate_spot_share_is_priced_at_the_spot_rate(tmp_path):
    result = estimate_of(tmp_path, {
        "aws_ecs_task_definition": {"t": {"cpu": "1024", "memory": "2048"}},
        "aws_ecs_service": {"s": {"desired_count": 2, "task_definition": "${aws_ecs_task_definition.t.arn}",
                                  "capacity_provider_strategy": [{"capacity_provider": "FARGATE_SPOT",
                                                                  "weight": 1}]}}})
    (line,) = result.lines
    assert line.unit_price == pytest.approx(price("fargate.spot.vcpu") + 2 * price("fargate.spot.gb"))


# --- compare --------------------------------------------------------------------------------

def test_compare_prints_the_per_stack_difference(synth_out, tmp_path):
    base = tmp_path / "base"
    shutil.copytree(synth_out / "stacks", base / "stacks")
    # the base had one NAT gateway fewer in prod, and no dev stack at all
    prod_file = base / "stacks" / "prod" / "cdk.tf.json"
    document = json.loads(prod_file.read_text())
    document["resource"]["aws_nat_gateway"].pop(sorted(document["resource"]["aws_nat_gateway"])[-1])
    prod_file.write_text(json.dumps(document))
    shutil.rmtree(base / "stacks" / "dev")

    done = run_review("cost", "--json", "--outdir", str(synth_out), "--compare", str(base))
    assert done.returncode == 0, done.stderr
    rows = {r["stack"]: r for r in json.loads(done.stdout)}
    nat_hours_and_data = HOURS * price("nat.hour") + USAGE.for_stack("prod", "prod")["nat_gb"] * price("nat.gb")
    assert rows["prod"]["diff_monthly_usd"] == pytest.approx(nat_hours_and_data, abs=0.02)
    assert rows["prod"]["status"] == "changed"
    assert rows["dev"]["status"] == "added" and rows["dev"]["base_monthly_usd"] == 0
    assert rows["staging"]["diff_monthly_usd"] == 0

    text = run_review("cost", "--outdir", str(synth_out), "--compare", str(base)).stdout
    assert "| prod |" in text and "Total difference:" in text


# --- bad input --------------------------------------------------------------------------------

def _usage_copy(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "usage.toml"
    text = USAGE_FILE.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize("old, new, phrases", [
    ("[environment.prod]\nnat_gb = 50", "[environment.prod]\nnat_gbs = 50", ["nat_gbs", "unknown usage key",
                                                                            "did you mean nat_gb"]),
    ("[environment.prod]\nnat_gb = 50", "[environment.prod]\nnat_gb = -5", ["nat_gb", "-5", "number >= 0"]),
    ("[environment.prod]", "[environment.porod]", ["environment.porod", "no such environment"]),
    ("[environment.prod]\nnat_gb = 50", "[default]\nnat_gb = \"lots\"\n[environment.prod]",
     ["nat_gb", "lots", "number >= 0"]),
])
def test_a_typo_in_the_usage_file_is_one_line_and_exit_2(synth_out, tmp_path, old, new, phrases):
    usage = _usage_copy(tmp_path, old, new)
    done = run_review("cost", "--outdir", str(synth_out), "--usage", str(usage))
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    for phrase in phrases:
        assert phrase in line


def test_the_registry_defaults_hold_where_the_usage_file_overrides_nothing(tmp_path):
    # GIVEN a usage file that overrides only prod's NAT traffic, and one with a [default] for every stack
    only_prod = tmp_path / "only-prod.toml"
    only_prod.write_text("[environment.prod]\nnat_gb = 50\n")
    usage = load_usage(only_prod, known_environments={"dev", "prod"}, known_stacks=set(),
                       defaults=REGISTRY.usage_defaults)
    # THEN every other key and environment has the default of the type that declares it
    assert usage.for_stack("x", "dev") == REGISTRY.usage_defaults
    assert REGISTRY.get("aws_nat_gateway").usage == {"nat_gb": 20.0}
    assert usage.for_stack("x", "prod")["nat_gb"] == 50 and usage.for_stack("x", "prod")["s3_gb"] == 10
    everywhere = tmp_path / "default.toml"
    everywhere.write_text("[default]\ns3_gb = 99\n")
    assert load_usage(everywhere, known_environments=set(), known_stacks=set(),
                      defaults=REGISTRY.usage_defaults).for_stack("x", "dev")["s3_gb"] == 99


def test_missing_synth_output_is_one_line_and_exit_2(tmp_path):
    done = run_review("cost", "--outdir", str(tmp_path / "nothing"))
    assert done.returncode == 2 and "make synth" in done.stderr and "Traceback" not in done.stderr


# --- the price table ----------------------------------------------------------------------------

def test_every_price_names_its_source_and_unit():
    assert PRICES.prices
    for entry in PRICES.prices.values():
        assert entry.offer and entry.usage_type and entry.unit, entry.id
        assert entry.usd > 0, entry.id
    assert "not verified" in PRICES.source or "Price List API" in PRICES.source


def test_a_table_older_than_180_days_warns_and_a_fresh_one_does_not():
    assert PRICES.stale_warning(PRICES.as_of + dt.timedelta(days=STALE_AFTER_DAYS)) is None
    warning = PRICES.stale_warning(PRICES.as_of + dt.timedelta(days=STALE_AFTER_DAYS + 1))
    assert "181 days old" in warning and "refresh-prices --region ap-northeast-2" in warning


def test_the_stale_warning_goes_to_stderr_not_into_the_json(synth_out):
    done = run_review("cost", "--json", "--outdir", str(synth_out), "dev")
    stale = PRICES.stale_warning() is not None
    assert ("warning: the ap-northeast-2 price table" in done.stderr) == stale
    json.loads(done.stdout)


def test_refresh_rewrites_prices_and_date_from_the_price_list(tmp_path, monkeypatch):
    from review import prices as prices_module
    from review import refresh
    copy = tmp_path / "ap-northeast-2.toml"
    copy.write_text(PRICES.path.read_text())
    monkeypatch.setattr(prices_module, "PRICES_DIR", tmp_path)

    class FakePricing:
        def get_paginator(self, name):
            return self

        def paginate(self, ServiceCode, Filters):
            usage_type = next(f["Value"] for f in Filters if f["Field"] == "usagetype")
            usd = "0.0610" if usage_type == "APN2-NatGateway-Hours" else str(
                next(p.usd for p in PRICES.prices.values() if p.usage_type == usage_type and p.offer == ServiceCode
                     and all({"Field": k, "Value": v, "Type": "TERM_MATCH"} in Filters for k, v in p.filters.items())))
            product = {"terms": {"OnDemand": {"t": {"priceDimensions": {"d": {"pricePerUnit": {"USD": usd}}}}}}}
            return [{"PriceList": [json.dumps(product)]}]

    assert refresh.refresh_prices("ap-northeast-2", client=FakePricing()) == 0
    refreshed = load_prices("ap-northeast-2", copy)
    assert refreshed.get("nat.hour").usd == 0.061
    assert refreshed.get("nat.gb").usd == PRICES.get("nat.gb").usd
    assert refreshed.as_of == dt.date.today()
    assert PRICES.path.read_text() != copy.read_text()
