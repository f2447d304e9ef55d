"""Roads: store a site's roads (a trusted import, all or nothing) and find the ones a map shows.

Roads are public facts, like the names of the areas: whoever may see a map may see its roads.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shapely.errors import GEOSException
from shapely.geometry import LineString, shape
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.errors import Conflict, ValidationFailed
from linli.core.geo import Box
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.registry.roads import repository
from linli.registry.roads.models import Road
from linli.registry.roads.schemas import RoadCreate
from linli.security import audit

MAX_POINTS = 20_000  # points in one road's line: a district's longest avenue needs far fewer


@dataclass(frozen=True, slots=True)
class MapRoad:
    """A road as a map draws it: its line, and a point halfway along it to write its name at."""

    road: Road
    label_lon: float
    label_lat: float


def _bounds(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    """Return the line's lon/lat box, refusing anything but a valid (Multi)LineString."""
    try:
        line = shape(geometry)
        points = len(line.coords) if line.geom_type == "LineString" else None
    except (GEOSException, AttributeError, KeyError, TypeError, ValueError, IndexError) as err:
        raise ValidationFailed("road geometry is not GeoJSON", code="bad_road_geometry") from err
    if line.geom_type == "MultiLineString":
        points = sum(len(part.coords) for part in line.geoms)
    if points is None or line.is_empty or line.length == 0 or points > MAX_POINTS:
        raise ValidationFailed(
            f"a road is a LineString or MultiLineString of at most {MAX_POINTS} points",
            code="bad_road_geometry",
        )
    west, south, east, north = line.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise ValidationFailed("road coordinates are lon, lat in degrees", code="bad_road_geometry")
    return west, south, east, north


async def import_roads(
    session: AsyncSession, *, rows: Sequence[RoadCreate], actor: str = "system"
) -> list[Road]:
    """Store many roads at once, each in the unit given (trusted import); all or nothing."""
    codes = [r.code for r in rows]
    taken = codes and list(await session.scalars(repository.codes_taken(codes)))
    if len(set(codes)) != len(codes) or taken:
        raise Conflict("road codes repeat or are taken", code="road_code_taken")
    units: dict[uuid.UUID, OrgUnit] = {}
    roads = []
    for row in rows:
        if row.org_unit_id not in units:
            units[row.org_unit_id] = await org_service.get_unit(session, row.org_unit_id)
        unit = units[row.org_unit_id]
        west, south, east, north = _bounds(row.geometry)
        fields = row.model_dump(exclude={"org_unit_id"})
        roads.append(
            Road(
                **fields,
                min_lon=west,
                min_lat=south,
                max_lon=east,
                max_lat=north,
                org_unit_id=unit.id,
                org_path=unit.path,
            )
        )
    session.add_all(roads)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="road.import",
        target_type="road",
        target_id="*",
        detail={"count": len(roads)},
    )
    return roads


def _halfway(geometry: dict[str, Any]) -> tuple[float, float] | None:
    """Return the point halfway along the road's longest part (None if it cannot be read)."""
    try:
        line = shape(geometry)
        parts = list(line.geoms) if line.geom_type == "MultiLineString" else [line]
        longest: LineString = max(parts, key=lambda part: part.length)
        middle = longest.interpolate(0.5, normalized=True)
    except (GEOSException, AttributeError, KeyError, TypeError, ValueError, IndexError):
        return None
    return round(middle.x, 6), round(middle.y, 6)


async def map_roads(
    session: AsyncSession, *, box: Box | None, limit: int
) -> tuple[list[MapRoad], bool]:
    """Return the roads whose box overlaps `box` (everywhere if None): at most `limit`, main
    roads first, with whether more matched."""
    roads = list(await session.scalars(repository.in_box(box).limit(limit + 1)))
    found = []
    for road in roads[:limit]:
        label = _halfway(road.geometry)
        if label is not None:  # a line shapely cannot read is drawn nowhere rather than failing all
            found.append(MapRoad(road, *label))
    return found, len(roads) > limit
