"""Generate Sengkang town on its real HDB blocks and bus stops, with five estate zones."""

from __future__ import annotations

import csv
import json
import math
import random
import re
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import shapely
from shapely.geometry import MultiPoint, Point, Polygon

from linli.twin import names
from linli.twin.sites import (
    Frame,
    PlaceSpec,
    RoadSpec,
    SiteBuilder,
    SiteSpec,
    check_scale,
    inner_polygon,
    point_in,
    voronoi_cells,
)

SHIPPED_DATA = Path(__file__).parent / "data" / "sengkang.csv"
"""The compact Sengkang subset shipped with the demo (see data/README.md)."""

SHIPPED_ROADS = Path(__file__).parent / "data" / "sengkang_roads.geojson"
"""Sengkang's roads, drawn from the shipped blocks and bus stops (see data/README.md)."""

SINGAPORE_ATTRIBUTION = (
    "HDB blocks: HDB / OneMap addresses via github.com/veager/GeoDatabase-SG (MIT), June 2022; "
    "bus stops: LTA DataMall via github.com/cheeaun/sgbusdata (ISC), April 2026, "
    "Singapore Open Data Licence"
)


class _Block(NamedTuple):
    block: str
    street: str
    postal: str | None
    lon: float
    lat: float


class _Stop(NamedTuple):
    code: str
    name: str
    road: str
    lon: float
    lat: float


class _Zone(NamedTuple):
    slug: str
    name: str
    name_zh: str
    code: str
    street_prefixes: tuple[str, ...]  # blocks on these streets place the zone's centre
    lon: float  # fallback centre when no block matches
    lat: float
    streets: tuple[str, ...]  # streets of the synthetic fallback
    first_block: int


# Sengkang West Way/Ave blocks stand in Fernvale, so the town centre is placed by the eastern and
# central streets only; counting them would put it on top of Anchorvale.
_SENGKANG_ZONES = (
    _Zone("anchorvale", "Anchorvale", "安谷", "AV", ("ANCHORVALE",), 103.8890, 1.3926,
          ("ANCHORVALE RD", "ANCHORVALE LINK", "ANCHORVALE DR"), 301),
    _Zone("compassvale", "Compassvale", "康埔桦", "CV", ("COMPASSVALE",), 103.8974, 1.3893,
          ("COMPASSVALE WALK", "COMPASSVALE DR", "COMPASSVALE ST"), 201),
    _Zone("fernvale", "Fernvale", "芬薇", "FV", ("FERNVALE",), 103.8770, 1.3920,
          ("FERNVALE RD", "FERNVALE LINK", "FERNVALE LANE"), 401),
    _Zone("rivervale", "Rivervale", "河谷", "RV", ("RIVERVALE",), 103.9048, 1.3891,
          ("RIVERVALE DR", "RIVERVALE CRES", "RIVERVALE ST"), 101),
    _Zone("town-centre", "Sengkang Town Centre", "盛港镇中心", "TC",
          ("SENGKANG EAST", "SENGKANG CTRL", "SENGKANG CENTRAL"), 103.8958, 1.3916,
          ("SENGKANG EAST WAY", "SENGKANG CTRL", "SENGKANG EAST AVE"), 261),
)  # fmt: skip
_SENGKANG_ROADS = ("SENGKANG", "ANCHORVALE", "COMPASSVALE", "FERNVALE", "RIVERVALE")
_SENGKANG_DEPARTMENTS = (
    ("tc-estate-maintenance", "Town Council Estate Maintenance", "市镇理事会（维修）", "TCM"),
    ("tc-conservancy", "Town Council Conservancy", "市镇理事会（清洁）", "TCC"),
    ("nea", "NEA (National Environment Agency)", "国家环境局", "NEA"),
    ("pub", "PUB (water)", "公用事业局", "PUB"),
    ("lta", "LTA (roads & transport)", "陆路交通管理局", "LTA"),
    ("nparks", "NParks", "国家公园局", "NPK"),
    ("spf-npc", "SPF Neighbourhood Police Centre", "邻区警署", "NPC"),
)
_SENGKANG_AMENITIES = (
    ("community_centre", "Community Club"),
    ("clinic", "Family Clinic"),
    ("school", "Primary School"),
    ("market", "Hawker Centre & Market"),
    ("park", "Park"),
)
_SENGKANG_LANDMARKS = (
    ("town-centre", "clinic", "Sengkang Polyclinic"),
    ("fernvale", "park", "Sengkang Riverside Park"),
    ("compassvale", "school", "Compassvale Secondary School"),
)
_TOWN_STOP_REACH_M = 500.0  # a stop on a Sengkang road this close to a block shapes the boundary
_TOWN_MARGIN_M = 150.0


