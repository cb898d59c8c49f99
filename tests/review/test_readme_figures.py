"""The README's cost table quotes what `make cost` prints today (figures must not rot)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
ROW = re.compile(r"^\| \S.*? `([\w-]+)` \| [^|]* \| ([\d.]+) \(([\d.]+)\) \|", re.M)


def test_every_quoted_estimate_is_the_current_one(cost_json):
    rows = ROW.findall(README.read_text())
    checked = [row for row in rows if row[0] in cost_json]
    assert checked, "the README's cost table quotes none of the synthesized stacks"
    for stack, total, maximum in checked:   # rows of systems not merged yet are checked once they are
        now = cost_json[stack]
        assert (float(total), float(maximum)) == (now["total_monthly_usd"], now["total_monthly_usd_max"]), (
            f"README: {stack} {total} ({maximum}); make cost now: {now['total_monthly_usd']} "
            f"({now['total_monthly_usd_max']}) — update the table (and the explanations) in README.md")
