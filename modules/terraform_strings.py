"""Terraform-safe strings: the one place a user's string is escaped for Terraform's template syntax.

Terraform reads every string of ``cdk.tf.json`` as a template: ``${...}`` is an
interpolation and ``%{...}`` a directive. A setting such as the container
environment value ``"price: ${AMOUNT}"`` would reach Terraform unescaped and
fail at plan ("Invalid reference"), or worse, interpolate something. So every
string that comes from settings and reaches the JSON goes through
:func:`terraform_literal`, which doubles the opener (``$${``, ``%%{``: Terraform's
own escapes, read back as ``${`` and ``%{``).

Tokens the code created (a resource attribute such as the database endpoint,
rendered by cdktf as ``${TfToken[TOKEN.n]}`` until synth) are interpolations on
purpose and stay as they are, also inside a longer string.
"""

from __future__ import annotations

import re
from typing import Mapping, TypeVar


_TOKEN = re.compile(r"(\$\{TfToken\[[^\]]*\]\})")
"""An unresolved cdktf string token, as ``Token.as_string`` renders it."""
_UNRESOLVED = re.compile(r"\$\{TfToken\[[a-zA-Z0-9:._-]+\]\}")
"""cdktf's own test of a string (``Token.isUnresolved``: ``TokenString.forString(s).test()``, the
pattern of cdktf/lib/tokens/private/encoding.js), answered without a round trip to Node."""


def is_unresolved(text: str) -> bool:
    """Whether the string holds a cdktf string token (what ``Token.is_unresolved`` answers for a str)."""
    return _UNRESOLVED.search(text) is not None

T = TypeVar("T")


def escape_template(text: str) -> str:
    """``text`` with Terraform's template openers escaped: ``${`` -> ``$${``, ``%{`` -> ``%%{``."""
    return text.replace("${", "$${").replace("%{", "%%{")


def terraform_literal(value: T) -> T:
    """``value`` (a user's string) as Terraform reads it literally; tokens of the code left intact.

    Anything that is not a string (a number, ``None``, a number or list token) is returned as is.
    """
    if not isinstance(value, str):
        return value
    if not is_unresolved(value):
        return escape_template(value)  # type: ignore[return-value]
    parts = _TOKEN.split(value)  # odd indexes are the tokens
    return "".join(part if i % 2 else escape_template(part) for i, part in enumerate(parts))  # type: ignore[return-value]


def terraform_literals(values: Mapping[str, str]) -> dict[str, str]:
    """A mapping (tags, environment variables) with every key and value made literal."""
    return {terraform_literal(k): terraform_literal(v) for k, v in values.items()}
