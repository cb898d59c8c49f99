"""Which framework this Python runs (cdktf or CDK Terrain), decided without importing either.

Kept apart from :mod:`modules.framework` (the one module that imports the framework) so the pieces
that make a synth fast (``aws_provider``, ``node_lazy``, ``unchecked_bindings``) can read
:data:`PROVIDER_PACKAGE` without importing the framework module that imports them: no import cycle.
"""

from __future__ import annotations

import importlib.util
import os
import sys

from modules.errors import ConfigError

#: ``FRAMEWORK`` name -> (framework package, its prebuilt AWS provider package).
FRAMEWORKS: dict[str, tuple[str, str]] = {
    "cdktf": ("cdktf", "cdktf_cdktf_provider_aws"),
    "cdktn": ("cdktn", "cdktn_provider_aws"),
}
DEFAULT_FRAMEWORK = "cdktf"

def _installed(name: str) -> bool:
    return all(importlib.util.find_spec(package) is not None for package in FRAMEWORKS[name])


def select_framework(requested: str | None = None) -> str:
    """The framework to use: ``requested`` (default ``$FRAMEWORK``) or else the one installed.

    With both installed in one venv the default (cdktf) wins. A wrong or missing request
    raises :class:`~modules.errors.ConfigError` naming the fix.
    """
    requested = os.environ.get("FRAMEWORK", "") if requested is None else requested
    fix_install = "run 'make install FRAMEWORK={0}' and use its venv ({1})"
    if requested:
        if requested not in FRAMEWORKS:
            raise ConfigError("framework", "FRAMEWORK", requested, "is not a supported framework",
                              f"use one of {', '.join(FRAMEWORKS)} (or unset it to use the installed one)")
        if not _installed(requested):
            raise ConfigError("framework", "FRAMEWORK", requested, "is not installed in this Python "
                              f"({sys.prefix})", fix_install.format(requested, venv_of(requested)))
        return requested
    for name in sorted(FRAMEWORKS, key=lambda n: n != DEFAULT_FRAMEWORK):
        if _installed(name):
            return name
    raise ConfigError("framework", "FRAMEWORK", "", "no framework is installed in this Python "
                      f"({sys.prefix})", fix_install.format(DEFAULT_FRAMEWORK, venv_of(DEFAULT_FRAMEWORK)))


def venv_of(name: str) -> str:
    """The venv ``make`` installs framework ``name`` into."""
    return ".venv" if name == DEFAULT_FRAMEWORK else f".venv-{name}"


FRAMEWORK = select_framework()
PROVIDER_PACKAGE = FRAMEWORKS[FRAMEWORK][1]
