"""review/resource_types.toml: a resource type is one entry there, and the entry is the truth about it."""

from __future__ import annotations

import ast
import fnmatch
import inspect
import textwrap
from pathlib import Path

import pytest

from modules.errors import ConfigError
from review import cost, report
from review.diagram import _icons, build
from review.prices import PRICES_DIR, load_prices
from review.registry import TYPES_FILE, load_registry
from review.stacks import load_stacks
from review.usage import load_usage
from tests.review.conftest import write_stack

REGISTRY = load_registry()
PRICES = load_prices("ap-northeast-2")

THROWAWAY = '''
[aws_made_up_thing]
lines = [{ item = "made-up thing {name}", quantity = "hours", unit = "hours", price = "nat.hour" },
         { item = "made-up data", quantity = "made_up_gb", unit = "GB", price = "nat.gb" }]
usage.made_up_gb = 7               # GB per made-up thing
diagram = { count = "made-up things", icon = "generic" }
'''


def registry_with(tmp_path: Path, entry: str, base: str | None = None):
    """A copy of the committed registry (or ``base``) with ``entry`` appended, read as the registry."""
    path = tmp_path / "registry" / "resource_types.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text((TYPES_FILE.read_text() if base is None else base) + entry)
    return load_registry(path)


def made_up_stack(tmp_path: Path):
    write_stack(tmp_path, "made-up", {"aws_made_up_thing": {"a": {"name": "alpha"}, "b": {}},
                                      "aws_kms_key": {"k": {}}}, "dev")
    (stack,) = load_stacks(tmp_path, ["made-up"])
    return stack


# --- a new type is one entry ------------------------------------------------------------------------

def test_a_new_resource_type_is_one_entry_and_is_then_priced_drawn_and_its_usage_key_known(tmp_path):
    stack = made_up_stack(tmp_path)
    # GIVEN the committed registry: the type has no entry, so it is unpriced with its count
    (before,), _ = report.costs(tmp_path, ["made-up"])
    assert before.unpriced == {"aws_made_up_thing": 2}
    # WHEN one entry is added, and nothing else (not cost.py, not usage.toml, not the price table)
    registry = registry_with(tmp_path, THROWAWAY)
    (after,), _ = report.costs(tmp_path, ["made-up"], registry=registry)
    # THEN each resource is priced by the entry's lines, its usage line at the entry's default
    assert after.unpriced == {}
    made_up = [l for l in after.lines if l.resource.startswith("aws_made_up_thing.")]
    assert [(l.resource, l.item, l.quantity, l.kind, l.price_id) for l in made_up] == [
        ("aws_made_up_thing.a", "made-up thing alpha", 730, "fixed", "nat.hour"),
        ("aws_made_up_thing.a", "made-up data", 7.0, "usage", "nat.gb"),
        ("aws_made_up_thing.b", "made-up thing ", 730, "fixed", "nat.hour"),
        ("aws_made_up_thing.b", "made-up data", 7.0, "usage", "nat.gb")]
    assert after.total - before.total == pytest.approx(2 * (730 * PRICES.get("nat.hour").usd
                                                            + 7 * PRICES.get("nat.gb").usd))
    # AND its usage key is known to the usage file (refused without the entry)
    override = tmp_path / "usage.toml"
    override.write_text("[environment.dev]\nmade_up_gb = 9\n")
    usage = load_usage(override, known_environments={"dev"}, known_stacks=set(), defaults=registry.usage_defaults)
    assert usage.for_stack("made-up", "dev")["made_up_gb"] == 9
    with pytest.raises(ConfigError, match="unknown usage key"):
        load_usage(override, known_environments={"dev"}, known_stacks=set(), defaults=REGISTRY.usage_defaults)
    # AND the diagram counts it in the regional services
    regional = next(g for g in build(stack, registry).root.walk() if g.key == "regional")
    assert ("aws_made_up_thing", "2 made-up things", "generic") in [(i.key, i.label, i.icon) for i in regional.items]
    assert "made-up things" not in str(build(stack).root)


