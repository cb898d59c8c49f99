"""The registry of resource types (review/resource_types.toml): one entry per type, the one place a type is added.

An entry says how the type is priced (free, unpriced, declarative lines or a named rule of review/cost.py,
with the price ids and the usage keys and defaults it reads) and, optionally, how the diagram counts it.
Checked when read: a wrong entry is one :class:`ConfigError` naming the type, the key and the fix.
"""

from __future__ import annotations

import fnmatch
import functools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from modules.errors import ConfigError

TYPES_FILE = Path(__file__).parent / "resource_types.toml"
HOURS_QUANTITY = "hours"   # a line's quantity: 730 hours a month
_KINDS = ("free", "unpriced", "lines", "rule")
_KEYS = {*_KINDS, "prices", "usage", "diagram"}
_LINE_KEYS = ("item", "quantity", "unit", "price")
_DIAGRAM_KEYS = {"count", "icon", "node"}
_FIELD = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class LineSpec:
    """One declared line: ``quantity`` is a number, ``"hours"`` or a usage key of the entry."""

    item: str
    quantity: float | str
    unit: str
    price: str


@dataclass(frozen=True)
class Drawn:
    """How the diagram counts the type in "Regional services": ``<n> <count>``, alone or in a shared node."""

    count: str
    icon: str
    node: str | None = None


@dataclass(frozen=True)
class Entry:
    type: str
    free: str | None = None
    unpriced: str | None = None
    rule: str | None = None
    lines: tuple[LineSpec, ...] = ()
    prices: tuple[str, ...] = ()          # the declared price ids (patterns with * for a size)
    usage: dict[str, float] = field(default_factory=dict)   # usage key -> default
    diagram: Drawn | None = None

    @property
    def kind(self) -> str:
        """``free``, ``unpriced`` or ``priced``."""
        return "free" if self.free is not None else "unpriced" if self.unpriced is not None else "priced"

    def declares_price(self, price_id: str) -> bool:
        return any(fnmatch.fnmatchcase(price_id, pattern) for pattern in self.prices)


@dataclass(frozen=True)
class Registry:
    path: Path
    entries: dict[str, Entry]

    def get(self, resource_type: str) -> Entry | None:
        return self.entries.get(resource_type)

    def kind(self, resource_type: str) -> str | None:
        """``priced``, ``free`` or ``unpriced``; None for a type with no entry."""
        entry = self.entries.get(resource_type)
        return entry.kind if entry else None

    @property
    def usage_defaults(self) -> dict[str, float]:
        """Every usage key of every priced type, with its default."""
        return {key: value for entry in self.entries.values() for key, value in entry.usage.items()}

    def counted(self) -> list["Counted"]:
        """The diagram's counted nodes, in the order of the file.

        A type without ``node`` is a node of its own (key: the type); the types sharing a ``node`` are one
        node (key: the node in lower case, the node as its title), placed where the first of them is.
        """
        nodes: dict[str, Counted] = {}
        for entry in self.entries.values():
            drawn = entry.diagram
            if drawn is None:
                continue
            key = drawn.node.lower() if drawn.node else entry.type
            nodes.setdefault(key, Counted(key, drawn.node, drawn.icon, [])).members.append((entry.type, drawn.count))
        return list(nodes.values())


@dataclass(frozen=True)
class Counted:
    """One counted node of the diagram: ``<n> <count>`` per member type present, under ``title`` if shared."""

    key: str
    title: str | None
    icon: str
    members: list[tuple[str, str]]   # (resource type, what it counts)


def _fail(resource_type: str, key: str, value: object, problem: str, fix: str) -> ConfigError:
    return ConfigError(f"{TYPES_FILE.name} [{resource_type}]", key, value, problem, fix)


