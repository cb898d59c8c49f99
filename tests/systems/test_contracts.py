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
