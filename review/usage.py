"""The reviewed usage assumptions: the defaults of review/resource_types.toml (each priced type's usage.<key>),
overridden by review/usage.toml (or --usage FILE): [default] for every stack, [environment.<env>], [stack.<stack>]."""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from modules.errors import ConfigError

USAGE_FILE = Path(__file__).parent / "usage.toml"


@dataclass(frozen=True)
class Usage:
    path: Path
    default: dict[str, float]
    environments: dict[str, dict[str, float]]
    stacks: dict[str, dict[str, float]]

    def for_stack(self, stack: str, environment: str) -> dict[str, float]:
        return {**self.default, **self.environments.get(environment, {}), **self.stacks.get(stack, {})}


def _check(section: str, values: object, keys: set[str] | None, path: Path) -> dict[str, float]:
    if not isinstance(values, dict):
        raise ConfigError(section, path.name, values, "not a table", f"write [{section}] with key = number lines")
    for key, value in values.items():
        if keys is not None and key not in keys:
            close = difflib.get_close_matches(key, sorted(keys), n=1)
            hint = f"did you mean {close[0]}?" if close else "known keys: the usage.<key> of review/resource_types.toml"
            raise ConfigError(section, key, value, "unknown usage key", hint)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ConfigError(section, key, value, "not a number >= 0", "write a plain number, e.g. 10 or 0.5")
    return {k: float(v) for k, v in values.items()}


def load_usage(path: Path = USAGE_FILE, *, known_environments: set[str], known_stacks: set[str],
               defaults: dict[str, float]) -> Usage:
    """Read and check the file over ``defaults`` (the registry's usage keys, each with its default)."""
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise ConfigError("usage", path.name, None, f"not valid TOML ({error})", "fix the syntax") from None
    unknown_tables = sorted(set(data) - {"default", "environment", "stack"})
    if unknown_tables:
        raise ConfigError("usage", path.name, unknown_tables[0], "unknown table",
                          "use [default], [environment.<env>] or [stack.<stack>]")
    keys = set(defaults)
    default = {**defaults, **_check("default", data.get("default", {}), keys, path)}
    environments = {}
    for env, values in data.get("environment", {}).items():
        if env not in known_environments:
            raise ConfigError(f"environment.{env}", path.name, env, "no such environment",
                              f"use one of {', '.join(sorted(known_environments))}")
        environments[env] = _check(f"environment.{env}", values, keys, path)
    stacks = {}
    for name, values in data.get("stack", {}).items():
        if name not in known_stacks:
            raise ConfigError(f"stack.{name}", path.name, name, "no such stack in the synth output",
                              f"use one of {', '.join(sorted(known_stacks))}")
        stacks[name] = _check(f"stack.{name}", values, keys, path)
    return Usage(path, default, environments, stacks)