def _read_hdb_blocks(path: Path) -> list[_Block]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            _Block(
                row["block"],
                row["street"],
                row["postal"] or None,
                float(row["lon"]),
                float(row["lat"]),
            )
            for row in csv.DictReader(handle)
            if row["town"] == "SENGKANG"
        ]


def _read_lta_stops(path: Path) -> list[_Stop]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            _Stop(row["stop_code"], row["name"], row["road"], float(row["lon"]), float(row["lat"]))
            for row in csv.DictReader(handle)
        ]


def _read_shipped(path: Path) -> tuple[list[_Block], list[_Stop]]:
    blocks: list[_Block] = []
    stops: list[_Stop] = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            lon, lat = float(row["lon"]), float(row["lat"])
            if row["kind"] == "block":
                blocks.append(_Block(row["code"], row["street"], row["postal"] or None, lon, lat))
            elif row["kind"] == "bus_stop":
                stops.append(_Stop(row["code"], row["name"], row["street"], lon, lat))
    return blocks, stops


def _synthetic_sengkang(rng: random.Random) -> tuple[list[_Block], list[_Stop]]:
    """Invent 200 blocks and 30 bus stops clustered around the five estates."""
    frame = Frame(lon0=103.8930, lat0=1.3910)
    blocks: list[_Block] = []
    stops: list[_Stop] = []
    taken: list[tuple[float, float]] = []
    for zone_index, zone in enumerate(_SENGKANG_ZONES):
        cx, cy = frame.xy(zone.lon, zone.lat)
        for offset in range(40):
            xy = (cx + rng.gauss(0, 250), cy + rng.gauss(0, 250))
            while any(math.dist(xy, other) < 35 for other in taken):
                xy = (cx + rng.gauss(0, 250), cy + rng.gauss(0, 250))
            taken.append(xy)
            number, letter = zone.first_block + offset, rng.choice(("", "", "A", "B", "C"))
            sector = "79" if zone.slug == "fernvale" else "54"
            postal = f"{sector}{' ABC'.index(letter or ' ')}{number}"
            lon, lat = frame.lonlat(*xy)
            street = rng.choice(zone.streets)
            blocks.append(_Block(f"{number}{letter}", street, postal, lon, lat))
            if offset % 7 == 0:
                stop_lon, stop_lat = frame.lonlat(xy[0] + 30, xy[1] - 30)
                code = f"67{zone_index}{offset:02d}"
                stops.append(
                    _Stop(code, f"Blk {number}{letter}", street.title(), stop_lon, stop_lat)
                )
    return blocks, stops


def _load_sengkang(data_dir: Path | None, seed: int) -> tuple[list[_Block], list[_Stop], str, bool]:
    """Return Sengkang's blocks and nearby bus stops from the best source available, with a note
    on it and whether it is the real data."""
    if data_dir is not None:
        blocks_csv, stops_csv = data_dir / "hdb_blocks.csv", data_dir / "bus_stops.csv"
        if blocks_csv.is_file() and stops_csv.is_file():
            note = f"{SINGAPORE_ATTRIBUTION}; read from {data_dir}"
            return _read_hdb_blocks(blocks_csv), _read_lta_stops(stops_csv), note, True
        missing = f"{data_dir}/hdb_blocks.csv or bus_stops.csv not found"
    else:
        missing = "no data_dir given"
    shipped = SHIPPED_DATA
    if shipped.is_file():
        blocks, stops = _read_shipped(shipped)
        note = f"{SINGAPORE_ATTRIBUTION}; shipped subset linli/twin/data/sengkang.csv ({missing})"
        return blocks, stops, note, True
    blocks, stops = _synthetic_sengkang(random.Random(seed))
    note = f"synthetic fallback: {missing} and shipped {shipped} not found; blocks are invented"
    return blocks, stops, note, False


def _shipped_roads(path: Path) -> list[RoadSpec]:
    """Return the roads drawn from the real blocks and stops (none if the file is missing)."""
    if not path.is_file():
        return []
    roads = []
    for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
        name, kind = feature["properties"]["name"], feature["properties"]["kind"]
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        roads.append(
            RoadSpec(f"sengkang/road/{slug}", "sengkang", kind, name, None, feature["geometry"])
        )
    return roads


def _zone_centre(zone: _Zone, blocks: Sequence[_Block]) -> tuple[float, float]:
    members = [k for k in blocks if k.street.startswith(zone.street_prefixes)]
    if not members:
        return zone.lon, zone.lat
    return (
        sum(k.lon for k in members) / len(members),
        sum(k.lat for k in members) / len(members),
    )


