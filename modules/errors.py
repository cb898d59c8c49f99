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


class SettingsFileError(ConfigError):
    """A settings file does not run (``NameError``, ``SyntaxError``, ...): its file, line and Python message."""

    def __init__(self, environment: str, file: str, line: int, message: str):
        self.file, self.line, self.message = file, line, message
        fix = f"correct line {line} of {file}"
        super().__init__(environment, f"{file}:{line}", None, message, fix)
        Exception.__init__(self, f"[{environment}] {file}:{line}: {message} — fix: {fix}")
