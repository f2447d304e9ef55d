"""Devices, their readings (one row per device, metric and instant), latest values, commands."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from linli.core.database import Base, CreatedMixin, IdMixin


class Device(IdMixin, CreatedMixin, Base):
    """A sensor or actuator of a type in `linli.iot.types`, authenticated by its own token."""

    __tablename__ = "device"
    __table_args__ = (Index("ix_device_org_path", "org_path"),)

    code: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
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


class Reading(Base):
    """One measured value; the key makes a redelivered reading a no-op."""

    __tablename__ = "reading"

    device_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("device.id", ondelete="CASCADE"), primary_key=True
    )
    metric: Mapped[str] = mapped_column(String(32), primary_key=True)
    ts: Mapped[datetime] = mapped_column(primary_key=True)
    value: Mapped[float] = mapped_column(Float)


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
