"""The one error type for a wrong setting."""

from __future__ import annotations


VALUE_SHOWN_MAX = 80
"""Longest value a one-line error echoes; a longer one is cut with an ellipsis and its length."""


def shown(value: object, limit: int = VALUE_SHOWN_MAX) -> str:
    """``repr(value)``, shortened to ``limit`` characters with an ellipsis and the full length
    (``'aaaa…' (1100 characters)``): a one-line error never echoes a pasted blob whole."""
    text = repr(value)
    if len(text) <= limit:
        return text
    if isinstance(value, (tuple, list, dict, set, frozenset)):
        return f"{text[:limit - 1]}… ({len(value):,} items)"
    size = len(value) if isinstance(value, (str, bytes)) else len(text)
    return f"{text[:limit - 1]}… ({size:,} characters)"


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
        return f"[{self.where}] {self.field} = {shown(self.value)}: {self.problem} — fix: {self.fix}"


class SettingsFileError(ConfigError):
    """A settings file does not run (``NameError``, ``SyntaxError``, ...): its file, line and Python message."""

    def __init__(self, environment: str, file: str, line: int, message: str, *, system: str | None = None):
        self.file, self.line, self.message = file, line, message
        fix = f"correct line {line} of {file}"
        super().__init__(environment, f"{file}:{line}", None, message, fix, system=system)

    def __str__(self) -> str:
        return f"[{self.where}] {self.file}:{self.line}: {self.message} — fix: {self.fix}"


# -- where an error in a settings file comes from (environments/<system>/<env>.py) -------------------
import os  # noqa: E402
import traceback  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SETTINGS_DIR = ROOT / "environments"
CODE_IN_SETTINGS_DIR = frozenset({"__init__.py"})
"""Files of ``environments/`` that are code, not settings: an error there is a bug (exit 1)."""


def _relative(path: str | os.PathLike) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _inside(filename: str, directory: Path) -> bool:
    try:
        Path(filename).resolve().relative_to(directory)
        return True
    except ValueError:
        return False


def _is_settings_file(filename: str) -> bool:
    return _inside(filename, SETTINGS_DIR) and Path(filename).name not in CODE_IN_SETTINGS_DIR


def settings_file_location(error: BaseException) -> tuple[str, int] | None:
    """``(file, line)`` of the settings file in ``environments/`` that ``error`` comes from, if any."""
    if isinstance(error, SyntaxError) and error.filename and _is_settings_file(error.filename):
        return _relative(error.filename), error.lineno or 0
    frames = [f for f in traceback.extract_tb(error.__traceback__) if _is_settings_file(f.filename)]
    if frames:
        return _relative(frames[-1].filename), frames[-1].lineno or 0
    return None


def python_message(error: BaseException) -> str:
    if isinstance(error, SyntaxError):
        return f"{type(error).__name__}: {error.msg}"
    text = " ".join(str(error).split())  # one line, whatever the message holds
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


