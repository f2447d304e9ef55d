"""Derive the compact Sengkang subset shipped with the demo from the Singapore reference data.

Usage: python scripts/derive_sengkang.py /work/shared/data/singapore [--output PATH]

Keeps the HDB blocks of town SENGKANG and the bus stops within ~800 m of any of them, copying
codes, names and coordinates verbatim so that the demo built from this file equals the one built
from the full data.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from pathlib import Path

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "src/linli/twin/data/sengkang.csv"
COLUMNS = ("kind", "code", "name", "street", "postal", "lat", "lon")
STOP_REACH_M = 800.0
EARTH_RADIUS_M = 6_371_008.8


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance in metres between two points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def derive(folder: Path) -> list[dict[str, str]]:
    """Return the shipped rows: Sengkang blocks, then nearby bus stops ordered by code."""
    with (folder / "hdb_blocks.csv").open(newline="", encoding="utf-8") as handle:
        blocks = [row for row in csv.DictReader(handle) if row["town"] == "SENGKANG"]
    with (folder / "bus_stops.csv").open(newline="", encoding="utf-8") as handle:
        stops = list(csv.DictReader(handle))
    points = [(float(b["lat"]), float(b["lon"])) for b in blocks]
    # A degree of latitude is ~110.6 km; a cheap box test skips most of the island.
    pad = STOP_REACH_M / 110_000 * 1.2
    lat_lo, lat_hi = min(p[0] for p in points) - pad, max(p[0] for p in points) + pad
    lon_lo, lon_hi = min(p[1] for p in points) - pad, max(p[1] for p in points) + pad
    rows = [
        {
            "kind": "block",
            "code": b["block"],
            "name": "",
            "street": b["street"],
            "postal": b["postal"],
            "lat": b["lat"],
            "lon": b["lon"],
        }
        for b in blocks
    ]
    nearby = []
    for stop in stops:
        lat, lon = float(stop["lat"]), float(stop["lon"])
        if not (lat_lo <= lat <= lat_hi and lon_lo <= lon <= lon_hi):
            continue
        if any(distance_m(lat, lon, b_lat, b_lon) <= STOP_REACH_M for b_lat, b_lon in points):
            nearby.append(stop)
    rows += [
        {
            "kind": "bus_stop",
            "code": s["stop_code"],
            "name": s["name"],
            "street": s["road"],
            "postal": "",
            "lat": s["lat"],
            "lon": s["lon"],
        }
        for s in sorted(nearby, key=lambda s: s["stop_code"])
    ]
    return rows


def main(argv: list[str] | None = None) -> int:
    """Write the derived Sengkang subset and report what it holds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="folder holding hdb_blocks.csv and bus_stops.csv")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    for name in ("hdb_blocks.csv", "bus_stops.csv"):
        if not (args.folder / name).is_file():
            parser.error(f"{args.folder / name} not found")
    rows = derive(args.folder)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    blocks = sum(row["kind"] == "block" for row in rows)
    print(f"wrote {args.output}: {blocks} blocks, {len(rows) - blocks} bus stops")
    return 0


if __name__ == "__main__":
    sys.exit(main())
