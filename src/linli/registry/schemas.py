"""Registry API shapes: buildings, places and residents (with masked or revealed PII)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from linli.core.pagination import PageMeta
from linli.core.schemas import Schema


class BuildingCreate(Schema):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    name_zh: str | None = Field(default=None, max_length=200, description="the name in Chinese")
    address: str = Field(default="", max_length=500)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    floors: int | None = Field(default=None, ge=0, le=300)
    households: int | None = Field(default=None, ge=0, le=100_000)
    org_unit_id: uuid.UUID | None = Field(
        default=None, description="found from the coordinates when not given"
    )


class BuildingRead(Schema):
    id: uuid.UUID
    code: str
    name: str
    name_zh: str | None = None
    address: str
    lon: float
    lat: float
    floors: int | None
    households: int | None
    org_unit_id: uuid.UUID
    org_path: str
    created_at: datetime


class BuildingPage(PageMeta):
    items: list[BuildingRead]


class PlaceCreate(Schema):
    kind: str = Field(min_length=1, max_length=32, examples=["clinic"])
    name: str = Field(min_length=1, max_length=200)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    org_unit_id: uuid.UUID | None = None


class PlaceRead(Schema):
    id: uuid.UUID
    kind: str
    name: str
    lon: float
    lat: float
    org_unit_id: uuid.UUID
    org_path: str
    created_at: datetime


class PlacePage(PageMeta):
    items: list[PlaceRead]


class ResidentCreate(Schema):
    building_id: uuid.UUID
    name: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=40, examples=["+86 13812345678"])
    birth_year: int | None = Field(default=None, ge=1880, le=2100)
    lives_alone: bool = False
    unit: str | None = Field(default=None, max_length=32, examples=["05-123"])
    # The last four characters of the ID number, for residents' accounts to be matched to the
    # register; only a keyed hash of it is kept.
    id_suffix: str | None = Field(default=None, pattern=r"^[0-9A-Za-z]{4}$")


class ResidentRead(Schema):
    """A resident; `name` and `phone` are masked unless `revealed` (an audited read)."""

    id: uuid.UUID
    building_id: uuid.UUID
    org_unit_id: uuid.UUID
    org_path: str
    name: str
    phone: str | None
    birth_year: int | None
    lives_alone: bool
    unit: str | None = None
    created_at: datetime
    revealed: bool = False


class ResidentPage(PageMeta):
    items: list[ResidentRead]