def sengkang_town(*, data_dir: Path | None, scale: float = 1.0, seed: int = 11) -> SiteSpec:
    """Generate Sengkang town on its real HDB blocks and bus stops, with five estate zones."""
    check_scale(scale)
    rng = random.Random(seed)
    blocks, stops, note, real = _load_sengkang(data_dir, seed)
    frame = Frame(
        lon0=sum(k.lon for k in blocks) / len(blocks), lat0=sum(k.lat for k in blocks) / len(blocks)
    )
    b = SiteBuilder(frame, names.singapore_person_name, names.singapore_mobile)

    block_xy = [frame.xy(k.lon, k.lat) for k in blocks]
    stop_xy = [frame.xy(s.lon, s.lat) for s in stops]
    town_stops = [
        xy
        for s, xy in zip(stops, stop_xy, strict=True)
        if s.road.upper().startswith(_SENGKANG_ROADS)
    ]
    near = shapely.dwithin(shapely.points(town_stops), MultiPoint(block_xy), _TOWN_STOP_REACH_M)
    hull_points = block_xy + [xy for xy, keep in zip(town_stops, near, strict=True) if keep]
    town = MultiPoint(hull_points).convex_hull.buffer(_TOWN_MARGIN_M)
    centres = [frame.xy(*_zone_centre(zone, blocks)) for zone in _SENGKANG_ZONES]
    zones = list(zip(_SENGKANG_ZONES, voronoi_cells(town, centres), strict=True))

    b.unit("sengkang", None, "town", "Sengkang", "盛港", town, "SK")
    for slug, name, name_zh, code in _SENGKANG_DEPARTMENTS:
        b.unit(
            f"sengkang/dept/{slug}", "sengkang", "department", name, name_zh, None, f"SK-D-{code}"
        )
    for zone, cell in zones:
        shapely.prepare(cell)
        b.unit(
            f"sengkang/{zone.slug}",
            "sengkang",
            "zone",
            zone.name,
            zone.name_zh,
            cell,
            f"SK-{zone.code}",
        )

    def zone_key(xy: tuple[float, float]) -> str:
        point = Point(xy)
        zone, _cell = min(zones, key=lambda zc: (not zc[1].contains(point), zc[1].distance(point)))
        return f"sengkang/{zone.slug}"

    count = max(1, round(len(blocks) * scale))
    chosen = sorted(rng.sample(range(len(blocks)), count))
    for index in chosen:
        block, street = blocks[index], blocks[index].street.title()
        newer = not block.block.isdigit()  # lettered blocks are the later, taller ones
        floors = rng.randint(14, 25) if newer else rng.randint(10, 17)
        postal = f", Singapore {block.postal}" if block.postal else ", Singapore"
        spec = (
            f"sengkang/blk-{block.block}",
            zone_key(block_xy[index]),
            f"Blk {block.block} {street}",
            f"{block.block} {street}{postal}",
            block.postal,
        )
        b.building(rng, spec, (block.lon, block.lat), floors, floors * rng.randint(4, 8))

    for stop, xy in zip(stops, stop_xy, strict=True):
        if town.contains(Point(xy)):
            name = f"{stop.name}, {stop.road}"
            b.places.append(
                PlaceSpec(
                    f"sengkang/bus-stop/{stop.code}",
                    zone_key(xy),
                    "bus_stop",
                    name,
                    stop.lat,
                    stop.lon,
                )
            )
    _sengkang_amenities(b, rng, zones, block_xy)
    if real:  # roads drawn from the real blocks and stops; invented blocks get none
        b.roads.extend(_shipped_roads(SHIPPED_ROADS))
        note += "; roads drawn from them, linli/twin/data/sengkang_roads.geojson"
    return b.site("sengkang", "Sengkang", "town", note)


def _near(
    homes: Sequence[tuple[float, float]], inner: Polygon, rng: random.Random
) -> tuple[float, float]:
    """Return a point 40-120 m from one of `homes`, inside `inner` when possible."""
    for _ in range(20):
        x, y = rng.choice(homes)
        angle, reach = rng.uniform(0, math.tau), rng.uniform(40, 120)
        candidate = (x + reach * math.cos(angle), y + reach * math.sin(angle))
        if inner.contains(Point(candidate)):
            return candidate
    return point_in(inner, rng)


def _sengkang_amenities(
    b: SiteBuilder,
    rng: random.Random,
    zones: list[tuple[_Zone, Polygon]],
    block_xy: Sequence[tuple[float, float]],
) -> None:
    """Place synthetic community clubs, clinics, schools, hawker centres and parks per zone."""
    for zone, cell in zones:
        inner = inner_polygon(cell, 15.0)
        homes = [xy for xy in block_xy if inner.contains(Point(xy))] or [point_in(inner, rng)]
        unit_key = f"sengkang/{zone.slug}"
        items = [(kind, f"{zone.name} {suffix}") for kind, suffix in _SENGKANG_AMENITIES]
        items += [(kind, name) for slug, kind, name in _SENGKANG_LANDMARKS if slug == zone.slug]
        for index, (kind, name) in enumerate(items, start=1):
            b.place(f"{unit_key}/{kind}-{index}", unit_key, kind, name, _near(homes, inner, rng))
