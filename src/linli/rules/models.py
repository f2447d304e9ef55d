"""Rules (threshold, rate, absence, composite, anomaly), their per-device state and their alarms."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from linli.core.database import Base, CreatedMixin, IdMixin

OPS = (">", ">=", "<", "<=")
SEVERITIES = ("critical", "major", "minor", "warning")
ALARM_STATUSES = ("active", "acknowledged", "cleared")
RULE_KINDS = ("threshold", "rate", "absence", "composite", "anomaly")
CASE_POLICIES = ("open", "attach", "none")


class Rule(IdMixin, CreatedMixin, Base):
    """A rule of `kind` (`params` checked per kind) for every device of `device_type` in scope."""

    __tablename__ = "rule"
    __table_args__ = (
        Index("ix_rule_type_active", "device_type", "active"),
        Index("ix_rule_name_id", "name", "id"),  # the rule list's order
    )

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="threshold")
    device_type: Mapped[str] = mapped_column(String(64))
    metric: Mapped[str | None] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    scope_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"), index=True)
    scope_path: Mapped[str] = mapped_column(String(1024))
    severity: Mapped[str] = mapped_column(String(16))
    case_category: Mapped[str | None] = mapped_column(String(64))
    # An alarm cleared less than this long ago re-opens (counting a flap) instead of a new one.
    flap_seconds: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str] = mapped_column(String(100), default="system")
    version: Mapped[int] = mapped_column(Integer, default=1)
    # When the rule may raise: {"tz", "days", "start", "end"} (see `linli.rules.schedule`).
    schedule: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # What an alarm does about cases (`CASE_POLICIES`); None: `open` if a category is set.
    case_policy: Mapped[str | None] = mapped_column(String(8))


class RuleVersion(IdMixin, CreatedMixin, Base):
    """A rule's definition as it stood at one version; alarms name the version that raised them."""

    __tablename__ = "rule_version"
    __table_args__ = (UniqueConstraint("rule_id", "version"),)

    rule_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rule.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    metric: Mapped[str | None] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    severity: Mapped[str] = mapped_column(String(16))
    case_category: Mapped[str | None] = mapped_column(String(64))
    flap_seconds: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)
    changed_by: Mapped[str] = mapped_column(String(100))
    schedule: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    case_policy: Mapped[str | None] = mapped_column(String(8))


class RuleState(IdMixin, Base):
    """What a rule remembers about one device between batches (and restarts)."""

    __tablename__ = "rule_state"
    __table_args__ = (UniqueConstraint("device_id", "rule_id"),)

    rule_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rule.id", ondelete="CASCADE"))
    device_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("device.id", ondelete="CASCADE"), index=True
    )
    # When the current, not yet long enough, breach began (threshold rules with `for_seconds`).
    breach_started_at: Mapped[datetime | None]
    breach_value: Mapped[float | None] = mapped_column(Float)
    # An anomaly rule's learned detector (`Detector.to_state`, about 10 kB of JSON).
    detector: Mapped[dict[str, Any] | None] = mapped_column(JSON)


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
        # The alarm list's order, unfiltered and by status (the unique id last, for keyset pages).
        Index("ix_alarm_raised_at_id", "raised_at", "id"),
        Index("ix_alarm_status_raised_at_id", "status", "raised_at", "id"),
    )

    rule_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rule.id", ondelete="CASCADE"))
    rule_version: Mapped[int] = mapped_column(Integer, default=1)
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
    shelved_until: Mapped[datetime | None]
    flaps: Mapped[int] = mapped_column(Integer, default=0)
    case_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("case_record.id", ondelete="SET NULL"), index=True
    )
