"""What a construct reads from the stack it is in, instead of receiving it argument by argument.

Every construct of the library is built inside a :class:`modules.stack.ProjectStack`, which holds the
system's naming, region, availability zones, account, log retention, the CloudWatch Logs key and whether a
destroy may delete contents. :func:`stack_of` finds it (this module imports no construct, so the lowest
constructs — the KMS key the stack itself creates — can use it without an import cycle).
"""

from __future__ import annotations

from typing import Any

from modules import attribute_tokens
from modules.framework import Construct, TerraformStack


def stack_of(construct: Construct) -> Any:
    """The :class:`~modules.stack.ProjectStack` enclosing ``construct``: found through the scopes Python
    recorded (modules/attribute_tokens.py), else asked of Node (``TerraformStack.of``)."""
    stack = attribute_tokens.enclosing(construct, TerraformStack)
    if stack is None:
        stack = TerraformStack.of(construct)
    if not hasattr(stack, "naming") or not hasattr(stack, "region"):
        raise TypeError(f"{construct.node.path} is not inside a ProjectStack (modules/stack.py): constructs read "
                        "naming, region and account from their stack")
    return stack
