"""The committed price table of a region (review/prices/<region>.toml)."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path

from modules.errors import ConfigError

PRICES_DIR = Path(__file__).parent / "prices"
STALE_AFTER_DAYS = 180
_REQUIRED = ("id", "usd", "unit", "offer", "usage_type")


@dataclass(frozen=True)
class Price:
    id: str
    usd: float
    unit: str
    offer: str
    usage_type: str
    filters: dict


@dataclass(frozen=True)
class PriceTable:
    region: str
    as_of: dt.date
    source: str
    path: Path
    prices: dict[str, Price]

    def get(self, price_id: str) -> Price | None:
        return self.prices.get(price_id)

    def age_days(self, today: dt.date | None = None) -> int:
        return ((today or dt.date.today()) - self.as_of).days

    def stale_warning(self, today: dt.date | None = None) -> str | None:
        age = self.age_days(today)
        if age <= STALE_AFTER_DAYS:
            return None
        return (f"warning: the {self.region} price table is {age} days old (as of {self.as_of}, limit "
                f"{STALE_AFTER_DAYS}); refresh it where the AWS price list is reachable: "
                f"python -m review refresh-prices --region {self.region}")


def table_path(region: str) -> Path:
    return PRICES_DIR / f"{region}.toml"


def load_prices(region: str, path: Path | None = None) -> PriceTable:
    path = path or table_path(region)
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in PRICES_DIR.glob("*.toml")))
        raise ConfigError(region, "region", region, f"no price table {path.name} (tables: {known})",
                          f"add review/prices/{region}.toml (copy one, then refresh-prices --region {region})")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(region, path.name, None, f"not valid TOML ({error})", "fix the syntax") from None
    prices: dict[str, Price] = {}
    for entry in data.get("price", []):
        missing = [k for k in _REQUIRED if k not in entry]
        unknown = sorted(set(entry) - set(_REQUIRED) - {"filters"})
        name = entry.get("id", "?")
        if missing or unknown:
            raise ConfigError(region, f"{path.name} price {name}", missing or unknown,
                              "missing keys" if missing else "unknown keys",
                              f"each [[price]] has exactly {', '.join(_REQUIRED)} (+ optional filters)")
        if not isinstance(entry["usd"], (int, float)) or entry["usd"] < 0:
            raise ConfigError(region, f"{path.name} price {name}.usd", entry["usd"], "not a number >= 0",
                              "write the USD price per unit")
        if name in prices:
            raise ConfigError(region, f"{path.name} price", name, "listed twice", "keep one entry")
        prices[name] = Price(name, float(entry["usd"]), entry["unit"], entry["offer"], entry["usage_type"],
                             dict(entry.get("filters", {})))
    as_of = data.get("as_of")
    if not isinstance(as_of, dt.date):
        raise ConfigError(region, f"{path.name} as_of", as_of, "not a date", 'write as_of = "YYYY-MM-DD" unquoted')
    return PriceTable(data.get("region", region), as_of, data.get("transcribed_from", ""), path, prices)
