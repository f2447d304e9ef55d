"""The shapes of a demo site and the geometry its builders share (no database).

Site builders work in a local metric frame and hand lon/lat records to `SiteBuilder`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import LineString, MultiPoint, Polygon
from shapely.geometry.polygon import orient

_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQUATOR = 111_320.0
_REFERENCE_YEAR = 2025  # fixed, so that birth years do not depend on the day of generation


@dataclass(frozen=True, slots=True)
class UnitSpec:
    """An org unit: district, street, community, grid, department, town or zone."""

    key: str
    parent_key: str | None
    kind: str
    name: str
    name_zh: str | None
    boundary: dict[str, Any] | None
    code: str


@dataclass(frozen=True, slots=True)
class BuildingSpec:
    """A residential building, attached to the deepest unit (grid or zone) containing it."""

    key: str
    unit_key: str
    name: str
    address: str
    postal: str | None
    lat: float
    lon: float
    floors: int
    households: int
    name_zh: str | None = None  # what Chinese readers call it, where it has a Chinese name


@dataclass(frozen=True, slots=True)
class PlaceSpec:
    """A point of interest (bus stop, clinic, school, ...) in its deepest unit."""

    key: str
    unit_key: str
    kind: str
    name: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class RoadSpec:
    """A named road: a GeoJSON (Multi)LineString in lon/lat, `main` or `local`."""

    key: str
    unit_key: str
    kind: str
    name: str
    name_zh: str | None
    geometry: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ResidentSpec:
    """A synthetic resident living in a building."""

    key: str
    building_key: str
    name: str
    phone: str
    birth_year: int
    lives_alone: bool


@dataclass(frozen=True, slots=True)
class SiteSpec:
    """A whole demo site; `units` lists parents before children."""

    key: str
    name: str
    profile: str
    units: tuple[UnitSpec, ...]
    buildings: tuple[BuildingSpec, ...]
    places: tuple[PlaceSpec, ...]
    residents: tuple[ResidentSpec, ...]
    source_note: str
    roads: tuple[RoadSpec, ...] = ()


# --- geometry helpers ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Frame:
    """A local equirectangular frame in metres, accurate enough over a district."""

    lon0: float
    lat0: float

    @property
    def kx(self) -> float:
        """Metres per degree of longitude at the frame's latitude."""
        return _M_PER_DEG_LON_EQUATOR * math.cos(math.radians(self.lat0))

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        """Return (lon, lat) as (x, y) metres from the frame's origin."""
        return (lon - self.lon0) * self.kx, (lat - self.lat0) * _M_PER_DEG_LAT

    def lonlat(self, x: float, y: float) -> tuple[float, float]:
        """Return (x, y) metres from the origin as (lon, lat)."""
        return self.lon0 + x / self.kx, self.lat0 + y / _M_PER_DEG_LAT

    def geojson(self, polygon: Polygon) -> dict[str, Any]:
        """Return the polygon (in metres) as a GeoJSON Polygon in lon/lat, exterior CCW."""
        lonlat = orient(
            shapely.transform(
                polygon, lambda c: c / (self.kx, _M_PER_DEG_LAT) + (self.lon0, self.lat0)
            ),
            1.0,
        )
        rings = [lonlat.exterior, *lonlat.interiors]
        return {"type": "Polygon", "coordinates": [[[x, y] for x, y in r.coords] for r in rings]}


def voronoi_cells(parent: Polygon, seeds: Sequence[tuple[float, float]]) -> list[Polygon]:
    """Return the Voronoi cells of `seeds` clipped to the convex `parent`, in seed order."""
    if len(seeds) == 1:
        return [parent]
    diagram = shapely.voronoi_polygons(MultiPoint(list(seeds)), extend_to=parent, ordered=True)
    cells: list[Polygon] = []
    for cell in diagram.geoms:
        clipped = cell.intersection(parent)
        if clipped.geom_type != "Polygon" or clipped.is_empty:
            raise RuntimeError(f"partition produced a {clipped.geom_type}; parent must be convex")
        cells.append(clipped)
    return cells


def point_in(polygon: Polygon, rng: random.Random) -> tuple[float, float]:
    """Return a uniformly random point strictly inside `polygon`."""
    minx, miny, maxx, maxy = polygon.bounds
    for _ in range(1000):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.contains_xy(polygon, x, y):
            return x, y
    point = polygon.representative_point()
    return point.x, point.y


def spread_points(polygon: Polygon, count: int, rng: random.Random) -> list[tuple[float, float]]:
    """Return `count` well-spread points inside `polygon` (Mitchell's best candidate)."""
    points: list[tuple[float, float]] = []
    while len(points) < count:
        candidates = [point_in(polygon, rng) for _ in range(10)]
        points.append(
            max(candidates, key=lambda c: min((math.dist(c, p) for p in points), default=0.0))
        )
    return points


