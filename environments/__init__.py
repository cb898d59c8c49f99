"""Per-environment settings (the tfvars of the Terraform layout).

``ENVIRONMENT_NAMES`` lists the environments in synth order; each has a
module ``environments/<name>.py`` defining ``SETTINGS``. To add one, copy
``staging.py`` to ``<name>.py``, change its values, and add the name here.
"""

from __future__ import annotations

import importlib
import re

from environments.settings import EnvironmentSettings
from modules.errors import ConfigError, SettingsFileError

ENVIRONMENT_NAMES: tuple[str, ...] = ("dev", "staging", "prod")

_MISSING = re.compile(r"(\w+)\.__init__\(\) missing \d+ required keyword-only arguments?: (.+)")
_UNKNOWN = re.compile(r"(\w+)\.__init__\(\) got an unexpected keyword argument '(\w+)'")


def _file_error(name: str, error: Exception) -> Exception:
    """One line naming the settings file, its line and Python's message; ``error`` itself if it
    was raised outside ``environments/`` (a bug in a module, shown as one)."""
    from tooling.failures import python_message, settings_file_location

    location = settings_file_location(error)
    if location is None:
        return error
    file, line = location
    return SettingsFileError(name, file, line, python_message(error))


def load(name: str) -> EnvironmentSettings:
    """The settings of one environment, or a :class:`ConfigError` that says what to fix."""
    if name not in ENVIRONMENT_NAMES:
        raise ConfigError(
            name,
            "environment",
            name,
            f"unknown environment; known: {', '.join(ENVIRONMENT_NAMES)}",
            f"use one of those, or add environments/{name}.py and list it in environments/__init__.py",
        )
    try:
        module = importlib.import_module(f"environments.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"environments.{name}":
            raise _file_error(name, error) from None  # the file imports something missing
        raise ConfigError(
            name, "environment", name, f"listed in ENVIRONMENT_NAMES but environments/{name}.py does not exist",
            f"create environments/{name}.py (copy staging.py) or remove {name!r} from environments/__init__.py",
        ) from None
    except TypeError as error:  # a dataclass was given too few or unknown settings
        text = str(error)
        if match := _MISSING.search(text):
            raise ConfigError(
                name, f"{match[1]}.{match[2].split(',')[0].strip(' and')}".replace("'", ""), None,
                "missing required value", f"set it in environments/{name}.py",
            ) from None
        if match := _UNKNOWN.search(text):
            raise ConfigError(
                name, f"{match[1]}.{match[2]}", None,
                "unknown setting", f"remove it from environments/{name}.py or check its spelling "
                "against environments/settings.py",
            ) from None
        raise _file_error(name, error) from None
    except Exception as error:  # NameError, SyntaxError, ImportError, ... in a settings file
        raise _file_error(name, error) from None
    settings = getattr(module, "SETTINGS", None)
    if not isinstance(settings, EnvironmentSettings):
        raise ConfigError(
            name, "SETTINGS", type(settings).__name__, "not an EnvironmentSettings",
            f"define SETTINGS = EnvironmentSettings(...) in environments/{name}.py",
        )
    if settings.name != name:
        raise ConfigError(
            name, "name", settings.name, "does not match the file name",
            f"set name={name!r} in environments/{name}.py",
        )
    return settings
