"""Cost output: Markdown tables for people, JSON for machines, and the difference to a base synth."""

from __future__ import annotations

import json
from pathlib import Path

from review.cost import StackCost, estimate
from review.prices import PriceTable, load_prices
from review.registry import Registry, load_registry
from review.stacks import Stack, load_stacks, stack_names
from review.usage import USAGE_FILE, Usage, load_usage


def _known_environments(outdirs: list[Path]) -> set[str]:
    """The project's environment names and those of the stacks at hand (a usage section must name one)."""
    try:
        from environments import ENVIRONMENT_NAMES
        known = set(ENVIRONMENT_NAMES)
    except ImportError:  # the settings package was reorganised: the stacks still say which environments exist
        known = set()
    for outdir in outdirs:
        known |= {s.environment for s in load_stacks(outdir)}
    return known


def costs(outdir: Path, names: list[str] | None = None, *, usage_file: Path = USAGE_FILE,
          extra_outdirs: list[Path] = (), registry: Registry | None = None) -> tuple[list[StackCost], list[str]]:
    """The estimate of each stack, and the warnings (stale price tables) to print on stderr."""
    registry = registry or load_registry()
    stacks = load_stacks(outdir, names)
    dirs = [outdir, *extra_outdirs]
    usage = load_usage(usage_file, known_environments=_known_environments(dirs),
                       known_stacks={n for d in dirs for n in stack_names(d)}, defaults=registry.usage_defaults)
    return _estimate_all(stacks, usage, registry)


def _estimate_all(stacks: list[Stack], usage: Usage, registry: Registry) -> tuple[list[StackCost], list[str]]:
    tables: dict[str, PriceTable] = {}
    warnings: list[str] = []
    results = []
    for stack in stacks:
        if stack.region not in tables:
            tables[stack.region] = load_prices(stack.region)
            if warning := tables[stack.region].stale_warning():
                warnings.append(warning)
        results.append(estimate(stack, tables[stack.region], usage.for_stack(stack.name, stack.environment),
                                registry))
    return results, warnings


def _usd(value: float) -> str:
    return f"{value:,.2f}"


def _quantity(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.3g}"


def markdown(result: StackCost) -> str:
    out = [f"### {result.stack} (environment {result.environment}, {result.region}, prices as of "
           f"{result.prices_as_of})", "",
           "| resource | item | quantity | unit | unit price USD | monthly USD |",
           "|---|---|---:|---|---:|---:|"]
    for kind, title in (("fixed", "fixed (730 h/month)"), ("usage", "usage (review/usage.toml)")):
        for line in sorted((l for l in result.lines if l.kind == kind), key=lambda l: -l.monthly_max):
            if line.unit_price == 0 and "counted on" in line.item:
                continue
            quantity = _quantity(line.quantity) + (f"-{_quantity(line.quantity_max)}"
                                                  if line.quantity_max is not None else "")
            monthly = _usd(line.monthly) + (f"-{_usd(line.monthly_max)}" if line.quantity_max is not None else "")
            out.append(f"| `{line.resource}` | {line.item} | {quantity} | {line.unit} | "
                       f"{line.unit_price:.6g} | {monthly} |")
        low, high = result.subtotal(kind), result.subtotal(kind, True)
        out.append(f"| **{title}** | | | | | **{_usd(low)}" + (f"-{_usd(high)}" if high != low else "") + "** |")
    total = _usd(result.total) + (f"-{_usd(result.total_max)}" if result.total_max != result.total else "")
    out.append(f"| **total** | | | | | **{total}** |")
    out.append("")
    if result.unpriced:
        out.append("**Unpriced** (not in the total): " + "; ".join(
            f"{t} x{n} ({result.unpriced_reasons.get(t, '')})" for t, n in sorted(result.unpriced.items())))
    else:
        out.append("Unpriced: none.")
    out.append(f"Free (review/resource_types.toml): {sum(result.free.values())} resources of "
               f"{len(result.free)} types.")
    return "\n".join(out)


def summary_markdown(results: list[StackCost]) -> str:
    out = ["| stack | fixed USD/month | usage USD/month | total USD/month | unpriced types |",
           "|---|---:|---:|---:|---|"]
    for r in results:
        rng = f"-{_usd(r.total_max)}" if r.total_max != r.total else ""
        out.append(f"| {r.stack} | {_usd(r.subtotal('fixed'))} | {_usd(r.subtotal('usage'))} | "
                   f"{_usd(r.total)}{rng} | {', '.join(sorted(r.unpriced)) or 'none'} |")
    return "\n".join(out)


