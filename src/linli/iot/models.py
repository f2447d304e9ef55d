"""Devices, their readings (series, recent rows, compacted hours, rollups), latest values,
commands."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from linli.core.database import Base, CreatedMixin, IdMixin, UTCDateTime


class Device(IdMixin, CreatedMixin, Base):
    """A sensor or actuator of a type in `linli.iot.types`, authenticated by its own token."""

    __tablename__ = "device"
    __table_args__ = (
        Index("ix_device_org_path", "org_path"),
        # The device list's order (by code) within a type or a status.
        Index("ix_device_type_code", "type", "code"),
        Index("ix_device_status_code", "status", "code"),
        # Which of several devices of a type at a building one is (`linli.iot.places`).
        Index("ix_device_building_type_code", "building_id", "type", "code"),
    )

    code: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    # What people call it (where it is, not what it is: pages show the type beside the name);
    # `name_zh` for Chinese readers, as units and buildings have.
    name: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str | None] = mapped_column(String(200))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"), index=True)
    org_path: Mapped[str] = mapped_column(String(1024))
    building_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("building.id", ondelete="SET NULL")
    )
    place_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("place.id", ondelete="SET NULL"))
    token_hash: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    last_seen_at: Mapped[datetime | None]
    # Set by `linli.iot.status`: "unknown" until first judged, then "online" or "offline".
    status: Mapped[str] = mapped_column(String(16), default="unknown", server_default="unknown")
    battery: Mapped[float | None] = mapped_column(Float)
    # Credentials revoked (token and MQTT password refused) until the next rotation.
    revoked_at: Mapped[datetime | None]


class ReadingSeries(Base):
    """One (device, metric) pair's readings, named by a small integer in the stores below."""

    __tablename__ = "reading_series"
    __table_args__ = (UniqueConstraint("device_id", "metric"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("device.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(32))
    # Readings before this instant live in `reading_compact` (and the rollups), none in recent.
    compacted_until: Mapped[datetime | None]


class RecentReading(Base):
    """A reading of an hour not yet compacted: narrow, keyed so a redelivery is a no-op."""

    __tablename__ = "reading_recent"

    series_id: Mapped[int] = mapped_column(
        ForeignKey(ReadingSeries.id, ondelete="CASCADE"), primary_key=True
    )
    ts: Mapped[datetime] = mapped_column(primary_key=True)
    value: Mapped[float] = mapped_column(Float)


class CompactHour(Base):
    """One series' readings of one closed hour, packed: microsecond offsets (uint32, from
    `hour`) and values (float64), in time order, little-endian."""

    __tablename__ = "reading_compact"

    series_id: Mapped[int] = mapped_column(
        ForeignKey(ReadingSeries.id, ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    offsets: Mapped[bytes] = mapped_column(LargeBinary)
    values: Mapped[bytes] = mapped_column(LargeBinary)


class _Rollup:
    """min/max/sum/count/last of one series over one bucket, written by compaction."""

    series_id: Mapped[int] = mapped_column(
        ForeignKey(ReadingSeries.id, ondelete="CASCADE"), primary_key=True
    )
    start: Mapped[datetime] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    min: Mapped[float] = mapped_column(Float)
    max: Mapped[float] = mapped_column(Float)
    sum: Mapped[float] = mapped_column(Float)
    last: Mapped[float] = mapped_column(Float)
    last_ts: Mapped[datetime]


class MinuteRollup(_Rollup, Base):
    __tablename__ = "reading_rollup_1m"


class HourRollup(_Rollup, Base):
    __tablename__ = "reading_rollup_1h"


# `reading` is a view (made by the migration) of the recent readings by device and metric, for
# readers that want plain rows; compacted hours are read through `linli.iot.repository`.
_views = MetaData()
reading_view = Table(
    "reading",
    _views,
    Column("device_id", Uuid, primary_key=True),
    Column("metric", String(32), primary_key=True),
    Column("ts", UTCDateTime(), primary_key=True),
    Column("value", Float),
)


class Reading(Base):
    """One recent measured value, as (device, metric, ts, value); read-only."""

    __table__ = reading_view

    device_id: Mapped[uuid.UUID]
    metric: Mapped[str]
    ts: Mapped[datetime]
    value: Mapped[float]


class LatestReading(Base):
    """The newest value of each metric of each device (never replaced by an older one)."""

    __tablename__ = "latest_reading"

    device_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("device.id", ondelete="CASCADE"), primary_key=True
    )
    metric: Mapped[str] = mapped_column(String(32), primary_key=True)
    ts: Mapped[datetime]
    value: Mapped[float] = mapped_column(Float)


COMMAND_STATUSES = ("pending", "sent", "acknowledged", "failed", "timed_out")


class DeviceCommand(IdMixin, CreatedMixin, Base):
    """A downlink command: pending → sent → acknowledged | failed | timed_out."""

    __tablename__ = "device_command"
    __table_args__ = (
        Index("ix_device_command_status", "status", "sent_at"),
        Index("ix_device_command_org_path", "org_path"),
    )

    device_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(Device.id, ondelete="CASCADE"), index=True
    )
    org_path: Mapped[str] = mapped_column(String(1024))
    name: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    actor: Mapped[str] = mapped_column(String(128))
    sent_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    detail: Mapped[str | None] = mapped_column(String(500))


class QuarantinedInput(IdMixin, Base):
    """A refused ingest input (a whole message or one item of a batch), kept for operators."""

    __tablename__ = "ingest_quarantine"
    __table_args__ = (
        Index("ix_ingest_quarantine_org_path", "org_path"),
        Index("ix_ingest_quarantine_received_id", "received_at", "id"),  # the list's order
    )

    channel: Mapped[str] = mapped_column(String(8))  # "http" or "mqtt"
    device_code: Mapped[str | None] = mapped_column(String(64))
    org_path: Mapped[str | None] = mapped_column(String(1024))  # None: device unknown
    reason: Mapped[str] = mapped_column(String(32), index=True)
    detail: Mapped[str] = mapped_column(String(300), default="")
    raw: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime]
