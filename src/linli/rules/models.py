"""Threshold rules and the alarms they raise."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from linli.core.database import Base, CreatedMixin, IdMixin

OPS = (">", ">=", "<", "<=")
SEVERITIES = ("critical", "major", "minor", "warning")
ALARM_STATUSES = ("active", "acknowledged", "cleared")


class ThresholdRule(IdMixin, CreatedMixin, Base):
    """`metric op threshold` breaches for every device of `device_type` inside the scope unit."""

    __tablename__ = "threshold_rule"
    __table_args__ = (Index("ix_threshold_rule_type_active", "device_type", "active"),)

    name: Mapped[str] = mapped_column(String(200))
    device_type: Mapped[str] = mapped_column(String(64))
    metric: Mapped[str] = mapped_column(String(32))
    op: Mapped[str] = mapped_column(String(2))
    threshold: Mapped[float] = mapped_column(Float)
    scope_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"), index=True)
    scope_path: Mapped[str] = mapped_column(String(1024))
    severity: Mapped[str] = mapped_column(String(16))
    case_category: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str] = mapped_column(String(100), default="system")


class Alarm(IdMixin, Base):
    """A rule breached by a device: `active → acknowledged → cleared`; one open per pair."""

    __tablename__ = "alarm"
    __table_args__ = (
        # At most one open (not cleared) alarm per device and rule, enforced by both databases.
        Index(
            "uq_alarm_open_device_rule",
            "device_id",
            "rule_id",
            unique=True,
            sqlite_where=text("status != 'cleared'"),
            postgresql_where=text("status != 'cleared'"),
        ),
        Index("ix_alarm_org_path", "org_path"),
        Index("ix_alarm_status_raised_at", "status", "raised_at"),
    )

    rule_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("threshold_rule.id", ondelete="CASCADE"))
    device_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("device.id", ondelete="CASCADE"), index=True
    )
    device_code: Mapped[str] = mapped_column(String(64))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    metric: Mapped[str] = mapped_column(String(32))
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"))
    org_path: Mapped[str] = mapped_column(String(1024))
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="active")
    raised_at: Mapped[datetime]
    value: Mapped[float] = mapped_column(Float)
    last_value: Mapped[float] = mapped_column(Float)
    last_value_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    ack_note: Mapped[str | None] = mapped_column(String(2000))
    cleared_at: Mapped[datetime | None]
    clear_value: Mapped[float | None] = mapped_column(Float)
    case_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("case_record.id", ondelete="SET NULL"), index=True
    )
