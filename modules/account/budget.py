"""The environment's monthly AWS Budget, its limit derived from the stack's own cost estimate.

``main.py`` estimates each stack as ``make cost`` does (``review/cost.py``, autoscaling at its maximum),
adds the margin of the settings and rounds up to a whole dollar: :func:`budget_limit`. A change that
raises a stack's estimate raises its budget in the same plan. The budget counts the costs tagged
``Stack=<stack name>`` (a default tag of every stack: activate it once as a cost allocation tag in
Billing, with ``Project`` and ``Environment``), and mails the settings' addresses when the month's
forecast reaches ``forecast_percent`` of the limit and when actual spend exceeds ``actual_percent``.

Construct ID: ``budget``.
"""

from __future__ import annotations

import math

from modules.account.options import BudgetOptions, budget_problems
from modules.errors import ConfigError
from modules.framework import Construct, aws
from modules.stack import STACK_TAG, ProjectStack



def budget_limit(estimate_usd: float, options: BudgetOptions) -> int:
    """The monthly limit: the estimate plus the margin, rounded up to a whole dollar (at least 1)."""
    return max(1, math.ceil(round(estimate_usd * (100 + options.margin_percent) / 100, 6)))


class Budget(Construct):
    """Attributes: ``budget``, ``limit_usd``, ``budget_name``."""

    def __init__(self, scope: Construct, id: str, *, options: BudgetOptions, limit_usd: int) -> None:
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        for field, value, problem, fix in budget_problems(options):
            raise ConfigError(stack.environment, f"budget.{field}", value, problem, fix, system=stack.project.name)
        self.limit_usd = limit_usd
        self.budget_name = stack.naming("monthly")
        notifications = [
            aws.budgets_budget.BudgetsBudgetNotification(
                comparison_operator="GREATER_THAN", notification_type=kind, threshold=threshold,
                threshold_type="PERCENTAGE", subscriber_email_addresses=list(options.emails),
            )
            for kind, threshold in (("FORECASTED", options.forecast_percent), ("ACTUAL", options.actual_percent))
        ] if options.emails else None
        self.budget = aws.budgets_budget.BudgetsBudget(
            self, "budget", name=self.budget_name, budget_type="COST", time_unit="MONTHLY",
            limit_amount=str(limit_usd), limit_unit="USD",
            cost_filter=[aws.budgets_budget.BudgetsBudgetCostFilter(
                name="TagKeyValue", values=[f"user:{STACK_TAG}${stack.node.id}"])],
            notification=notifications,
        )
        if not options.emails:
            stack.notes.append(f"budget: {self.budget_name} ({limit_usd} USD/month) mails nobody; set budget.emails")