def compare(head: list[StackCost], base: list[StackCost]) -> list[dict]:
    """Per stack: base and head totals and the difference (stacks added or removed count from/to 0)."""
    by_base = {r.stack: r for r in base}
    by_head = {r.stack: r for r in head}
    rows = []
    for name in sorted(set(by_base) | set(by_head)):
        b, h = by_base.get(name), by_head.get(name)
        base_total = round(b.total, 2) if b else 0.0
        head_total = round(h.total, 2) if h else 0.0
        rows.append({
            "stack": name,
            "status": "added" if b is None else "removed" if h is None else "changed"
            if head_total != base_total else "unchanged",
            "base_monthly_usd": base_total,
            "head_monthly_usd": head_total,
            "diff_monthly_usd": round(head_total - base_total, 2),
            "base_monthly_usd_max": round(b.total_max, 2) if b else 0.0,
            "head_monthly_usd_max": round(h.total_max, 2) if h else 0.0,
            "lines_changed": _changed_lines(b, h),
        })
    return rows


def _changed_lines(base: StackCost | None, head: StackCost | None) -> list[dict]:
    def key(result):
        out: dict[tuple[str, str], float] = {}
        for line in (result.lines if result else []):
            k = (line.resource, line.item)
            out[k] = out.get(k, 0.0) + line.monthly
        return out
    b, h = key(base), key(head)
    changes = []
    for k in sorted(set(b) | set(h)):
        diff = round(h.get(k, 0.0) - b.get(k, 0.0), 2)
        if diff:
            changes.append({"resource": k[0], "item": k[1], "base_monthly_usd": round(b.get(k, 0.0), 2),
                            "head_monthly_usd": round(h.get(k, 0.0), 2), "diff_monthly_usd": diff})
    return changes


def compare_markdown(rows: list[dict]) -> str:
    out = ["| stack | base USD/month | this change USD/month | difference | |", "|---|---:|---:|---:|---|"]
    for r in rows:
        pct = (f" ({r['diff_monthly_usd'] / r['base_monthly_usd']:+.1%})" if r["base_monthly_usd"] else "")
        out.append(f"| {r['stack']} | {_usd(r['base_monthly_usd'])} | {_usd(r['head_monthly_usd'])} | "
                   f"{r['diff_monthly_usd']:+,.2f}{pct} | {r['status']} |")
    for r in rows:
        if r["lines_changed"]:
            out.append("")
            out.append(f"{r['stack']}: " + "; ".join(
                f"`{c['resource']}` {c['item']} {c['diff_monthly_usd']:+,.2f}" for c in r["lines_changed"]))
    total = sum(r["diff_monthly_usd"] for r in rows)
    out.append("")
    out.append(f"Total difference: {total:+,.2f} USD/month")
    return "\n".join(out)


def as_json(value: object) -> str:
    return json.dumps(value, indent=2, sort_keys=False)


# -- the estimate a stack's budget is derived from (main.py, before the stack is written) -------------
_ESTIMATOR: dict = {}


def monthly_estimate(stack_name: str, document: dict, *, known_stacks: set[str], known_environments: set[str],
                     usage_file: Path = USAGE_FILE) -> float:
    """``make cost``'s estimate of one stack's Terraform JSON, autoscaling at its maximum (USD/month):
    what its budget is derived from. The registry, the usage file and the price tables are read once."""
    from review.stacks import Stack

    key = (usage_file, frozenset(known_stacks), frozenset(known_environments))
    if key not in _ESTIMATOR:
        registry = load_registry()
        usage = load_usage(usage_file, known_environments=set(known_environments), known_stacks=set(known_stacks),
                           defaults=registry.usage_defaults)
        _ESTIMATOR.clear()
        _ESTIMATOR[key] = (registry, usage, {})
    registry, usage, tables = _ESTIMATOR[key]
    stack = Stack(stack_name, document)
    if stack.region not in tables:
        tables[stack.region] = load_prices(stack.region)
    return estimate(stack, tables[stack.region], usage.for_stack(stack.name, stack.environment), registry).total_max
