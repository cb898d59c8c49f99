"""Every stack keeps its system's contract (what its document's application expects), every system's
README carries the contract as the app team's reference, and the check finds a broken stack."""

from __future__ import annotations

import copy
import importlib
import json

import pytest

from modules.contract import check, render
from systems import SYSTEMS

WITH_CONTRACT = [s for s in SYSTEMS if s.name != "account"]
STACKS = [(s, env) for s in WITH_CONTRACT for env in s.environments]


def contract_of(system):
    return importlib.import_module(f"systems.{system.package}.contract").CONTRACT


def document(all_stacks_output, name: str) -> dict:
    return json.loads((all_stacks_output / "stacks" / name / "cdk.tf.json").read_text())


def test_every_product_system_has_a_contract():
    assert WITH_CONTRACT and all(contract_of(s).system == s.name for s in WITH_CONTRACT)


@pytest.mark.parametrize("system, env", STACKS, ids=[s.stack_name(e) for s, e in STACKS])
def test_the_stack_keeps_its_systems_contract(all_stacks_output, system, env):
    assert check(contract_of(system), document(all_stacks_output, system.stack_name(env)), env) == []


@pytest.mark.parametrize("system", WITH_CONTRACT, ids=[s.name for s in WITH_CONTRACT])
def test_the_systems_readme_carries_the_contract(system):
    readme = (__import__("pathlib").Path(__file__).resolve().parents[2] / "systems" / system.package / "README.md").read_text()
    assert render(contract_of(system)) in readme, (
        f"systems/{system.package}/README.md: paste the contract (python -m modules.contract {system.name})")


def _container(doc: dict, family_prefix: str) -> tuple[dict, dict, list]:
    task = next(t for t in doc["resource"]["aws_ecs_task_definition"].values() if t["family"].startswith(family_prefix))
    containers = json.loads(task["container_definitions"])
    return task, containers[0], containers


def test_a_missing_variable_or_a_plain_secret_is_found(all_stacks_output):
    contract = contract_of(next(s for s in SYSTEMS if s.name == "codemate"))
    doc = copy.deepcopy(document(all_stacks_output, "dev"))
    task, container, containers = _container(doc, "codemate-backend")
    container["environment"] = [e for e in container["environment"] if e["name"] != "AWS_REGION"]
    container["secrets"] = [s for s in container["secrets"] if s["name"] != "DATABASE_PASSWORD"]
    container["environment"].append({"name": "DATABASE_PASSWORD", "value": "hunter2"})
    task["container_definitions"] = json.dumps(containers)
    problems = check(contract, doc, "dev")
    assert "service backend: no environment variable AWS_REGION" in problems
    assert ("service backend: no secret variable DATABASE_PASSWORD (it is a plain value: secrets only through "
            "Secrets Manager)") in problems


def test_a_missing_service_or_a_wrong_handler_is_found(all_stacks_output):
    doc = copy.deepcopy(document(all_stacks_output, "unisync-dev"))
    doc["resource"]["aws_ecs_service"] = {k: v for k, v in doc["resource"]["aws_ecs_service"].items()
                                          if v["name"] != "unisync-user-service-service"}
    for fn in doc["resource"]["aws_lambda_function"].values():
        fn["handler"] = "handler.handle"
    problems = check(contract_of(next(s for s in SYSTEMS if s.name == "unisync")), doc, "dev")
    assert "service user-service: no ECS service named unisync-user-service-service" in problems
    assert ("function canvas-sync: handler 'handler.handle', the contract's is 'src.handler.lambda_handler'"
            in problems)


def test_a_wrong_fixed_value_is_found(all_stacks_output):
    doc = copy.deepcopy(document(all_stacks_output, "unisync-prod"))
    task, container, containers = _container(doc, "unisync-api-gateway")
    for e in container["environment"]:
        if e["name"] == "SPRING_PROFILES_ACTIVE":
            e["value"] = "aws"
    task["container_definitions"] = json.dumps(containers)
    problems = check(contract_of(next(s for s in SYSTEMS if s.name == "unisync")), doc, "prod")
    assert problems == ["service api-gateway: SPRING_PROFILES_ACTIVE = 'aws', the document's value is 'prod'"]


def _schedules(doc: dict) -> dict:
    return doc["resource"]["aws_scheduler_schedule"]


def test_a_function_run_on_another_schedule_than_the_contracts_is_found(all_stacks_output):
    contract = contract_of(next(s for s in SYSTEMS if s.name == "openmarket"))
    doc = copy.deepcopy(document(all_stacks_output, "openmarket-prod"))
    report = next(s for s in _schedules(doc).values() if s["name"] == "openmarket-daily-report-prod")
    report["schedule_expression_timezone"] = "UTC"  # midnight in London is 09:00 in Seoul
    assert check(contract, doc, "prod") == [
        "function report-generator: schedule 'openmarket-daily-report-prod' is 'cron(0 0 * * ? *) UTC', "
        "the contract's is 'cron(0 0 * * ? *) Asia/Seoul'"]
    sync = next(s for s in _schedules(doc).values() if s["name"] == "openmarket-hourly-sync-prod")
    sync["schedule_expression"] = "rate(2 hours)"
    assert ("function data-sync: schedule 'openmarket-hourly-sync-prod' is 'rate(2 hours)', the contract's is "
            "'rate(1 hour)'") in check(contract, doc, "prod")


def test_a_scheduled_function_nothing_invokes_is_found_and_dev_keeps_its_working_hours(all_stacks_output):
    contract = contract_of(next(s for s in SYSTEMS if s.name == "openmarket"))
    doc = copy.deepcopy(document(all_stacks_output, "openmarket-dev"))
    doc["resource"]["aws_scheduler_schedule"] = {k: v for k, v in _schedules(doc).items()
                                                 if v["name"] != "openmarket-hourly-sync-dev"}
    assert check(contract, doc, "dev") == [
        "function data-sync: no schedule invokes it, the contract's is 'cron(30 9-17 ? * MON-FRI *) Asia/Seoul'"]
    # dev's schedule is its deviation, not the document's: the document's midnight run would find the database stopped
    report = next(s for s in _schedules(doc).values() if s["name"] == "openmarket-daily-report-dev")
    report["schedule_expression"] = "cron(0 0 * * ? *)"
    assert ("function report-generator: schedule 'openmarket-daily-report-dev' is 'cron(0 0 * * ? *) Asia/Seoul', "
            "the contract's is 'cron(30 9 ? * MON-FRI *) Asia/Seoul'") in check(contract, doc, "dev")
