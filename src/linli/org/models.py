"""Org-unit tree, routing table and work calendars."""

from __future__ import annotations

import uuid
from datetime import date, time
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linli.core.database import Base, CreatedMixin, IdMixin

UNIT_KINDS = ("district", "street", "community", "grid", "department", "town", "zone")
PROFILES = ("grid", "town")
# The language a site writes its stored texts in (an alarm case's title, for one). Sites carry no
# language of their own: a governance profile is the site's, and with it its language.
PROFILE_LOCALES = {"grid": "zh_Hans", "town": "en"}


class OrgUnit(IdMixin, CreatedMixin, Base):
    """A node of the governance tree; `path` holds the ids from the root, for subtree queries."""

    __tablename__ = "org_unit"
    __table_args__ = (
        Index("ix_org_unit_path", "path"),
        # The unit list's order (by depth, then code), unfiltered and by kind.
        Index("ix_org_unit_depth_code", "depth", "code"),
        Index("ix_org_unit_kind_depth_code", "kind", "depth", "code"),
    )

    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str | None] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(String(1024))
    depth: Mapped[int] = mapped_column(default=0)
    profile: Mapped[str] = mapped_column(String(8), default="grid")
    boundary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    min_lon: Mapped[float | None] = mapped_column(Float)
    min_lat: Mapped[float | None] = mapped_column(Float)
    max_lon: Mapped[float | None] = mapped_column(Float)
    max_lat: Mapped[float | None] = mapped_column(Float)


class RoutingRule(IdMixin, CreatedMixin, Base):
    """Cases of `category_code` arising inside `scope_unit`'s subtree go to `target_unit`."""

    __tablename__ = "routing_rule"
    __table_args__ = (UniqueConstraint("category_code", "scope_unit_id"),)

    category_code: Mapped[str] = mapped_column(String(64), index=True)
    scope_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id", ondelete="CASCADE"))
    target_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id", ondelete="CASCADE"))


class WorkCalendar(IdMixin, Base):
    """Working hours of a unit (and of its subtree unless a descendant has its own)."""

    __tablename__ = "work_calendar"

    unit_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("org_unit.id", ondelete="CASCADE"), unique=True
    )
    timezone: Mapped[str] = mapped_column(String(64))
    workdays: Mapped[str] = mapped_column(String(7), default="01234")  # Monday = 0
    day_start: Mapped[time] = mapped_column(Time, default=time(9, 0))
    day_end: Mapped[time] = mapped_column(Time, default=time(18, 0))


class Holiday(IdMixin, Base):
    """A day on which a calendar's unit does not work."""

    __tablename__ = "holiday"
    __table_args__ = (UniqueConstraint("calendar_id", "day"),)

    calendar_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("work_calendar.id", ondelete="CASCADE")
    )
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(200), default="")
