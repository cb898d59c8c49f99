"""The one error type for a wrong setting."""

from __future__ import annotations


class ConfigError(ValueError):
    """A setting is wrong. The message names system, environment, field, value and fix.

    ``main.py`` prints it as one line and exits non-zero before writing any
    output; constructs raise it from their constructors (validate early).
    ``system`` is filled in by whoever knows it (``main.py`` does, for every
    stack it builds), so constructs need not be told which system they serve.
    """

    def __init__(self, environment: str, field: str, value: object, problem: str, fix: str,
                 *, system: str | None = None):
        self.environment = environment
        self.field = field
        self.value = value
        self.problem = problem
        self.fix = fix
        self.system = system
        super().__init__(environment, field, value, problem, fix)

    @property
    def where(self) -> str:
        """``shop:prod``, or ``prod`` when the system is not known."""
        return f"{self.system}:{self.environment}" if self.system else str(self.environment)

    def __str__(self) -> str:
        return f"[{self.where}] {self.field} = {self.value!r}: {self.problem} — fix: {self.fix}"


class SettingsFileError(ConfigError):
    """A settings file does not run (``NameError``, ``SyntaxError``, ...): its file, line and Python message."""

    def __init__(self, environment: str, file: str, line: int, message: str, *, system: str | None = None):
        self.file, self.line, self.message = file, line, message
        fix = f"correct line {line} of {file}"
        super().__init__(environment, f"{file}:{line}", None, message, fix, system=system)

    def __str__(self) -> str:
        return f"[{self.where}] {self.file}:{self.line}: {self.message} — fix: {self.fix}"
