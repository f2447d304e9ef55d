"""Road shapes: what an import gives for each road."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import Field

from linli.core.schemas import Schema


class RoadCreate(Schema):
    code: str = Field(min_length=1, max_length=64)
    kind: str = Field(default="local", pattern="^(main|local)$", description="main or local")
    name: str = Field(min_length=1, max_length=200)
    name_zh: str | None = Field(default=None, max_length=200)
    geometry: dict[str, Any] = Field(description="GeoJSON LineString or MultiLineString, lon/lat")
    org_unit_id: uuid.UUID
