"""Request and response bodies of the org API."""

from __future__ import annotations

import uuid
from datetime import date, time
from typing import Any, Literal

from pydantic import Field

from linli.core.pagination import PageMeta
from linli.core.schemas import LocalTime, Schema

UnitKind = Literal["district", "street", "community", "grid", "department", "town", "zone"]
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
CATEGORY_PATTERN = r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*$"


class OrgUnitCreate(Schema):
    parent_id: uuid.UUID
    kind: UnitKind
    code: str = Field(min_length=1, max_length=64, pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    name_zh: str | None = Field(default=None, max_length=200)
    boundary: dict[str, Any] | None = Field(default=None, description="GeoJSON (Multi)Polygon")


class OrgUnitRead(Schema):
    id: uuid.UUID
    parent_id: uuid.UUID | None
    kind: str
    code: str
    name: str
    name_zh: str | None
    path: str
    depth: int
    profile: str


class OrgUnitDetail(OrgUnitRead):
    boundary: dict[str, Any] | None


class OrgUnitPage(PageMeta):
    items: list[OrgUnitRead]


class RoutingRuleSet(Schema):
    category_code: str = Field(min_length=1, max_length=64, pattern=CATEGORY_PATTERN)
    scope_unit_id: uuid.UUID
    target_unit_id: uuid.UUID


class RoutingRuleRead(Schema):
    id: uuid.UUID
    category_code: str
    scope_unit_id: uuid.UUID
    scope_code: str
    target_unit_id: uuid.UUID
    target_code: str


class CalendarSet(Schema):
    timezone: str = Field(min_length=1, max_length=64, examples=["Asia/Shanghai"])
    workdays: str = Field(default="01234", pattern=r"^[0-6]{1,7}$", description="Monday = 0")
    day_start: LocalTime = time(9, 0)
    day_end: LocalTime = Field(default=time(18, 0), description="not after day_start: next day")
    holidays: list[date] = Field(default_factory=list, max_length=1000)


class CalendarRead(Schema):
    unit_id: uuid.UUID
    own: bool = Field(description="false when inherited from an ancestor (or the 24/7 default)")
    timezone: str
    workdays: str
    day_start: LocalTime
    day_end: LocalTime
    holidays: list[date]
