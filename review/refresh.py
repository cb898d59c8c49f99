"""Re-read every price of a region's table from the AWS Price List API (needs network and
credentials allowed pricing:GetProducts). Never run by the tests.

    python -m review refresh-prices --region ap-northeast-2 [--dry-run]

Each [[price]] is looked up by its offer code (ServiceCode), usage type and filters;
an entry that matches no product, or products with different prices, is reported and
left as it was. On success ``usd`` values and ``as_of`` are rewritten in place.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys

from review.prices import load_prices, table_path

_REGION_NAMES = {"ap-northeast-2": "Asia Pacific (Seoul)"}


def _on_demand_usd(product: dict) -> set[float]:
    found = set()
    for term in product.get("terms", {}).get("OnDemand", {}).values():
        for dimension in term.get("priceDimensions", {}).values():
            usd = float(dimension.get("pricePerUnit", {}).get("USD", "nan"))
            if usd > 0:
                found.add(usd)
    return found


def lookup(client, price) -> set[float]:
    filters = [{"Type": "TERM_MATCH", "Field": "usagetype", "Value": price.usage_type}]
    filters += [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in price.filters.items()]
    found: set[float] = set()
    for page in client.get_paginator("get_products").paginate(ServiceCode=price.offer, Filters=filters):
        for item in page["PriceList"]:
            found |= _on_demand_usd(json.loads(item) if isinstance(item, str) else item)
    return found


def refresh_prices(region: str, *, dry_run: bool = False, client=None) -> int:
    import boto3  # only here: the cost command needs no AWS SDK session
    table = load_prices(region)
    client = client or boto3.client("pricing", region_name="us-east-1")
    text = table_path(region).read_text()
    problems = 0
    for price in table.prices.values():
        found = lookup(client, price)
        if len(found) != 1:
            problems += 1
            print(f"{price.id}: {len(found)} distinct prices for {price.offer} {price.usage_type} "
                  f"{price.filters or ''}: {sorted(found)}; left at {price.usd}", file=sys.stderr)
            continue
        usd = found.pop()
        if usd != price.usd:
            print(f"{price.id}: {price.usd} -> {usd} USD per {price.unit}")
            pattern = re.compile(rf'(id = "{re.escape(price.id)}"\nusd = )[0-9.e-]+')
            text = pattern.sub(lambda m: f"{m[1]}{usd:g}", text)
    today = dt.date.today().isoformat()
    text = re.sub(r"^as_of = .*$", f"as_of = {today}", text, count=1, flags=re.M)
    text = re.sub(r"^transcribed_from = .*$", f'transcribed_from = "AWS Price List API, {today} '
                  f'(python -m review refresh-prices)"', text, count=1, flags=re.M)
    if not dry_run:
        table_path(region).write_text(text)
    print(f"{'would write' if dry_run else 'wrote'} {table_path(region)} (as_of {today}); {problems} entries "
          "need a look (see above)")
    return 1 if problems else 0