def test_a_new_type_priced_by_a_rule_is_one_entry_naming_it(tmp_path, monkeypatch):
    def made_up_rule(ctx: cost.Context, name: str, body: dict) -> list[cost.Line]:
        return [ctx.line(f"aws_made_up_thing.{name}", "made-up key", ctx.usage["made_up_gb"], "GB", "kms.key",
                         "usage")]

    monkeypatch.setitem(cost.RULES, "made_up_rule", made_up_rule)   # what @rule does, undone after the test
    registry = registry_with(tmp_path, '[aws_made_up_thing]\nrule = "made_up_rule"\nprices = ["kms.key"]\n'
                                       'usage.made_up_gb = 3\n')
    result = cost.estimate(made_up_stack(tmp_path), PRICES, registry.usage_defaults, registry)
    assert result.unpriced == {}
    assert [(l.item, l.quantity, l.unit_price) for l in result.lines if l.resource.startswith("aws_made_up")] == \
        [("made-up key", 3.0, PRICES.get("kms.key").usd)] * 2


@pytest.mark.parametrize("reads, asks, problem", [
    ("made_up_gb", "secret", "price id its entry does not declare"),
    ("s3_gb", "kms.key", "usage key its entry does not declare"),
])
def test_a_rule_may_read_only_what_its_entry_declares(tmp_path, monkeypatch, reads, asks, problem):
    def made_up_rule(ctx, name, body):
        return [ctx.line(f"aws_made_up_thing.{name}", "x", ctx.usage[reads], "GB", asks)]

    monkeypatch.setitem(cost.RULES, "made_up_rule", made_up_rule)
    registry = registry_with(tmp_path, '[aws_made_up_thing]\nrule = "made_up_rule"\nprices = ["kms.key"]\n'
                                       'usage.made_up_gb = 3\n')
    with pytest.raises(ConfigError, match=problem) as caught:
        cost.estimate(made_up_stack(tmp_path), PRICES, REGISTRY.usage_defaults | registry.usage_defaults, registry)
    assert "[aws_made_up_thing]" in str(caught.value)


def test_an_entry_naming_a_rule_that_does_not_exist_is_an_error_not_a_zero(tmp_path):
    registry = registry_with(tmp_path, '[aws_made_up_thing]\nrule = "made_up_rule"\nprices = ["kms.key"]\n')
    with pytest.raises(ConfigError, match="no such rule in review/cost.py"):
        cost.estimate(made_up_stack(tmp_path), PRICES, REGISTRY.usage_defaults, registry)


# --- a wrong entry is refused in one line ------------------------------------------------------------

@pytest.mark.parametrize("entry, phrases", [
    ('[aws_x]\nfree = "f"\nunpriced = "u"\n', ["free+unpriced", "not exactly one way"]),
    ('[aws_x]\nfree = "f"\ncolour = "red"\n', ["colour", "unknown key"]),
    ('[aws_x]\nfree = "f"\nusage.x_gb = 1\n', ["usage", "a free type reads none"]),
    ('[aws_x]\nrule = "nat_gateway"\n', ["prices", "a rule needs the price ids"]),
    ('[aws_x]\nlines = [{ item = "x", quantity = "x_gb", unit = "GB", price = "nat.gb" }]\n',
     ["lines[0].quantity", "x_gb", "nor a usage key"]),
    ('[aws_x]\nlines = [{ item = "x", quantity = 1, unit = "GB" }]\n', ["lines[0]", "not a line"]),
    ('[aws_x]\nlines = [{ item = "x", quantity = 1, unit = "GB", price = "nat.gb" }]\nusage.x_gb = 1\n',
     ["usage.x_gb", "no line reads it"]),
    ('[aws_x]\nlines = [{ item = "x", quantity = "x_gb", unit = "GB", price = "nat.gb" }]\nusage.x_gb = -1\n',
     ["usage.x_gb", "number >= 0"]),
    ('[aws_x]\nlines = [{ item = "x", quantity = "nat_gb", unit = "GB", price = "nat.gb" }]\nusage.nat_gb = 1\n'
     '[aws_y]\nlines = [{ item = "x", quantity = "nat_gb", unit = "GB", price = "nat.gb" }]\nusage.nat_gb = 2\n',
     ["[aws_y]", "usage.nat_gb", "already a usage key of aws_x"]),
    ('[aws_x]\nfree = "f"\ndiagram = { count = "xs" }\n', ["diagram", "not a diagram entry"]),
])
def test_a_wrong_entry_is_one_line_naming_the_type_the_key_and_the_fix(tmp_path, entry, phrases):
    with pytest.raises(ConfigError) as caught:
        registry_with(tmp_path, entry, base="")
    message = str(caught.value)
    assert "\n" not in message and "fix:" in message and "[aws_" in message
    for phrase in phrases:
        assert phrase in message


