"""The pull-request workflow (.github/workflows/plan.yml) and its read-only plan role."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "plan.yml"
ROLE = ROOT / ".github" / "plan-role"
ACTIONLINT = Path(sys.executable).parent / "actionlint"
READ_VERBS = ("Get", "List", "Describe")


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def _actionlint(*paths: Path) -> subprocess.CompletedProcess:
    assert ACTIONLINT.exists(), "actionlint is missing from the venv: make install (pyproject.toml [dev])"
    return subprocess.run([str(ACTIONLINT), "-color=false", *map(str, paths)], capture_output=True, text=True)


def test_actionlint_passes_on_every_workflow():
    done = _actionlint(*sorted((ROOT / ".github" / "workflows").glob("*.yml")))
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text("on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n"
                      "      - run: echo ${{ github.event.pull_request.title }}\n"
                      "      - uses: actions/checkout@v5\n        with:\n          no-such-input: 1\n")
    done = _actionlint(broken)
    assert done.returncode == 1
    assert "no-such-input" in done.stdout and "untrusted" in done.stdout


def test_runs_on_pull_requests_with_read_only_repository_access(workflow):
    assert set(workflow[True]) == {"pull_request"}   # YAML 1.1 reads the key `on` as True
    assert workflow["permissions"] == {"contents": "read"}


def test_make_test_is_a_job_of_its_own(workflow):
    steps = workflow["jobs"]["test"]["steps"]
    assert any(s.get("run") == "make test" for s in steps)
    # nothing but the project's own files sets the machine up: no system package
    assert not [s for s in steps if "apt-get" in s.get("run", "") or "graphviz" in s.get("run", "")]


def test_the_plan_matrix_holds_only_the_stacks_the_change_touches(workflow):
    # python -m review affected: the base branch's synth against this one's, in main.py --list --json order
    synth = workflow["jobs"]["synth"]
    runs = "\n".join(s.get("run", "") for s in synth["steps"])
    assert "make synth" in runs and "make -C base synth" in runs
    (affected,) = [s for s in synth["steps"] if s.get("id") == "affected"]
    assert affected["run"].startswith(".venv/bin/python -m review affected --base base/cdktf.out --head cdktf.out ")
    assert "--github-output \"$GITHUB_OUTPUT\"" in affected["run"] and "--all-without-base" in affected["run"]
    assert synth["outputs"]["stacks"] == "${{ steps.affected.outputs.stacks }}"
    plan = workflow["jobs"]["plan"]
    assert plan["strategy"]["matrix"]["include"] == "${{ fromJSON(needs.synth.outputs.stacks) }}"
    assert plan["if"] == "needs.synth.outputs.stacks != '[]'"


def test_a_removed_stack_fails_the_pull_request_until_approved_by_label(workflow):
    assert set(workflow[True]["pull_request"]["types"]) >= {"labeled", "unlabeled", "synchronize"}
    removed = workflow["jobs"]["removed"]
    assert removed["if"] == "needs.synth.outputs.removed != '[]'"
    assert removed["steps"][-1]["run"] == 'python -m review removed "$REMOVED"'
    (affected,) = [s for s in workflow["jobs"]["synth"]["steps"] if s.get("id") == "affected"]
    assert affected["env"]["LABELS"] == "${{ join(github.event.pull_request.labels.*.name, ',') }}"


def test_every_plan_gets_the_plan_policy_verdict(workflow):
    steps = workflow["jobs"]["plan"]["steps"]
    (check,) = [s for s in steps if "plan-policy" in s.get("run", "")]
    assert "terraform -chdir=" in check["run"] and "show -json tfplan" in check["run"]
    assert "--stage pr" in check["run"] and '--environment "$ENVIRONMENT"' in check["run"]
    assert steps.index(check) > next(i for i, s in enumerate(steps) if "terraform plan" in s.get("run", ""))


def test_each_stack_is_planned_with_the_read_only_role_of_its_environment(workflow):
    plan = workflow["jobs"]["plan"]
    assert plan["permissions"] == {"contents": "read", "id-token": "write"}
    credentials = next(s for s in plan["steps"] if "configure-aws-credentials" in s.get("uses", ""))
    assert credentials["with"]["role-to-assume"].endswith("role/terraform-plan-${{ matrix.environment }}")
    runs = "\n".join(s.get("run", "") for s in plan["steps"])
    assert "terraform init" in runs
    assert re.search(r"terraform plan .*-lock=false", runs)      # the role cannot write the lock
    assert "GITHUB_STEP_SUMMARY" in runs


def test_cost_difference_and_diagrams_are_attached(workflow):
    steps = workflow["jobs"]["synth"]["steps"]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "-m review cost --compare" in runs and "GITHUB_STEP_SUMMARY" in runs
    assert "-m review diagram" in runs
    upload = next(s for s in steps if "upload-artifact" in s.get("uses", ""))
    assert "cdktf.out/diagrams" in upload["with"]["path"]


def _statements(name: str) -> list[dict]:
    document = json.loads((ROLE / name).read_text())
    return document["Statement"]


def test_the_plan_role_policy_only_reads():
    actions = []
    for statement in _statements("read-only-policy.json"):
        assert statement["Effect"] == "Allow"
        found = statement["Action"]
        actions.extend([found] if isinstance(found, str) else found)
    assert actions
    for action in actions:
        service, verb = action.split(":")
        assert "*" not in action, action
        assert verb.startswith(READ_VERBS) or action == "kms:Decrypt", action
    assert not any(a.startswith("dynamodb:") and not a.split(":")[1].startswith(READ_VERBS) for a in actions)


def test_kms_decrypt_only_through_secrets_manager():
    (statement,) = [s for s in _statements("read-only-policy.json") if s["Action"] == "kms:Decrypt"]
    assert statement["Condition"]["StringEquals"]["kms:ViaService"].startswith("secretsmanager.")


def test_only_pull_requests_and_the_main_branch_of_one_repository_may_assume_the_role():
    # main: the plans of apply.yml and the drift detection (drift.yml) read with it too
    (statement,) = _statements("trust-policy.json")
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"]["Federated"].endswith(":oidc-provider/token.actions.githubusercontent.com")
    condition = statement["Condition"]["StringEquals"]
    assert condition["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    assert condition["token.actions.githubusercontent.com:sub"] == [
        "repo:<OWNER>/<REPOSITORY>:pull_request", "repo:<OWNER>/<REPOSITORY>:ref:refs/heads/main"]
