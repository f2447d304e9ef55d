"""Roads: the named streets a site's maps draw, as lines; public facts, like the areas' names."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from linli.core.database import Base, CreatedMixin, IdMixin

ROAD_KINDS = ("main", "local")
"""`main`: an avenue, or a road buses run along; `local`: an estate's own street."""


class Road(IdMixin, CreatedMixin, Base):
    """A named road as a GeoJSON (Multi)LineString in lon/lat, with its box for map queries."""

    __tablename__ = "road"
    __table_args__ = (Index("ix_road_org_path", "org_path"),)

    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str | None] = mapped_column(String(200))
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON)
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"), index=True)
    org_path: Mapped[str] = mapped_column(String(1024))
