"""The environment's monthly AWS Budget, its limit derived from the stack's own cost estimate.

``main.py`` estimates each stack as ``make cost`` does (``review/cost.py``, autoscaling at its maximum),
adds the margin of the settings and rounds up to a whole dollar: :func:`budget_limit`. It estimates the
stack's own synthesized JSON (without the budget), so the limit is settled after the synth: the budget is
synthesized with :data:`PENDING_LIMIT` as its amount and :meth:`Budget.settle` writes the limit into the
stack's file (one exact replacement; anything else raises). Resolving every stack a second time just to
estimate it cost ~0.4 s of a synth of every stack. A change that
raises a stack's estimate raises its budget in the same plan. The budget counts the costs tagged
``Stack=<stack name>`` (a default tag of every stack: activate it once as a cost allocation tag in
Billing, with ``Project`` and ``Environment``), and mails the settings' addresses when the month's
forecast reaches ``forecast_percent`` of the limit and when actual spend exceeds ``actual_percent``.

Construct ID: ``budget``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Callable

from modules.account.options import BudgetOptions, budget_problems
from modules.errors import ConfigError
from modules.framework import Construct, aws
from modules.stack import STACK_TAG, ProjectStack



def budget_limit(estimate_usd: float, options: BudgetOptions) -> int:
    """The monthly limit: the estimate plus the margin, rounded up to a whole dollar (at least 1)."""
    return max(1, math.ceil(round(estimate_usd * (100 + options.margin_percent) / 100, 6)))


PENDING_LIMIT = "limit-settled-after-synth"


class BudgetSettleError(RuntimeError):
    """The synthesized file does not hold exactly one pending budget amount (a bug, never bad input)."""


class Budget(Construct):
    """Attributes: ``budget``, ``limit_usd`` (None until settled), ``budget_name``.

    ``limit_usd=None``: the amount is :data:`PENDING_LIMIT` until :meth:`settle` writes it into the
    synthesized file (``main.synthesize``)."""

    def __init__(self, scope: Construct, id: str, *, options: BudgetOptions, limit_usd: int | None) -> None:
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        for field, value, problem, fix in budget_problems(options):
            raise ConfigError(stack.environment, f"budget.{field}", value, problem, fix, system=stack.project.name)
        self._stack, self._options = stack, options
        self.limit_usd: int | None = None
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
            limit_amount=PENDING_LIMIT if limit_usd is None else str(limit_usd), limit_unit="USD",
            cost_filter=[aws.budgets_budget.BudgetsBudgetCostFilter(
                name="TagKeyValue", values=[f"user:{STACK_TAG}${stack.node.id}"])],
            notification=notifications,
        )
        if limit_usd is not None:
            self._settled(limit_usd)

    def _settled(self, limit_usd: int) -> None:
        self.limit_usd = limit_usd
        if not self._options.emails:
            self._stack.notes.append(f"budget: {self.budget_name} ({limit_usd} USD/month) mails nobody; "
                                     "set budget.emails")

    def settle(self, path: Path, estimate: Callable[[dict], float]) -> int:
        """Write the limit into the synthesized file ``path``: ``estimate`` is given the stack's document
        without this budget (as it was before the budget existed); its result plus the margin, rounded up,
        replaces :data:`PENDING_LIMIT`. Returns the limit."""
        if self.limit_usd is not None:
            return self.limit_usd
        text = path.read_text()
        pending = f'"limit_amount": "{PENDING_LIMIT}"'
        if text.count(pending) != 1:
            raise BudgetSettleError(f"{path}: {text.count(pending)} pending budget amount(s), expected 1")
        document = json.loads(text)
        budgets = document["resource"]["aws_budgets_budget"]
        (mine,) = [key for key, budget in budgets.items() if budget.get("limit_amount") == PENDING_LIMIT]
        del budgets[mine]
        if not budgets:
            del document["resource"]["aws_budgets_budget"]
        limit = budget_limit(estimate(document), self._options)
        path.write_text(text.replace(pending, f'"limit_amount": "{limit}"'))
        self._settled(limit)
        return limit
