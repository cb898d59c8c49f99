"""The delivery workflows (.github/workflows/apply.yml, drift.yml) and the apply role (.github/apply-role/):
what runs when, with which permissions, through which GitHub environment, and what the role may do.
actionlint checks every workflow (tests/review/test_workflow.py, make lint-workflows)."""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
APPLY_ROLE = ROOT / ".github" / "apply-role"
STAGES = ["dev", "staging", "prod"]


@pytest.fixture(scope="module")
def apply() -> dict:
    return yaml.safe_load((WORKFLOWS / "apply.yml").read_text())


@pytest.fixture(scope="module")
def drift() -> dict:
    return yaml.safe_load((WORKFLOWS / "drift.yml").read_text())


def runs(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def role(job: dict) -> str:
    (credentials,) = [s for s in job["steps"] if "configure-aws-credentials" in s.get("uses", "")]
    return credentials["with"]["role-to-assume"]


# --------------------------------------------------------------------------- apply.yml


def test_apply_runs_after_a_merge_to_main_one_run_at_a_time_never_cancelled(apply):
    assert apply[True]["push"] == {"branches": ["main"]}
    assert set(apply[True]["workflow_dispatch"]["inputs"]) == {"base", "allow_replace", "allow_removed"}
    assert apply["permissions"] == {"contents": "read"}
    assert apply["concurrency"] == {"group": "apply", "cancel-in-progress": False}
    assert apply["jobs"]["synth"]["if"] == "github.ref == 'refs/heads/main'"


def test_the_affected_stacks_against_the_previous_commit_one_list_per_environment(apply):
    synth = apply["jobs"]["synth"]
    (base,) = [s for s in synth["steps"] if "git worktree add" in s.get("run", "")]
    assert base["env"]["BASE"] == "${{ github.event.before || inputs.base || 'HEAD~1' }}"
    (affected,) = [s for s in synth["steps"] if s.get("id") == "affected"]
    assert "-m review affected --base base/cdktf.out --head cdktf.out --stages dev,staging,prod" in affected["run"]
    assert "--all-without-base" not in affected["run"]  # an apply never guesses: the base must synthesize
    assert synth["outputs"] == {name: f"${{{{ steps.affected.outputs.{name} }}}}"
                                for name in ["stacks", "removed", *STAGES]}


def test_every_affected_stack_is_planned_read_only_on_the_merge_commit_and_checked(apply):
    plan = apply["jobs"]["plan"]
    assert plan["needs"] == "synth" and plan["strategy"]["matrix"]["include"] == "${{ fromJSON(needs.synth.outputs.stacks) }}"
    assert plan["permissions"] == {"contents": "read", "id-token": "write"}
    assert "environment" not in plan  # the reviewer sees the plan before approving prod's apply
    assert role(plan).endswith("role/terraform-plan-${{ matrix.environment }}")
    text = runs(plan)
    assert re.search(r"terraform plan .*-lock=false .*-out=tfplan", text)
    assert "-m review plan-policy" in text and '--allow-replace "$ALLOW_REPLACE"' in text and "--stage" not in text
    assert "-m review plan-manifest write" in text and '--commit "$GITHUB_SHA"' in text and "--encrypt" in text
    (policy,) = [s for s in plan["steps"] if "plan-policy" in s.get("run", "")]
    assert policy["env"]["ALLOW_REPLACE"] == "${{ inputs.allow_replace }}"
    (upload,) = [s for s in plan["steps"] if "upload-artifact" in s.get("uses", "")]
    assert upload["with"]["name"] == "plan-${{ matrix.stack }}"
    stored = upload["with"]["path"].splitlines()
    assert [p.rsplit("/", 1)[1] for p in stored] == ["plan-manifest.json", "tfplan.enc", ".terraform.lock.hcl"]
    assert upload["with"]["include-hidden-files"] is True  # .terraform.lock.hcl


@pytest.mark.parametrize("stage", STAGES)
def test_each_environment_applies_through_its_github_environment_and_apply_role(apply, stage):
    job = apply["jobs"][f"apply-{stage}"]
    assert job["environment"] == stage
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    assert role(job) == f"arn:aws:iam::${{{{ vars.AWS_ACCOUNT_ID }}}}:role/terraform-apply-{stage}"
    assert "strategy" not in job  # one job per environment: one approval, the stacks one after the other
    (step,) = [s for s in job["steps"] if "-m review apply" in s.get("run", "")]
    assert step["env"]["STACKS"] == f"${{{{ needs.synth.outputs.{stage} }}}}"
    assert '--commit "$GITHUB_SHA"' in step["run"] and "--encrypted" in step["run"]
    assert step["env"]["PLAN_ARTIFACT_KEY"] == "${{ secrets.PLAN_ARTIFACT_KEY }}"


def test_nothing_is_applied_before_every_plan_passed_and_environments_go_dev_staging_prod(apply):
    jobs = apply["jobs"]
    assert jobs["apply-dev"]["needs"] == ["synth", "plan"]
    assert jobs["apply-staging"]["needs"] == ["synth", "apply-dev"]
    assert jobs["apply-prod"]["needs"] == ["synth", "apply-staging"]
    assert jobs["apply-dev"]["if"] == "needs.synth.outputs.dev != '[]'"
    for stage in ("staging", "prod"):  # an empty earlier stage is skipped, a failed one stops the rest
        assert jobs[f"apply-{stage}"]["if"] == (
            f"${{{{ !failure() && !cancelled() && needs.synth.outputs.{stage} != '[]' }}}}")


def test_a_removed_stack_fails_the_apply_run(apply):
    removed = apply["jobs"]["removed"]
    assert removed["if"] == "needs.synth.outputs.removed != '[]'"
    assert runs(removed).strip() == 'python -m review removed "$REMOVED"'


def test_no_workflow_input_reaches_a_shell_unquoted(apply, drift):
    for workflow in (apply, drift):
        for job in workflow["jobs"].values():
            for step in job["steps"]:
                assert "${{" not in step.get("run", ""), step


# --------------------------------------------------------------------------- drift.yml


def test_drift_runs_every_day_on_every_stack_with_the_read_only_role(drift):
    assert [c["cron"] for c in drift[True]["schedule"]] == ["0 21 * * *"]
    assert "workflow_dispatch" in drift[True] and drift["permissions"] == {"contents": "read"}
    synth = drift["jobs"]["synth"]
    assert "-m review stacks --github-output" in runs(synth)
    job = drift["jobs"]["drift"]
    assert job["strategy"]["matrix"]["include"] == "${{ fromJSON(needs.synth.outputs.stacks) }}"
    assert job["strategy"]["fail-fast"] is False
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    assert role(job).endswith("role/terraform-plan-${{ matrix.environment }}")
    assert "-m review drift --stack-dir" in runs(job)
    (upload,) = [s for s in job["steps"] if "upload-artifact" in s.get("uses", "")]
    assert upload["if"] == "always()"


def test_the_drift_report_lists_every_stack_and_fails_the_run(drift):
    report = drift["jobs"]["report"]
    assert report["needs"] == ["synth", "drift"]
    assert report["if"] == "${{ always() && needs.synth.result == 'success' }}"
    text = runs(report)
    assert "-m review drift-report --results drift --expect \"$STACKS\"" in text and "GITHUB_STEP_SUMMARY" in text


# --------------------------------------------------------------------------- the apply role


def statements(name: str) -> list[dict]:
    return json.loads((APPLY_ROLE / name).read_text())["Statement"]


def test_only_the_apply_job_of_one_github_environment_may_assume_an_apply_role():
    (statement,) = statements("trust-policy.json")
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"]["Federated"].endswith(":oidc-provider/token.actions.githubusercontent.com")
    assert statement["Condition"] == {"StringEquals": {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:<OWNER>/<REPOSITORY>:environment:<ENVIRONMENT>"}}


def actions_of(statement: dict) -> list[str]:
    found = statement["Action"]
    return [found] if isinstance(found, str) else found


# What the provider calls for each resource type's service (IAM prefixes), by type prefix, longest first.
SERVICE = [("aws_acm_", "acm"), ("aws_appautoscaling_", "application-autoscaling"), ("aws_autoscaling_", "autoscaling"),
           ("aws_cloudwatch_event_", "events"), ("aws_cloudwatch_log_", "logs"), ("aws_cloudwatch_", "cloudwatch"),
           ("aws_codebuild_", "codebuild"), ("aws_codepipeline", "codepipeline"),
           ("aws_codestarconnections_", "codestar-connections"), ("aws_db_", "rds"), ("aws_rds_", "rds"),
           ("aws_ecr_", "ecr"), ("aws_ecs_", "ecs"), ("aws_eks_", "eks"), ("aws_elasticache_", "elasticache"),
           ("aws_lb", "elasticloadbalancing"), ("aws_kms_", "kms"), ("aws_lambda_", "lambda"),
           ("aws_route53_", "route53"), ("aws_s3_", "s3"), ("aws_scheduler_", "scheduler"),
           ("aws_secretsmanager_", "secretsmanager"), ("aws_service_discovery_", "servicediscovery"),
           ("aws_sns_", "sns"), ("aws_sqs_", "sqs"), ("aws_wafv2_", "wafv2"), ("aws_iam_", "iam"),
           ("aws_default_security_group", "ec2"), ("aws_security_group", "ec2"), ("aws_vpc", "ec2"),
           ("aws_subnet", "ec2"), ("aws_route", "ec2"), ("aws_internet_gateway", "ec2"), ("aws_nat_gateway", "ec2"),
           ("aws_eip", "ec2"), ("aws_flow_log", "ec2"), ("aws_launch_template", "ec2"),
           ("aws_accessanalyzer_", "access-analyzer"), ("aws_backup_", "backup"), ("aws_budgets_", "budgets"),
           ("aws_cloudtrail", "cloudtrail"), ("aws_guardduty_", "guardduty")]


def test_the_apply_role_may_manage_every_resource_type_the_stacks_declare(all_stacks_output):
    allowed = {a.split(":")[0] for s in statements("apply-policy.json") if s["Effect"] == "Allow" for a in actions_of(s)}
    types = {t for path in (all_stacks_output / "stacks").glob("*/cdk.tf.json")
             for t in json.loads(path.read_text()).get("resource", {})}
    unmapped = sorted(t for t in types if not any(t.startswith(prefix) for prefix, _ in SERVICE))
    assert not unmapped, f"map these resource types to their IAM service in SERVICE: {unmapped}"
    services = {next(s for prefix, s in SERVICE if t.startswith(prefix)) for t in types}
    assert services - allowed == set()


def test_the_apply_role_writes_only_its_environments_state_buckets_and_roles(all_stacks_output):
    policy = {s["Sid"]: s for s in statements("apply-policy.json")}
    assert "*" not in [a for s in policy.values() for a in actions_of(s)]
    assert policy["TheStateOfThisEnvironmentOnly"]["Resource"] == "arn:aws:s3:::*-terraform-state/<ENVIRONMENT>/*"
    wide = policy["ManageWhatTheStacksDeclareInTheirRegions"]
    assert wide["Condition"] == {"StringEquals": {"aws:RequestedRegion": ["ap-northeast-1", "ap-northeast-2", "us-east-1"]}}
    assert not [a for a in actions_of(wide) if a.startswith(("iam:", "s3:", "dynamodb:", "organizations:", "sts:"))]
    for path in (all_stacks_output / "stacks").glob("*/cdk.tf.json"):
        document = json.loads(path.read_text())
        env = document["provider"]["aws"][0]["default_tags"][0]["tags"]["Environment"]
        backend = document["terraform"]["backend"]["s3"]
        assert fnmatch.fnmatch(f"{backend['bucket']}/{backend['key']}", f"*-terraform-state/{env}/*"), path
        assert fnmatch.fnmatch(backend["dynamodb_table"], "*-terraform-locks"), path
        for bucket in document["resource"].get("aws_s3_bucket", {}).values():
            name = bucket["bucket"].replace("${data.aws_caller_identity.account.account_id}", "<ACCOUNT_ID>")
            assert fnmatch.fnmatch(name, f"*-{env}-<ACCOUNT_ID>"), (path, name)
        for role_ in document["resource"].get("aws_iam_role", {}).values():
            assert fnmatch.fnmatch(role_["name"], f"*-{env}") and not role_["name"].startswith("terraform-"), role_


def test_the_apply_role_can_never_touch_the_pipeline_itself():
    denied = [s for s in statements("apply-policy.json") if s["Effect"] == "Deny"]
    by_sid = {s["Sid"]: s for s in denied}
    assert by_sid["NeverThePipelinesOwnRoles"]["Resource"] == "arn:aws:iam::<ACCOUNT_ID>:role/terraform-*"
    assert {"s3:DeleteBucket", "dynamodb:DeleteTable"} <= set(by_sid["NeverTheStateStoreItself"]["Action"])
    assert {"iam:CreateUser", "iam:CreateAccessKey"} <= set(by_sid["NoPeopleOrLongLivedKeys"]["Action"])