def partition(polygon: Polygon, count: int, rng: random.Random) -> list[Polygon]:
    """Split a convex polygon into `count` convex cells of uneven, natural-looking shape."""
    seeds = spread_points(polygon, count, rng)
    # One Lloyd step evens out the slivers that raw Voronoi cells tend to have.
    cells = voronoi_cells(polygon, seeds)
    seeds = [(c.centroid.x, c.centroid.y) for c in cells]
    cells = voronoi_cells(polygon, seeds)
    return sorted(cells, key=lambda c: (-round(c.centroid.y, -2), c.centroid.x))


def inner_polygon(polygon: Polygon, margin: float) -> Polygon:
    """Return the polygon shrunk by up to `margin` metres, so points stay clear of edges."""
    while margin > 0.01:
        shrunk = polygon.buffer(-margin)
        if not shrunk.is_empty and shrunk.geom_type == "Polygon":
            return shrunk
        margin /= 4
    return polygon


# --- people ----------------------------------------------------------------------------------


def _birth_year_and_alone(rng: random.Random) -> tuple[int, bool]:
    low, high = rng.choices(((18, 39), (40, 64), (65, 95)), weights=(4, 4, 2))[0]
    age = rng.randint(low, high)
    return _REFERENCE_YEAR - age, rng.random() < (0.28 if age >= 65 else 0.06)


@dataclass(slots=True)
class SiteBuilder:
    """Collect a site's records and convert metres to lon/lat on the way in."""

    frame: Frame
    person_name: Callable[[random.Random], str]
    phone: Callable[[random.Random], str]
    units: list[UnitSpec] = field(default_factory=list)
    buildings: list[BuildingSpec] = field(default_factory=list)
    places: list[PlaceSpec] = field(default_factory=list)
    residents: list[ResidentSpec] = field(default_factory=list)
    roads: list[RoadSpec] = field(default_factory=list)
    phones: set[str] = field(default_factory=set)

    def unit(
        self,
        key: str,
        parent_key: str | None,
        kind: str,
        name: str,
        name_zh: str | None,
        polygon: Polygon | None,
        code: str,
    ) -> None:
        """Add an org unit whose boundary is `polygon` in metres (None for departments)."""
        boundary = None if polygon is None else self.frame.geojson(polygon)
        self.units.append(UnitSpec(key, parent_key, kind, name, name_zh, boundary, code))

    def place(self, key: str, unit_key: str, kind: str, name: str, xy: tuple[float, float]) -> None:
        """Add a place at `xy` metres in the frame."""
        lon, lat = self.frame.lonlat(*xy)
        self.places.append(PlaceSpec(key, unit_key, kind, name, lat, lon))

    def road(
        self,
        key: str,
        unit_key: str,
        kind: str,
        names: tuple[str, str | None],
        lines: Sequence[LineString],
    ) -> None:
        """Add a road named (name, Chinese name) drawn as `lines` in metres."""
        parts = [[list(self.frame.lonlat(x, y)) for x, y in line.coords] for line in lines]
        parts = [[[round(lon, 6), round(lat, 6)] for lon, lat in part] for part in parts]
        geometry: dict[str, Any] = (
            {"type": "LineString", "coordinates": parts[0]}
            if len(parts) == 1
            else {"type": "MultiLineString", "coordinates": parts}
        )
        self.roads.append(RoadSpec(key, unit_key, kind, names[0], names[1], geometry))

    def building(
        self,
        rng: random.Random,
        spec: tuple[str, str, str, str, str | None],
        lonlat: tuple[float, float],
        floors: int,
        households: int,
        name_zh: str | None = None,
    ) -> None:
        """Add a building from (key, unit_key, name, address, postal) and 2-6 residents in it."""
        key, unit_key, name, address, postal = spec
        lon, lat = lonlat
        self.buildings.append(
            BuildingSpec(
                key, unit_key, name, address, postal, lat, lon, floors, households, name_zh
            )
        )
        for index in range(1, rng.randint(2, 6) + 1):
            phone = self.phone(rng)
            while phone in self.phones:
                phone = self.phone(rng)
            self.phones.add(phone)
            birth_year, alone = _birth_year_and_alone(rng)
            self.residents.append(
                ResidentSpec(
                    f"{key}/r{index}", key, self.person_name(rng), phone, birth_year, alone
                )
            )

    def site(self, key: str, name: str, profile: str, source_note: str) -> SiteSpec:
        """Freeze what was collected into a SiteSpec."""
        return SiteSpec(
            key,
            name,
            profile,
            tuple(self.units),
            tuple(self.buildings),
            tuple(self.places),
            tuple(self.residents),
            source_note,
            tuple(self.roads),
        )


def check_scale(scale: float) -> None:
    """Refuse a scale outside (0, 1]."""
    if not 0 < scale <= 1:
        raise ValueError(f"scale must be in (0, 1], got {scale}")
