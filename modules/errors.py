"""The one error type for a wrong setting."""

from __future__ import annotations


class ConfigError(ValueError):
    """A setting is wrong. The message names environment, field, value and fix.

    ``main.py`` prints it as one line and exits non-zero before writing any
    output; constructs raise it from their constructors (validate early).
    """

    def __init__(self, environment: str, field: str, value: object, problem: str, fix: str):
        self.environment = environment
        self.field = field
        self.value = value
        self.problem = problem
        self.fix = fix
        super().__init__(f"[{environment}] {field} = {value!r}: {problem} — fix: {fix}")
