"""Per-environment settings of every system (the tfvars of the Terraform layout).

``environments/<system>/<env>.py`` defines ``SETTINGS`` for one environment of
one system and holds values only; ``environments/<system>/project.py`` holds
what its environments share. The systems and their environments are listed
in :mod:`systems`. To add an environment, copy an existing file of the same
system to ``<name>.py``, change its values, and add the name to the system's
``environments`` in ``systems/<system>/__init__.py``.
"""

from __future__ import annotations

import importlib
import re

from modules.errors import ConfigError, SettingsFileError, python_message, settings_file_location
from systems import BY_NAME, PRIMARY, System

ENVIRONMENT_NAMES: tuple[str, ...] = PRIMARY.environments
"""The primary system's environments (``python main.py dev prod`` means these)."""

_MISSING = re.compile(r"(\w+)\.__init__\(\) missing \d+ required keyword-only arguments?: (.+)")
_UNKNOWN = re.compile(r"(\w+)\.__init__\(\) got an unexpected keyword argument '(\w+)'")


def _file_error(name: str, error: Exception, system: System) -> Exception:
    """One line naming the settings file, its line and Python's message; ``error`` itself if it
    was raised outside ``environments/`` (a bug in a module, shown as one)."""
    location = settings_file_location(error)
    if location is None:
        return error
    file, line = location
    return SettingsFileError(name, file, line, python_message(error), system=system.name)


def _defining_file(class_name: str, system: System) -> str:
    """The file that defines the settings or options class ``class_name`` (``modules/database/options.py``)."""
    schema = importlib.import_module(system.settings_type.partition(":")[0])
    for value in vars(schema).values():
        if isinstance(value, type) and value.__name__ == class_name:
            return value.__module__.replace(".", "/") + ".py"
    return system.settings_type.partition(":")[0].replace(".", "/") + ".py"


def load(name: str, system: str | System = PRIMARY):
    """The settings of one environment of ``system`` (default: the primary system), or a
    :class:`ConfigError` that says what to fix."""
    system = BY_NAME[system] if isinstance(system, str) else system
    source = system.environment_file(name)
    if name not in system.environments:
        raise ConfigError(
            name, "environment", name,
            f"unknown environment of {system.name}; known: {', '.join(system.environments)}",
            f"use one of those, or add {source} and list it in {system.registry_file}",
            system=system.name,
        )
    try:
        module = importlib.import_module(f"environments.{system.package}.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"environments.{system.package}.{name}":
            raise _file_error(name, error, system) from None  # the file imports something missing
        raise ConfigError(
            name, "environment", name, f"listed in {system.registry_file} but {source} does not exist",
            f"create {source} (copy another environment's file) or remove {name!r} from {system.name}'s "
            f"environments in {system.registry_file}", system=system.name,
        ) from None
    except TypeError as error:  # a dataclass was given too few or unknown settings
        text = str(error)
        if match := _MISSING.search(text):
            raise ConfigError(
                name, f"{match[1]}.{match[2].split(',')[0].strip(' and')}".replace("'", ""), None,
                "missing required value", f"set it in {source}", system=system.name,
            ) from None
        if match := _UNKNOWN.search(text):
            raise ConfigError(
                name, f"{match[1]}.{match[2]}", None,
                "unknown setting", f"remove it from {source} or check its spelling "
                f"against {_defining_file(match[1], system)}",
                system=system.name,
            ) from None
        raise _file_error(name, error, system) from None
    except Exception as error:  # NameError, SyntaxError, ImportError, ... in a settings file
        raise _file_error(name, error, system) from None
    settings = getattr(module, "SETTINGS", None)
    expected = system.settings_class()
    if not isinstance(settings, expected):
        raise ConfigError(
            name, "SETTINGS", type(settings).__name__, f"not a {expected.__name__}",
            f"define SETTINGS = {expected.__name__}(...) in {source}", system=system.name,
        )
    if settings.name != name:
        raise ConfigError(
            name, "name", settings.name, "does not match the file name",
            f"set name={name!r} in {source}", system=system.name,
        )
    return settings