# --- the entries and the code agree ------------------------------------------------------------------

def _rule_entries() -> dict[str, list]:
    named: dict[str, list] = {}
    for entry in REGISTRY.entries.values():
        if entry.rule:
            named.setdefault(entry.rule, []).append(entry)
    return named


def test_every_rule_is_named_by_an_entry_and_every_named_rule_exists():
    assert set(_rule_entries()) == set(cost.RULES)


def _calls(fn) -> ast.AST:
    return ast.parse(textwrap.dedent(inspect.getsource(fn)))


def _usage_read(fn) -> set[str]:
    return {node.slice.value for node in ast.walk(_calls(fn))
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute)
            and node.value.attr == "usage" and isinstance(node.slice, ast.Constant)}


def _price_ids_asked(fn) -> tuple[set[str], set[str]]:
    """Literal price ids a rule passes to ctx.price / ctx.line, and the literal prefixes of its f-string ids."""
    literal, prefixes = set(), set()

    def collect(argument: ast.AST) -> None:
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            literal.add(argument.value)
        elif isinstance(argument, ast.JoinedStr):
            head = argument.values[0]
            prefixes.add(head.value if isinstance(head, ast.Constant) else "")
        elif isinstance(argument, ast.IfExp):
            collect(argument.body)
            collect(argument.orelse)

    for node in ast.walk(_calls(fn)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("price", "line"):
            index = 0 if node.func.attr == "price" else 4
            if len(node.args) > index:
                collect(node.args[index])
    return literal, prefixes


@pytest.mark.parametrize("name", sorted(cost.RULES))
def test_each_rule_reads_exactly_the_usage_keys_and_asks_only_for_the_prices_its_entries_declare(name):
    for entry in _rule_entries()[name]:
        assert _usage_read(cost.RULES[name]) == set(entry.usage), entry.type
        literal, prefixes = _price_ids_asked(cost.RULES[name])
        assert literal or prefixes, f"rule {name} asks for no price"
        assert all(entry.declares_price(price_id) for price_id in literal), (entry.type, literal, entry.prices)
        # an id built from the resource (f"ec2.{size}") starts as a declared id or pattern does
        assert all(any(p.startswith(prefix) or fnmatch.fnmatchcase(prefix + "size", p) for p in entry.prices)
                   for prefix in prefixes), (entry.type, prefixes, entry.prices)


@pytest.mark.parametrize("table", sorted(PRICES_DIR.glob("*.toml")), ids=lambda p: p.stem)
def test_every_declared_price_is_in_the_table_and_every_price_is_declared(table):
    prices = load_prices(table.stem, table).prices
    declared = [(entry.type, pattern) for entry in REGISTRY.entries.values() for pattern in entry.prices]
    assert declared
    for resource_type, pattern in declared:   # a fixed id exists, a pattern matches at least one size
        assert fnmatch.filter(prices, pattern), f"[{resource_type}] declares {pattern}: not in {table.name}"
    orphans = sorted(p for p in prices if not any(fnmatch.fnmatchcase(p, pattern) for _, pattern in declared))
    assert not orphans, f"prices no entry of resource_types.toml declares: {orphans}"


def test_every_counted_type_has_an_icon_the_diagram_draws():
    counted = REGISTRY.counted()
    assert [n.key for n in counted] == ["aws_ecr_repository", "aws_secretsmanager_secret", "aws_kms_key",
                                        "aws_sns_topic", "cloudwatch"]
    assert {n.icon for n in counted} <= set(_icons())
