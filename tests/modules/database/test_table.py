"""modules/database/table: the DynamoDB table, its key, protection by environment, grants (bare stack)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from modules.database.options import (
    PRODUCTION_ENVIRONMENTS,
    AttributeType,
    BillingMode,
    StreamView,
    TableKey,
    TableOptions,
    table_problems,
    table_protection_problem,
)
from modules.database.table import Table
from modules.errors import ConfigError
from modules.framework import aws
from modules.iam.grants import InlinePolicy
from modules.security.kms import KmsKey
from tests.support import project_stack, synth_stack

ORDERS = TableOptions(name="orders", partition_key=TableKey(name="pk"))


class Role:
    def __init__(self, stack, id):
        self.role = aws.iam_role.IamRole(stack, id, name=id, assume_role_policy="{}")
        self.policy = InlinePolicy(stack, f"{id}-policy", role_id=self.role.id, name="app")

    def add_to_role_policy(self, *statements):
        self.policy.add(*statements)


def statements(synth, path):
    return json.loads(synth.by_path("aws_iam_role_policy", path)["policy"])["Statement"]


def arn_of(synth, type_, path):
    return synth.ref(type_, synth.by_path(type_, path), "arn")


@pytest.fixture(scope="module")
def granted():
    stack = project_stack()
    table = Table(stack, "orders", options=ORDERS)
    reader, writer, both = Role(stack, "reader"), Role(stack, "writer"), Role(stack, "both")
    table.grant_read(reader)
    table.grant_write(writer)
    table.grant_read_write(both)
    return synth_stack(stack)


def test_the_table_is_on_demand_encrypted_with_its_own_key_recoverable_and_named_by_the_stack(granted):
    key_arn = arn_of(granted, "aws_kms_key", "orders/key/key")
    assert granted.one("aws_dynamodb_table") == {
        "name": "shop-orders-dev",
        "billing_mode": "PAY_PER_REQUEST",
        "hash_key": "pk",
        "attribute": [{"name": "pk", "type": "S"}],
        "server_side_encryption": {"enabled": True, "kms_key_arn": key_arn},
        "point_in_time_recovery": {"enabled": True},
        "deletion_protection_enabled": False,
        "tags": {"Name": "shop-orders-dev"},
    }


def test_the_tables_own_key_rotates_and_is_usable_through_dynamodb_only(granted):
    key = granted.by_path("aws_kms_key", "orders/key/key")
    assert key["enable_key_rotation"] is True
    [use] = [s for s in json.loads(key["policy"])["Statement"] if s["Sid"] == "UseThroughServicesOfThisAccount"]
    assert use["Condition"]["StringEquals"]["kms:ViaService"] == ["dynamodb.ap-northeast-2.amazonaws.com"]
    assert granted.by_path("aws_kms_alias", "orders/key/alias")["name"] == "alias/shop-orders-table-dev"


def test_tags_come_from_the_providers_default_tags(granted):
    [provider] = granted.doc["provider"]["aws"]
    assert provider["default_tags"] == [{"tags": {"Environment": "dev", "Project": "shop", "ManagedBy": "cdktf",
                                                  "Stack": "test"}}]


def test_grant_read_names_exact_read_actions_on_the_table_and_its_indexes_and_decrypt_through_dynamodb(granted):
    table_arn = arn_of(granted, "aws_dynamodb_table", "orders/table")
    key_arn = arn_of(granted, "aws_kms_key", "orders/key/key")
    assert statements(granted, "reader-policy") == [
        {"Sid": "OrdersTableRead", "Effect": "Allow",
         "Action": ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan",
                    "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable"],
         "Resource": [table_arn, f"{table_arn}/index/*"]},
        {"Sid": "OrdersTableReadKey", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": key_arn,
         "Condition": {"StringEquals": {"kms:ViaService": "dynamodb.ap-northeast-2.amazonaws.com"}}},
    ]


def test_grant_write_names_exact_write_actions_and_the_keys_data_key_actions(granted):
    table_arn = arn_of(granted, "aws_dynamodb_table", "orders/table")
    write, key = statements(granted, "writer-policy")
    assert write["Action"] == ["dynamodb:BatchWriteItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                               "dynamodb:DeleteItem", "dynamodb:DescribeTable"]
    assert write["Resource"] == [table_arn, f"{table_arn}/index/*"]
    assert key["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert not {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"} & set(write["Action"])


def test_grant_read_write_is_one_statement_for_the_table_and_one_for_the_key(granted):
    table, key = statements(granted, "both-policy")
    assert table["Sid"] == "OrdersTableReadWrite" and key["Sid"] == "OrdersTableReadWriteKey"
    assert table["Action"] == ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan",
                               "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable", "dynamodb:BatchWriteItem",
                               "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
    assert key["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]


def test_no_granted_statement_has_a_wildcard_action(granted):
    for policy in granted.resources("aws_iam_role_policy").values():
        for statement in json.loads(policy["policy"])["Statement"]:
            assert not [a for a in statement["Action"] if "*" in a], statement


def test_every_table_is_encrypted_with_a_customer_managed_key_whatever_the_options():
    stack = project_stack()
    Table(stack, "a", options=replace(ORDERS, name="a"))
    Table(stack, "b", options=replace(ORDERS, name="b", billing=BillingMode.PROVISIONED, read_capacity=1,
                                       write_capacity=1, deletion_protection=True))
    synth = synth_stack(stack)
    for table in synth.resources("aws_dynamodb_table").values():
        assert table["server_side_encryption"]["enabled"] is True
        assert table["server_side_encryption"]["kms_key_arn"].startswith("${aws_kms_key.")
        assert table["point_in_time_recovery"] == {"enabled": True}


def test_sort_key_provisioned_capacity_ttl_and_stream():
    stack = project_stack()
    table = Table(stack, "events", options=TableOptions(
        name="events", partition_key=TableKey(name="tenant"), sort_key=TableKey(name="at", type=AttributeType.NUMBER),
        billing=BillingMode.PROVISIONED, read_capacity=5, write_capacity=2, ttl_attribute="expires_at",
        stream=StreamView.NEW_AND_OLD_IMAGES))
    assert table.stream_arn is not None
    synth = synth_stack(stack)
    resource = synth.one("aws_dynamodb_table")
    assert (resource["hash_key"], resource["range_key"]) == ("tenant", "at")
    assert resource["attribute"] == [{"name": "tenant", "type": "S"}, {"name": "at", "type": "N"}]
    assert (resource["billing_mode"], resource["read_capacity"], resource["write_capacity"]) == ("PROVISIONED", 5, 2)
    assert resource["ttl"] == {"attribute_name": "expires_at", "enabled": True}
    assert (resource["stream_enabled"], resource["stream_view_type"]) == (True, "NEW_AND_OLD_IMAGES")


def test_a_given_key_that_admits_dynamodb_is_used_and_no_key_of_its_own_is_made():
    stack = project_stack()
    key = KmsKey(stack, "data-key", purpose="data", description="data", service_principals=("rds", "dynamodb"))
    Table(stack, "orders", options=ORDERS, kms_key=key)
    synth = synth_stack(stack)
    assert synth.one("aws_dynamodb_table")["server_side_encryption"]["kms_key_arn"] == arn_of(
        synth, "aws_kms_key", "data-key/key")
    assert synth.count("aws_kms_key") == 2  # the stack's logs key and the given one


def test_a_given_key_that_does_not_admit_dynamodb_is_refused():
    stack = project_stack()
    with pytest.raises(ConfigError) as caught:
        Table(stack, "orders", options=ORDERS, kms_key=stack.logs_key)
    assert caught.value.field == "tables.orders.kms_key" and "dynamodb" in caught.value.fix


@pytest.mark.parametrize("environment", PRODUCTION_ENVIRONMENTS)
def test_production_tables_refuse_deletion_by_default(environment):
    stack = project_stack(environment=environment)
    table = Table(stack, "orders", options=ORDERS)
    assert table.deletion_protection is True
    assert synth_stack(stack).one("aws_dynamodb_table")["deletion_protection_enabled"] is True


def test_the_option_turns_deletion_protection_on_outside_production():
    stack = project_stack(environment="staging")
    Table(stack, "orders", options=replace(ORDERS, deletion_protection=True))
    assert synth_stack(stack).one("aws_dynamodb_table")["deletion_protection_enabled"] is True


def test_production_without_deletion_protection_is_refused_with_one_line_naming_field_value_and_fix():
    with pytest.raises(ConfigError) as caught:
        Table(project_stack(environment="prod"), "orders", options=replace(ORDERS, deletion_protection=False))
    error = caught.value
    assert (error.environment, error.field, error.value) == ("prod", "tables.orders.deletion_protection", False)
    assert "allow_unprotected_prod=True" in error.fix and "\n" not in str(error)
    assert str(error).startswith("[prod] tables.orders.deletion_protection = False: ")


def test_allow_unprotected_prod_is_the_explicit_override():
    stack = project_stack(environment="prod")
    Table(stack, "orders", options=replace(ORDERS, deletion_protection=False, allow_unprotected_prod=True))
    assert synth_stack(stack).one("aws_dynamodb_table")["deletion_protection_enabled"] is False


def test_the_production_set_is_the_one_the_database_rule_uses():
    from modules.validation import PRODUCTION_ENVIRONMENTS as DATABASE_RULE

    assert PRODUCTION_ENVIRONMENTS == DATABASE_RULE


@pytest.mark.parametrize("options, field, phrase", [
    (replace(ORDERS, name="Orders_1"), "name", "lowercase"),
    (replace(ORDERS, partition_key=TableKey(name="")), "partition_key.name", "1 to 255 bytes"),
    (replace(ORDERS, sort_key=TableKey(name="pk")), "sort_key.name", "the partition key's attribute"),
    (replace(ORDERS, billing=BillingMode.PROVISIONED, read_capacity=5), "write_capacity", "provisioned billing"),
    (replace(ORDERS, billing=BillingMode.PROVISIONED, read_capacity=0, write_capacity=1), "read_capacity",
     "1 unit or more"),
    (replace(ORDERS, read_capacity=5), "read_capacity", "on-demand table has no provisioned capacity"),
    (replace(ORDERS, ttl_attribute=""), "ttl_attribute", "1 to 255 bytes"),
])
def test_values_dynamodb_refuses_are_refused_with_the_field(options, field, phrase):
    assert [p[0] for p in table_problems(options)] == [field]
    with pytest.raises(ConfigError) as caught:
        Table(project_stack(), "t", options=options)
    assert caught.value.field == f"tables.{options.name}.{field}" and phrase in str(caught.value)
    assert caught.value.fix


def test_valid_options_have_no_problem():
    assert list(table_problems(ORDERS)) == []
    assert table_protection_problem(ORDERS, "prod") is None
    assert table_protection_problem(replace(ORDERS, deletion_protection=False), "dev") is None
