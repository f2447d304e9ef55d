"""Pure checks of matching: distance, weekly windows, qualifications (no database here)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from linli.volunteers.types import SKILLS

EARTH_RADIUS_M = 6_371_000.0
METRES_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180.0


def distance_m(lon0: float, lat0: float, lon1: float, lat1: float) -> float:
    """Return the great-circle distance between two points, in metres."""
    p0, p1 = math.radians(lat0), math.radians(lat1)
    dp, dl = p1 - p0, math.radians(lon1 - lon0)
    h = math.sin(dp / 2) ** 2 + math.cos(p0) * math.cos(p1) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def box(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """Return (min_lon, min_lat, max_lon, max_lat) of a box holding every point within
    `radius_m` of (lon, lat)."""
    dlat = radius_m / METRES_PER_DEGREE
    dlon = radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def in_window(windows: Iterable[Mapping[str, Any]], at: datetime, timezone: str) -> bool:
    """Return whether `at` falls in one of the weekly windows, read in the site's local time."""
    local = at.astimezone(ZoneInfo(timezone))
    weekday, hhmm = local.weekday(), local.strftime("%H:%M")
    return any(
        w.get("weekday") == weekday and str(w.get("start")) <= hhmm < str(w.get("end"))
        for w in windows
    )


def qualified(
    held: Iterable[str], qualifications: Mapping[str, str], needed: Iterable[str], on: date
) -> bool:
    """Return whether every needed skill is held, with its qualification valid on `on`."""
    have = set(held)
    for skill in needed:
        if skill not in have:
            return False
        qualification = SKILLS.get(skill)
        if qualification is None:
            continue
        expires = qualifications.get(qualification)
        if expires is None or date.fromisoformat(expires) < on:
            return False
    return True
