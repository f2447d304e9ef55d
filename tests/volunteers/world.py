"""Volunteer-test helpers: a district and volunteers placed by metres from a point."""

from __future__ import annotations

import math
import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from factories import Tree
from linli.volunteers import profiles
from linli.volunteers.models import Volunteer
from linli.volunteers.schemas import VolunteerCreate

HOME = (113.84, 22.52)  # inside T-S1-C1
ALWAYS = [{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)]


def east_of(metres: float, at: tuple[float, float] = HOME) -> tuple[float, float]:
    """Return the point `metres` east of `at`."""
    lon, lat = at
    return lon + metres / (111_195.0 * math.cos(math.radians(lat))), lat


async def volunteer(
    session: AsyncSession,
    tree: Tree,
    name: str,
    *,
    metres: float = 100.0,
    unit: str = "S1-C1-G1",
    **extra: Any,
) -> Volunteer:
    """Create a volunteer of `unit` living `metres` east of HOME, always available."""
    lon, lat = east_of(metres)
    body: dict[str, Any] = {
        "unit_id": tree.unit(unit).id, "name": name, "lon": lon, "lat": lat,
        "languages": ["en"], "windows": ALWAYS,
    } | extra  # fmt: skip
    return await profiles.create_volunteer(session, VolunteerCreate(**body), principal=None)


def ids(found: list[Any]) -> list[uuid.UUID]:
    return [c.volunteer_id for c in found]


FAR_FUTURE = date(2099, 1, 1)
