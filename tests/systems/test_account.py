"""The account baseline (issue "account baseline"): one account stack per AWS account holds the account's
singletons; no environment stack creates one; every stack has a budget derived from its own estimate;
an environment can live in an account of its own; prod databases keep their backups in a second region."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

import main
from environments import load
from modules.account.budget import PENDING_LIMIT, BudgetSettleError, budget_limit
from modules.account.options import AwsAccount, BudgetOptions
from modules.errors import ConfigError
from review.report import monthly_estimate
from systems import BY_NAME, SYSTEMS

SINGLETONS = ("aws_iam_openid_connect_provider", "aws_cloudtrail", "aws_guardduty_detector",
              "aws_accessanalyzer_analyzer")
ACCOUNT_STACKS = [BY_NAME["account"].stack_name(env) for env in BY_NAME["account"].environments]
STACKS = [s.stack_name(env) for s in SYSTEMS for env in s.environments]
ENVIRONMENT_STACKS = [name for name in STACKS if name not in ACCOUNT_STACKS]


@pytest.fixture(scope="module")
def shared(all_stacks_output):
    from tests.support import Synth

    return Synth((all_stacks_output / "stacks" / "account-shared" / "cdk.tf.json").read_text())


# -- the account stack -----------------------------------------------------------------------------

def test_the_account_stack_holds_one_of_each_singleton(shared):
    assert {t: shared.count(t) for t in SINGLETONS} == {t: 1 for t in SINGLETONS}
    provider = shared.one("aws_iam_openid_connect_provider")
    assert provider["url"] == "https://token.actions.githubusercontent.com"
    assert provider["client_id_list"] == ["sts.amazonaws.com"]
    assert shared.one("aws_guardduty_detector")["enable"] is True
    assert shared.one("aws_accessanalyzer_analyzer")["type"] == "ACCOUNT"


def test_the_trail_covers_every_region_validates_its_files_and_encrypts_them_with_its_own_key(shared):
    trail = shared.one("aws_cloudtrail")
    assert trail["is_multi_region_trail"] is True and trail["include_global_service_events"] is True
    assert trail["enable_log_file_validation"] is True
    key = shared.by_path("aws_kms_key", "trail/key")
    assert trail["kms_key_id"] == shared.ref("aws_kms_key", key, "arn") and key["enable_key_rotation"] is True
    statements = {s["Sid"]: s for s in json.loads(key["policy"])["Statement"]}
    assert statements["CloudTrailEncryptsLogs"]["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert statements["CloudTrailEncryptsLogs"]["Action"] == ["kms:GenerateDataKey"]
    assert not [s for s in statements.values() if "*" in json.dumps(s["Action"])]
    assert trail["cloud_watch_logs_group_arn"].endswith(":*")


def test_the_trail_bucket_is_tls_only_versioned_access_logged_and_expires_on_a_lifecycle(shared):
    bucket = shared.by_path("aws_s3_bucket", "trail/bucket")
    ref = shared.ref("aws_s3_bucket", bucket)
    policy = json.loads(next(p for p in shared.resources("aws_s3_bucket_policy").values() if p["bucket"] == ref)["policy"])
    sids = {s["Sid"]: s for s in policy["Statement"]}
    assert sids["DenyInsecureTransport"]["Effect"] == "Deny"
    assert sids["CloudTrailWrite"]["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert next(v for v in shared.resources("aws_s3_bucket_versioning").values()
                if v["bucket"] == ref)["versioning_configuration"] == {"status": "Enabled"}
    assert next(l for l in shared.resources("aws_s3_bucket_logging").values() if l["bucket"] == ref)
    lifecycle = next(l for l in shared.resources("aws_s3_bucket_lifecycle_configuration").values() if l["bucket"] == ref)
    (archive,) = [r for r in lifecycle["rule"] if r["id"] == "archive-then-expire"]
    assert archive["expiration"] == [{"days": 365}]


@pytest.mark.parametrize("name", ENVIRONMENT_STACKS)
def test_no_environment_stack_creates_an_account_singleton(stack_of, name):
    stack = stack_of(name)
    # an EKS cluster's own OIDC provider (its issuer, for service-account roles) is the cluster's, not the account's
    github = [p for p in stack.resources("aws_iam_openid_connect_provider").values()
              if p["url"] == "https://token.actions.githubusercontent.com"]
    assert github == []
    assert {t: stack.count(t) for t in SINGLETONS[1:]} == {t: 0 for t in SINGLETONS[1:]}


def test_the_manifest_lists_the_account_stacks_before_the_environments_they_serve():
    rows = main.manifest(main.parse_selection([]))
    names = [r["stack"] for r in rows]
    assert names[:len(ACCOUNT_STACKS)] == ACCOUNT_STACKS == ["account-shared"]
    assert rows[0]["state_bucket"] == "account-terraform-state" and rows[0]["state_key"] == "shared/terraform.tfstate"


# -- budgets ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", STACKS)
def test_every_stack_has_a_budget_equal_to_the_estimate_rule(all_stacks_output, name):
    # GIVEN the stack as synthesized, and the same stack without its budget
    document = json.loads((all_stacks_output / "stacks" / name / "cdk.tf.json").read_text())
    (budget,) = document["resource"].pop("aws_budgets_budget").values()
    system, env = next((s, e) for s in SYSTEMS for e in s.environments if s.stack_name(e) == name)
    settings = load(env, system)
    # WHEN the rule is applied to the estimate of the rest THEN it is the budget's amount
    estimate = monthly_estimate(name, document, known_stacks=set(STACKS),
                                known_environments={e for s in SYSTEMS for e in s.environments})
    assert budget["limit_amount"] == str(budget_limit(estimate, settings.budget))
    assert estimate > 0 and int(budget["limit_amount"]) >= estimate
    # filtered by the stack's own tag, which every resource carries (the provider's default tags)
    assert budget["cost_filter"] == [{"name": "TagKeyValue", "values": [f"user:Stack${name}"]}]
    assert document["provider"]["aws"][0]["default_tags"][0]["tags"]["Stack"] == name
    assert budget["time_unit"] == "MONTHLY" and budget["limit_unit"] == "USD" and budget["budget_type"] == "COST"


def test_no_stack_is_left_with_a_pending_budget_amount(all_stacks_output):
    # the amount is settled after the synth (one resolution per stack): none may stay pending
    pending = [name for name in STACKS
               if PENDING_LIMIT in (all_stacks_output / "stacks" / name / "cdk.tf.json").read_text()]
    assert pending == []


def test_the_settled_limit_is_the_files_amount_and_the_summarys(tmp_path):
    (stack,) = main.synthesize([main.Selected(BY_NAME["conduit"], load("dev", "conduit"))], tmp_path / "out")
    document = json.loads((tmp_path / "out" / "stacks" / "conduit-dev" / "cdk.tf.json").read_text())
    (budget,) = document["resource"]["aws_budgets_budget"].values()
    assert budget["limit_amount"] == str(stack.budget.limit_usd) and stack.budget.limit_usd > 1
    assert f"budget: {stack.budget.budget_name} ({stack.budget.limit_usd} USD/month) mails nobody; " \
           "set budget.emails" in stack.notes


def test_a_file_without_exactly_one_pending_amount_is_a_bug_and_stays_as_it_was(tmp_path):
    from modules.framework import new_app

    app = new_app(outdir=str(tmp_path / "synth"))
    stack = BY_NAME["conduit"].build(app, load("dev", "conduit"))
    main.add_budget(stack)
    assert stack.budget.limit_usd is None and not [n for n in stack.notes if n.startswith("budget:")]
    pending = f'"limit_amount": "{PENDING_LIMIT}"'
    for text in ("{}", "{" + pending + ", " + pending + "}"):
        path = tmp_path / "cdk.tf.json"
        path.write_text(text)
        with pytest.raises(BudgetSettleError):
            stack.budget.settle(path, lambda document: 10.0)
        assert path.read_text() == text and stack.budget.limit_usd is None
    # the estimate sees the stack without its budget; the amount is written in place, nothing else changes
    seen = []
    path.write_text(json.dumps({"resource": {"aws_budgets_budget": {"b": {"limit_amount": PENDING_LIMIT}},
                                             "aws_sqs_queue": {"q": {"name": "x"}}}}, indent=2))
    before = path.read_text()
    assert stack.budget.settle(path, lambda document: seen.append(document) or 100.0) == 120
    assert seen == [{"resource": {"aws_sqs_queue": {"q": {"name": "x"}}}}]
    assert path.read_text() == before.replace(pending, '"limit_amount": "120"')
    assert stack.budget.limit_usd == 120


def test_the_rule_rounds_up_with_the_margin():
    assert budget_limit(100.0, BudgetOptions()) == 120
    assert budget_limit(100.01, BudgetOptions()) == 121
    assert budget_limit(100.0, BudgetOptions(margin_percent=0)) == 100
    assert budget_limit(0.0, BudgetOptions()) == 1


def test_a_budget_mails_at_80_percent_of_forecast_and_when_actual_spend_exceeds_it(tmp_path):
    settings = replace(load("dev", "conduit"), budget=BudgetOptions(emails=("ops@example.com",)))
    (stack,) = main.synthesize([main.Selected(BY_NAME["conduit"], settings)], tmp_path / "out")
    document = json.loads((tmp_path / "out" / "stacks" / "conduit-dev" / "cdk.tf.json").read_text())
    (budget,) = document["resource"]["aws_budgets_budget"].values()
    assert sorted((n["notification_type"], n["comparison_operator"], n["threshold"], n["threshold_type"],
                   tuple(n["subscriber_email_addresses"])) for n in budget["notification"]) == [
        ("ACTUAL", "GREATER_THAN", 100, "PERCENTAGE", ("ops@example.com",)),
        ("FORECASTED", "GREATER_THAN", 80, "PERCENTAGE", ("ops@example.com",))]
    assert not [n for n in stack.notes if n.startswith("budget:")]


def test_a_change_that_raises_the_estimate_raises_the_budget_in_the_same_stack(tmp_path):
    base = load("prod", "conduit")
    more = replace(base, service=replace(base.service, max_count=base.service.max_count + 4))
    amounts = []
    for settings, out in ((base, tmp_path / "a"), (more, tmp_path / "b")):
        main.synthesize([main.Selected(BY_NAME["conduit"], settings)], out)
        document = json.loads((out / "stacks" / "conduit-prod" / "cdk.tf.json").read_text())
        amounts.append(int(next(iter(document["resource"]["aws_budgets_budget"].values()))["limit_amount"]))
    assert amounts[1] > amounts[0]


@pytest.mark.parametrize("budget, field", [
    (BudgetOptions(emails=("not-an-address",)), "budget.emails[0]"),
    (BudgetOptions(margin_percent=-1), "budget.margin_percent"),
    (BudgetOptions(forecast_percent=0), "budget.forecast_percent"),
])
def test_a_wrong_budget_setting_is_refused_with_its_field(budget, field):
    with pytest.raises(ConfigError) as caught:
        BY_NAME["conduit"].validate(replace(load("dev", "conduit"), budget=budget))
    assert caught.value.field == field and caught.value.fix


# -- environments in accounts of their own ------------------------------------------------------------

PROD_ACCOUNT = AwsAccount(name="prod", account_id="210987654321",
                          role_arn="arn:aws:iam::210987654321:role/terraform-deploy")


def test_an_environment_in_an_account_of_its_own_assumes_its_role_and_refuses_other_accounts(tmp_path):
    settings = replace(load("prod", "conduit"), account=PROD_ACCOUNT)
    main.synthesize([main.Selected(BY_NAME["conduit"], settings)], tmp_path / "out")
    (provider,) = json.loads((tmp_path / "out" / "stacks" / "conduit-prod" / "cdk.tf.json").read_text())["provider"]["aws"]
    assert provider["allowed_account_ids"] == ["210987654321"]
    assert provider["assume_role"] == [{"role_arn": "arn:aws:iam::210987654321:role/terraform-deploy",
                                        "session_name": "terraform-conduit-prod"}]


def test_the_shared_account_default_adds_nothing_to_the_provider(all_stacks_output):
    (provider,) = [p for p in json.loads((all_stacks_output / "stacks" / "conduit-prod" / "cdk.tf.json").read_text())
                   ["provider"]["aws"]]
    assert "assume_role" not in provider and "allowed_account_ids" not in provider


def test_an_account_without_an_account_stack_is_refused_in_one_line():
    settings = replace(load("prod", "conduit"), account=PROD_ACCOUNT)
    with pytest.raises(ConfigError) as caught:
        main.check_accounts([main.Selected(BY_NAME["conduit"], settings)])
    assert caught.value.field == "account.name" and "environments/account/prod.py" in caught.value.fix


def test_one_account_name_means_one_account_everywhere():
    a = replace(load("prod", "conduit"), account=replace(PROD_ACCOUNT, name="shared"))
    b = replace(load("prod", "unisync"), account=AwsAccount(name="shared"))
    with pytest.raises(ConfigError) as caught:
        main.check_accounts([main.Selected(BY_NAME["conduit"], a), main.Selected(BY_NAME["unisync"], b)])
    assert "another id or role" in caught.value.problem


@pytest.mark.parametrize("account, field", [
    (AwsAccount(account_id="12345"), "account.account_id"),
    (AwsAccount(account_id="210987654321", role_arn="arn:aws:iam::111111111111:role/x"), "account.role_arn"),
    (AwsAccount(role_arn="arn:aws:iam::210987654321:role/x"), "account.account_id"),
    (AwsAccount(name="Prod!"), "account.name"),
])
def test_a_wrong_account_setting_is_refused_with_its_field(account, field):
    with pytest.raises(ConfigError) as caught:
        BY_NAME["conduit"].validate(replace(load("prod", "conduit"), account=account))
    assert caught.value.field == field and caught.value.fix


# -- disaster recovery: prod's database backups in a second region ---------------------------------

@pytest.mark.parametrize("name", ["prod", "unisync-prod"])
def test_prod_instances_replicate_their_automated_backups_to_tokyo(stack_of, name):
    stack = stack_of(name)
    replica = stack.one("aws_db_instance_automated_backups_replication")
    assert replica["provider"] == "aws.ap-northeast-1" and replica["retention_period"] == 7
    assert replica["source_db_instance_arn"] == stack.ref("aws_db_instance", stack.one("aws_db_instance"), "arn")
    key = stack.by_path("aws_kms_key", "database/backup-key")
    assert key["provider"] == "aws.ap-northeast-1" and replica["kms_key_id"] == stack.ref("aws_kms_key", key, "arn")
    assert {p.get("alias"): p["region"] for p in stack.doc["provider"]["aws"]} == {None: "ap-northeast-2",
                                                                                  "ap-northeast-1": "ap-northeast-1"}


def test_prod_aurora_is_copied_daily_by_aws_backup_to_a_vault_in_tokyo(stack_of):
    stack = stack_of("openmarket-prod")
    (plan,) = stack.resources("aws_backup_plan").values()
    (rule,) = plan["rule"]
    target = stack.by_path("aws_backup_vault", "database/backup-vault-replica")
    assert target["provider"] == "aws.ap-northeast-1"
    assert rule["copy_action"][0]["destination_vault_arn"] == stack.ref("aws_backup_vault", target, "arn")
    assert rule["lifecycle"]["delete_after"] == 7 and rule["schedule"] == "cron(0 20 * * ? *)"
    (selection,) = stack.resources("aws_backup_selection").values()
    assert selection["resources"] == [stack.ref("aws_rds_cluster", stack.one("aws_rds_cluster"), "arn")]


@pytest.mark.parametrize("name", [n for n in ENVIRONMENT_STACKS if not n.endswith("prod")])
def test_no_other_environment_copies_backups_across_regions(stack_of, name):
    stack = stack_of(name)
    assert not [t for t in stack.resources_types() if "backup" in t] if hasattr(stack, "resources_types") else \
        not [t for t in stack.doc.get("resource", {}) if "backup" in t]
    assert [p.get("alias") for p in stack.doc["provider"]["aws"]] == [None]


def test_a_backup_copy_in_the_databases_own_region_is_refused():
    from modules.database.options import BackupReplicaOptions

    prod = load("prod")
    settings = replace(prod, database=replace(prod.database, backup_replica=BackupReplicaOptions(region="ap-northeast-2")))
    with pytest.raises(ConfigError) as caught:
        BY_NAME["codemate"].validate(settings)
    assert caught.value.field == "database.backup_replica.region" and "own region" in caught.value.problem
