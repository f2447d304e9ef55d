"""Geo helpers every domain may use: a lon/lat box, parsed from a `bbox` query string."""

from __future__ import annotations

import math
from dataclasses import dataclass

from linli.core.errors import ValidationFailed


@dataclass(frozen=True, slots=True)
class Box:
    """A lon/lat rectangle (WGS 84 degrees): west, south, east, north."""

    west: float
    south: float
    east: float
    north: float

    def grown(self, degrees: float) -> Box:
        """Return the box grown by `degrees` on every side."""
        return Box(
            self.west - degrees, self.south - degrees, self.east + degrees, self.north + degrees
        )

    def holds(self, lon: float, lat: float) -> bool:
        """Return whether the point lies in the box (edges included)."""
        return self.west <= lon <= self.east and self.south <= lat <= self.north


def parse_bbox(text: str, *, max_span: float) -> Box:
    """Parse `west,south,east,north` (degrees) into a Box no wider or taller than `max_span`.

    Raises ValidationFailed (`bad_bbox`, `bbox_too_large`) for anything else.
    """
    parts = text.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError as err:
        raise ValidationFailed(
            "bbox is west,south,east,north in decimal degrees", code="bad_bbox"
        ) from err
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise ValidationFailed("bbox is west,south,east,north in decimal degrees", code="bad_bbox")
    box = Box(*values)
    if not (-180 <= box.west < box.east <= 180 and -90 <= box.south < box.north <= 90):
        raise ValidationFailed(
            "bbox needs -180 ≤ west < east ≤ 180 and -90 ≤ south < north ≤ 90", code="bad_bbox"
        )
    if box.east - box.west > max_span or box.north - box.south > max_span:
        raise ValidationFailed(
            f"a bbox spans at most {max_span:g}° each way", code="bbox_too_large", max_span=max_span
        )
    return box
