"""Budgets: tags on a budget (every stack's budget carries the provider's default tags)."""

from __future__ import annotations

import json

from rehearsal.emulator.core import LAYER_LOCK, Patch, Replace, client_error, store

RESPONSE = "moto.budgets.responses:BudgetsResponse"
_TAGS = store()  # budget ARN -> {key: value}


def _arn(account_id: str, name: str) -> str:
    return f"arn:aws:budgets::{account_id}:budget/{name}"


def _create_budget(create):
    def create_budget(self):
        answer = create(self)
        tags = {t["Key"]: t["Value"] for t in self._get_param("ResourceTags", []) or []}
        with LAYER_LOCK:
            _TAGS[_arn(self._get_param("AccountId"), self._get_param("Budget")["BudgetName"])] = tags
        return answer

    return create_budget


def _delete_budget(delete):
    def delete_budget(self):
        answer = delete(self)
        with LAYER_LOCK:
            _TAGS.pop(_arn(self._get_param("AccountId"), self._get_param("BudgetName")), None)
        return answer

    return delete_budget


def _list_tags_for_resource(_):
    def list_tags_for_resource(self):
        with LAYER_LOCK:
            tags = dict(_TAGS.get(self._get_param("ResourceARN"), {}))
        return json.dumps({"ResourceTags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]})

    return list_tags_for_resource


def _tag_resource(_):
    def tag_resource(self):
        with LAYER_LOCK:
            kept = _TAGS.setdefault(self._get_param("ResourceARN"), {})
            kept.update({t["Key"]: t["Value"] for t in self._get_param("ResourceTags", [])})
        return json.dumps({})

    return tag_resource


def _untag_resource(_):
    def untag_resource(self):
        with LAYER_LOCK:
            kept = _TAGS.setdefault(self._get_param("ResourceARN"), {})
            for key in self._get_param("ResourceTagKeys", []):
                kept.pop(key, None)
        return json.dumps({})

    return untag_resource


def _probe_budget_tags(session) -> bool:
    client = session.client("budgets")
    budget = {"BudgetName": "probe", "BudgetLimit": {"Amount": "10", "Unit": "USD"}, "TimeUnit": "MONTHLY",
              "BudgetType": "COST"}
    client.create_budget(AccountId="123456789012", Budget=budget,
                         ResourceTags=[{"Key": "Stack", "Value": "probe"}])
    arn = "arn:aws:budgets::123456789012:budget/probe"
    if client_error(lambda: client.list_tags_for_resource(ResourceARN=arn)):
        return True
    return client.list_tags_for_resource(ResourceARN=arn).get("ResourceTags") != [{"Key": "Stack", "Value": "probe"}]


BUDGET_TAGS = Patch(
    name="budgets-resource-tags",
    moto="ListTagsForResource, TagResource and UntagResource of Budgets are not implemented (500), and "
         "CreateBudget drops its ResourceTags",
    aws="a budget carries tags: CreateBudget takes ResourceTags, TagResource/UntagResource change them, "
        "ListTagsForResource returns them by the budget's ARN",
    reference="https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_ListTagsForResource.html",
    probe=_probe_budget_tags,
    replaces=(
        Replace(RESPONSE, "create_budget", _create_budget),
        Replace(RESPONSE, "delete_budget", _delete_budget),
        Replace(RESPONSE, "list_tags_for_resource", _list_tags_for_resource),
        Replace(RESPONSE, "tag_resource", _tag_resource),
        Replace(RESPONSE, "untag_resource", _untag_resource),
    ),
)