def _text(resource_type: str, key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(resource_type, key, value, "not a text", f'write {key} = "..."')
    return value


def _number(resource_type: str, key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise _fail(resource_type, key, value, "not a number >= 0", "write a plain number, e.g. 10 or 0.5")
    return value


def _line(resource_type: str, index: int, spec: object, usage: dict[str, float]) -> LineSpec:
    where = f"lines[{index}]"
    if not isinstance(spec, dict) or set(spec) != set(_LINE_KEYS):
        raise _fail(resource_type, where, spec, "not a line",
                    f"write {{ {', '.join(f'{k} = ...' for k in _LINE_KEYS)} }}")
    quantity = spec["quantity"]
    if isinstance(quantity, str):
        if quantity != HOURS_QUANTITY and quantity not in usage:
            raise _fail(resource_type, f"{where}.quantity", quantity, "neither \"hours\" nor a usage key of the type",
                        f"declare usage.{quantity} = <default> in [{resource_type}], or write a number")
    else:
        _number(resource_type, f"{where}.quantity", quantity)
    item, unit, price = (_text(resource_type, f"{where}.{key}", spec[key]) for key in ("item", "unit", "price"))
    return LineSpec(item, quantity, unit, price)


def _entry(resource_type: str, table: object) -> Entry:
    if not isinstance(table, dict):
        raise _fail(resource_type, resource_type, table, "not a table", f"write [{resource_type}] and its keys")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise _fail(resource_type, unknown[0], table[unknown[0]], "unknown key", f"use {', '.join(sorted(_KEYS))}")
    kinds = [k for k in _KINDS if k in table]
    if len(kinds) != 1:
        raise _fail(resource_type, "+".join(kinds) or "kind", None, "not exactly one way to price it",
                    "write one of free = \"reason\", unpriced = \"reason\", lines = [...], rule = \"name\"")
    kind = kinds[0]
    usage_table = table.get("usage", {})
    if kind in ("free", "unpriced") and ("usage" in table or "prices" in table):
        raise _fail(resource_type, "usage" if "usage" in table else "prices", None, f"a {kind} type reads none",
                    "remove it, or price the type with lines or a rule")
    if not isinstance(usage_table, dict):
        raise _fail(resource_type, "usage", usage_table, "not a table", "write usage.<key> = <default>")
    usage = {key: float(_number(resource_type, f"usage.{key}", value)) for key, value in usage_table.items()}
    entry = {"type": resource_type, "usage": usage}
    if kind in ("free", "unpriced"):
        entry[kind] = _text(resource_type, kind, table[kind])
    elif kind == "rule":
        entry["rule"] = _text(resource_type, "rule", table["rule"])
        prices = table.get("prices")
        if not isinstance(prices, list) or not prices or not all(isinstance(p, str) and p for p in prices):
            raise _fail(resource_type, "prices", prices, "a rule needs the price ids it asks for",
                        'write prices = ["id", "size.*"] (ids of review/prices/<region>.toml)')
        entry["prices"] = tuple(prices)
    else:
        if "prices" in table:
            raise _fail(resource_type, "prices", table["prices"], "lines name their prices themselves", "remove it")
        specs = table["lines"]
        if not isinstance(specs, list) or not specs:
            raise _fail(resource_type, "lines", specs, "no lines", "write lines = [{ item = ..., ... }]")
        entry["lines"] = tuple(_line(resource_type, i, spec, usage) for i, spec in enumerate(specs))
        entry["prices"] = tuple(_FIELD.sub("*", spec.price) for spec in entry["lines"])
        unread = sorted(set(usage) - {spec.quantity for spec in entry["lines"]})
        if unread:
            raise _fail(resource_type, f"usage.{unread[0]}", usage[unread[0]], "no line reads it",
                        "use it as a line's quantity, or remove it")
    if "diagram" in table:
        drawn = table["diagram"]
        if not isinstance(drawn, dict) or not {"count", "icon"} <= set(drawn) <= _DIAGRAM_KEYS:
            raise _fail(resource_type, "diagram", drawn, "not a diagram entry",
                        'write diagram = { count = "things", icon = "<key of ICONS>" } (+ node = "Title")')
        entry["diagram"] = Drawn(*(_text(resource_type, f"diagram.{k}", drawn[k]) for k in ("count", "icon")),
                                 _text(resource_type, "diagram.node", drawn["node"]) if "node" in drawn else None)
    return Entry(**entry)


@functools.lru_cache(maxsize=8)
def load_registry(path: Path = TYPES_FILE) -> Registry:
    """Read and check the registry (cached per path: it is read once per process)."""
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise ConfigError("review", path.name, None, f"not valid TOML ({error})", "fix the syntax") from None
    entries = {resource_type: _entry(resource_type, table) for resource_type, table in data.items()}
    owner: dict[str, str] = {}
    for entry in entries.values():
        for key in entry.usage:
            if key in owner:
                raise _fail(entry.type, f"usage.{key}", entry.usage[key], f"already a usage key of {owner[key]}",
                            "give each type its own key (one default, one place)")
            owner[key] = entry.type
    return Registry(path, entries)
