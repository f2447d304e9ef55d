"""Bookings API shapes: facilities and their rules, bookings, calendars, the waitlist."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Literal

from pydantic import AwareDatetime, Field, model_validator

from linli.core.pagination import PageMeta
from linli.core.schemas import LocalTime, Schema

Days = str  # weekdays as digits, Monday = 0: "0123456"
DAYS_PATTERN = r"^[0-6]{1,7}$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"


class FacilityRules(Schema):
    """A facility's hours and rules; every field bounded."""

    days: str = Field(default="0123456", pattern=DAYS_PATTERN, description="Monday = 0")
    opens: LocalTime = Field(default=time(8, 0), description="local time on the site's clock")
    closes: LocalTime = Field(default=time(22, 0), description="local time, after `opens`")
    slot_minutes: int = Field(default=60, ge=15, le=240)
    need_level: int = Field(default=0, ge=0, le=3, description="0 signed in … 3 in person")
    area_unit_id: uuid.UUID | None = Field(
        default=None, description="only residents living under this org unit may book"
    )
    min_minutes: int = Field(default=60, ge=15, le=24 * 60)
    max_minutes: int = Field(default=120, ge=15, le=24 * 60)
    min_ahead_minutes: int = Field(default=60, ge=0, le=60 * 24 * 30)
    max_ahead_days: int = Field(default=14, ge=1, le=366)
    weekly_quota: int = Field(default=2, ge=1, le=50)
    cancel_cutoff_minutes: int = Field(default=120, ge=0, le=60 * 24 * 14)
    checkin_before_minutes: int = Field(default=15, ge=0, le=240)
    grace_minutes: int = Field(default=15, ge=0, le=240)
    no_show_limit: int | None = Field(default=None, ge=1, le=50)
    suspension_weeks: int = Field(default=4, ge=1, le=52)
    fee_per_hour: int = Field(
        default=0, ge=0, le=10_000_000, description="in the currency's minor unit (cents)"
    )
    currency: str | None = Field(
        default=None, pattern=CURRENCY_PATTERN, description="ISO 4217; default: the site's"
    )


class FacilityCreate(FacilityRules):
    org_unit_id: uuid.UUID
    place_id: uuid.UUID | None = None
    kind: str = Field(min_length=1, max_length=32, examples=["hall"])
    name: str = Field(min_length=1, max_length=200)
    name_zh: str | None = Field(default=None, max_length=200)
    location: str = Field(default="", max_length=300)
    active: bool = True

    @model_validator(mode="after")
    def _ordered(self) -> FacilityCreate:
        if self.closes <= self.opens:
            raise ValueError("closes must be after opens")
        if self.max_minutes < self.min_minutes:
            raise ValueError("max_minutes must be at least min_minutes")
        return self


class FacilityUpdate(Schema):
    """Fields to change (the rest stay)."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    name_zh: str | None = Field(default=None, max_length=200)
    location: str | None = Field(default=None, max_length=300)
    kind: str | None = Field(default=None, min_length=1, max_length=32)
    active: bool | None = None
    days: str | None = Field(default=None, pattern=DAYS_PATTERN)
    opens: LocalTime | None = None
    closes: LocalTime | None = None
    slot_minutes: int | None = Field(default=None, ge=15, le=240)
    need_level: int | None = Field(default=None, ge=0, le=3)
    area_unit_id: uuid.UUID | None = None
    min_minutes: int | None = Field(default=None, ge=15, le=24 * 60)
    max_minutes: int | None = Field(default=None, ge=15, le=24 * 60)
    min_ahead_minutes: int | None = Field(default=None, ge=0, le=60 * 24 * 30)
    max_ahead_days: int | None = Field(default=None, ge=1, le=366)
    weekly_quota: int | None = Field(default=None, ge=1, le=50)
    cancel_cutoff_minutes: int | None = Field(default=None, ge=0, le=60 * 24 * 14)
    checkin_before_minutes: int | None = Field(default=None, ge=0, le=240)
    grace_minutes: int | None = Field(default=None, ge=0, le=240)
    no_show_limit: int | None = Field(default=None, ge=1, le=50)
    suspension_weeks: int | None = Field(default=None, ge=1, le=52)
    fee_per_hour: int | None = Field(default=None, ge=0, le=10_000_000)
    currency: str | None = Field(default=None, pattern=CURRENCY_PATTERN)


class FacilityView(Schema):
    """What a resident reads of a facility: where, when, the rules and the fee."""

    id: uuid.UUID
    kind: str
    name: str
    name_zh: str | None
    location: str
    active: bool
    days: str
    opens: LocalTime
    closes: LocalTime
    slot_minutes: int
    need_level: int
    area_path: str | None
    min_minutes: int
    max_minutes: int
    min_ahead_minutes: int
    max_ahead_days: int
    weekly_quota: int
    cancel_cutoff_minutes: int
    checkin_before_minutes: int
    grace_minutes: int
    no_show_limit: int | None
    suspension_weeks: int
    fee_per_hour: int
    currency: str


class FacilityRead(FacilityView):
    """What staff read: the resident's view, where it belongs and the on-site check-in code."""

    org_unit_id: uuid.UUID
    org_path: str
    place_id: uuid.UUID | None
    checkin_code: str
    created_at: datetime
    updated_at: datetime


class FacilityPage(PageMeta):
    items: list[FacilityRead]


class FacilityViewPage(PageMeta):
    items: list[FacilityView]


class BookingRead(Schema):
    id: uuid.UUID
    ref: str
    facility_id: uuid.UUID
    org_path: str
    account_id: uuid.UUID
    proxy_account_id: uuid.UUID | None
    actor: str
    status: str
    starts_at: datetime
    ends_at: datetime
    fee: int = Field(description="in the currency's minor unit")
    currency: str
    fee_status: str
    offer_expires_at: datetime | None
    checked_in_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    created_at: datetime


class BookingPage(PageMeta):
    items: list[BookingRead]


class BookingCreate(Schema):
    facility_id: uuid.UUID
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class StaffCancel(Schema):
    reason: str = Field(min_length=1, max_length=500)


class FeeRecord(Schema):
    fee_status: Literal["due", "paid", "waived"]


class CheckInCode(Schema):
    code: str = Field(min_length=1, max_length=16)


class SlotRead(Schema):
    starts_at: datetime
    ends_at: datetime
    free: bool
    booking: BookingRead | None = None


class DayRead(Schema):
    day: date
    open: bool
    slots: list[SlotRead]


class CalendarRead(Schema):
    facility_id: uuid.UUID
    timezone: str
    days: list[DayRead]


class FreeSlot(Schema):
    """A slot as a resident sees it: free or taken, never by whom."""

    starts_at: datetime
    ends_at: datetime
    free: bool


class DaySlots(Schema):
    facility_id: uuid.UUID
    day: date
    timezone: str
    open: bool
    slots: list[FreeSlot]


class WaitlistRead(Schema):
    id: uuid.UUID
    facility_id: uuid.UUID
    account_id: uuid.UUID
    actor: str
    starts_at: datetime
    ends_at: datetime
    status: str
    booking_id: uuid.UUID | None
    created_at: datetime


class WaitlistPage(PageMeta):
    items: list[WaitlistRead]
