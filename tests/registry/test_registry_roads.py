"""Roads are imported all or nothing: a line that is not a road, or a code used twice, stores no
road at all and says why."""

from __future__ import annotations

from typing import Any

import pytest
from registry_world import IN_A, World
from sqlalchemy import func, select

from linli.core.database import session_scope
from linli.core.errors import LinliError
from linli.registry.roads import service
from linli.registry.roads.models import Road
from linli.registry.roads.schemas import RoadCreate

LINE = {"type": "LineString", "coordinates": [list(IN_A), [IN_A[0] + 0.01, IN_A[1]]]}


def _road(world: World, code: str, geometry: dict[str, Any]) -> RoadCreate:
    unit = world.tree.unit("S1-C1")
    return RoadCreate(code=code, name=f"Road {code}", geometry=geometry, org_unit_id=unit.id)


async def _stored() -> int:
    async with session_scope() as session:
        return int(await session.scalar(select(func.count()).select_from(Road)) or 0)


BAD = [
    {"type": "Point", "coordinates": list(IN_A)},
    {"type": "LineString", "coordinates": [list(IN_A), list(IN_A)]},  # no length
    {"type": "LineString", "coordinates": [[200, 22.5], [201, 22.5]]},  # not lon/lat
    {"type": "LineString", "coordinates": "nowhere"},
    {"type": "Polygon"},
]


async def test_a_bad_road_stores_none_of_its_batch(world: World) -> None:
    batches = [
        ([_road(world, "R-1", LINE), _road(world, "R-2", bad)], "bad_road_geometry") for bad in BAD
    ]
    batches.append(([_road(world, "R-1", LINE), _road(world, "R-1", LINE)], "road_code_taken"))
    for rows, code in batches:
        with pytest.raises(LinliError) as raised:
            async with session_scope() as session:
                await service.import_roads(session, rows=rows)
        assert raised.value.code == code and 400 <= raised.value.status < 500
        assert await _stored() == 0

    async with session_scope() as session:
        stored = await service.import_roads(session, rows=[_road(world, "R-1", LINE)])
    assert [(r.min_lon, r.max_lon) for r in stored] == [(IN_A[0], IN_A[0] + 0.01)]
    with pytest.raises(LinliError) as again:  # a code already stored
        async with session_scope() as session:
            await service.import_roads(session, rows=[_road(world, "R-1", LINE)])
    assert again.value.code == "road_code_taken"
    assert await _stored() == 1
