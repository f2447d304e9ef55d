"""Road queries."""

from __future__ import annotations

from sqlalchemy import Select, select

from linli.core.geo import Box
from linli.registry.roads.models import Road


def in_box(box: Box | None) -> Select[Road]:
    """Select the roads whose box overlaps `box` (every road if None), main roads first."""
    stmt = select(Road)
    if box is not None:
        stmt = stmt.where(
            Road.min_lon <= box.east,
            Road.max_lon >= box.west,
            Road.min_lat <= box.north,
            Road.max_lat >= box.south,
        )
    # "main" sorts after "local": descending puts the roads a map cannot do without first.
    return stmt.order_by(Road.kind.desc(), Road.code)


def codes_taken(codes: list[str]) -> Select[str]:
    """Select which of `codes` roads already use."""
    return select(Road.code).where(Road.code.in_(codes))
