"""Rules API shapes: rules of each kind, alarms."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field

from linli.core.pagination import PageMeta
from linli.core.schemas import Schema


class ThresholdParams(Schema):
    """`metric op threshold`, held `for_seconds`; clears only once past `clear_threshold`."""

    model_config = ConfigDict(extra="forbid")

    op: str = Field(min_length=1, max_length=2, examples=[">"])
    threshold: float = Field(allow_inf_nan=False)
    clear_threshold: float | None = Field(default=None, allow_inf_nan=False)
    for_seconds: int = Field(default=0, ge=0, le=7 * 86400)


class RateParams(Schema):
    """Change per minute since the previous reading: a rise of at least `per_minute` (or a fall,
    if negative); readings further apart than `window_seconds` are not compared."""

    model_config = ConfigDict(extra="forbid")

    per_minute: float = Field(allow_inf_nan=False)
    window_seconds: int = Field(default=3600, gt=0, le=7 * 86400)


class AbsenceParams(Schema):
    """The device (or its `metric`) has sent nothing for longer than `silent_seconds`."""

    model_config = ConfigDict(extra="forbid")

    silent_seconds: int = Field(gt=0, le=90 * 86400)


class AnomalyParams(Schema):
    """A learned detector (`linli.rules.detectors`) scores each reading in [0, 1]: it learns the
    series' level and daily and weekly rhythm from the first `warmup_points` readings (make it
    cover two days: 300 at one reading per 10 min) and calibrates on 48 more; after that a score
    above `threshold` raises an alarm valued with the score, which clears once a score falls
    below `clear_below` (default: the threshold)."""

    model_config = ConfigDict(extra="forbid")

    threshold: float = Field(gt=0, lt=1, examples=[0.75])
    warmup_points: int = Field(default=300, ge=10, le=100_000)
    clear_below: float | None = Field(default=None, gt=0, lt=1)
    # `surprise`: is this reading unprecedented (`Detector`); `profile`: does the last two hours'
    # behaviour depart from the routine of those hours of the day (`ProfileDetector`: a senior's
    # movements, a household's water use).
    baseline: Literal["surprise", "profile"] = "surprise"


class CompositeParams(Schema):
    """Fires when `op` (`all` or `any`) of the `members` rules have open alarms on devices
    sharing the same `within` (building, place, device or org unit), raised at most
    `window_seconds` apart (for `all`)."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["all", "any"] = "all"
    members: list[uuid.UUID] = Field(min_length=2, max_length=20)
    within: Literal["building", "place", "device", "unit"] = "building"
    window_seconds: int = Field(default=600, gt=0, le=7 * 86400)


PARAMS: dict[str, type[Schema]] = {
    "threshold": ThresholdParams,
    "rate": RateParams,
    "absence": AbsenceParams,
    "anomaly": AnomalyParams,
}


class RuleCreate(Schema):
    """A rule; type, metric, severity and the kind's `params` are checked before saving."""

    name: str = Field(min_length=1, max_length=200)
    kind: Literal["threshold", "rate", "absence", "composite", "anomaly"] = "threshold"
    # A composite rule spans its members' types: its type is always "composite".
    device_type: str = Field(
        default="composite", min_length=1, max_length=64, examples=["AirQualityObserved"]
    )
    metric: str | None = Field(default=None, min_length=1, max_length=32, examples=["pm25"])
    params: dict[str, Any] = Field(
        default_factory=dict, examples=[{"op": ">", "threshold": 75, "for_seconds": 600}]
    )
    scope_unit_id: uuid.UUID
    severity: str = Field(default="major", max_length=16, examples=["major"])
    case_category: str | None = Field(default=None, min_length=1, max_length=64)
    flap_seconds: int = Field(default=0, ge=0, le=86400)
    active: bool = True
    schedule: dict[str, Any] | None = Field(
        default=None,
        examples=[
            {"tz": "Asia/Shanghai", "days": [0, 1, 2, 3, 4], "start": "22:00", "end": "06:00"}
        ],
    )
    case_policy: Literal["open", "attach", "none"] | None = Field(
        default=None, description="default: `open` if a case category is set, else `none`"
    )


class RuleUpdate(Schema):
    """A change to a rule (unset fields stay); it is checked like a new rule and makes a version."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    metric: str | None = Field(default=None, min_length=1, max_length=32)
    params: dict[str, Any] | None = None
    severity: str | None = Field(default=None, max_length=16)
    case_category: str | None = Field(default=None, min_length=1, max_length=64)
    flap_seconds: int | None = Field(default=None, ge=0, le=86400)
    active: bool | None = None
    schedule: dict[str, Any] | None = None
    case_policy: Literal["open", "attach", "none"] | None = None


class RuleVersionRead(Schema):
    version: int
    name: str
    metric: str | None
    params: dict[str, Any]
    severity: str
    case_category: str | None
    flap_seconds: int
    active: bool
    changed_by: str
    created_at: datetime
    schedule: dict[str, Any] | None = None
    case_policy: str | None = None


class RuleRead(Schema):
    id: uuid.UUID
    name: str
    kind: str
    device_type: str
    metric: str | None
    params: dict[str, Any]
    scope_unit_id: uuid.UUID
    scope_path: str
    severity: str
    case_category: str | None
    flap_seconds: int
    active: bool
    created_by: str
    created_at: datetime
    version: int
    schedule: dict[str, Any] | None = None
    case_policy: str | None = None


class RulePage(PageMeta):
    items: list[RuleRead]


class AlarmRead(Schema):
    id: uuid.UUID
    rule_id: uuid.UUID
    rule_version: int
    device_id: uuid.UUID
    device_code: str
    lon: float | None
    lat: float | None
    metric: str
    org_unit_id: uuid.UUID
    org_path: str
    severity: str
    status: str
    raised_at: datetime
    value: float
    last_value: float
    last_value_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    ack_note: str | None
    cleared_at: datetime | None
    clear_value: float | None
    shelved_until: datetime | None
    flaps: int
    case_id: uuid.UUID | None


class AlarmPage(PageMeta):
    items: list[AlarmRead]


class AlarmAcknowledge(Schema):
    note: str = Field(default="", max_length=2000)


class AlarmShelve(Schema):
    until: datetime
    note: str = Field(default="", max_length=2000)


class DevicePreview(Schema):
    device_code: str
    fires: int
    first_at: datetime | None


class RulePreview(Schema):
    """How often the rule would have raised an alarm on the stored readings of [start, end)."""

    rule_id: uuid.UUID
    start: datetime
    end: datetime
    fires: int
    devices: list[DevicePreview]
