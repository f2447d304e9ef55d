"""API schemas of volunteers: profiles, leave, matching, programmes, shifts and sign-ups."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from linli.core.pagination import PageMeta
from linli.core.schemas import Schema
from linli.volunteers.types import QUALIFICATIONS, SKILLS

LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")]
SkillCode = Annotated[str, StringConstraints(max_length=64)]
HHMM = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")]
Lon = Annotated[float, Field(ge=-180, le=180)]
Lat = Annotated[float, Field(ge=-90, le=90)]


def _check_skills(skills: list[str]) -> None:
    unknown = sorted(set(skills) - set(SKILLS))
    if unknown:
        raise ValueError(f"unknown skills: {', '.join(unknown)}; known: {', '.join(SKILLS)}")


class Window(Schema):
    """A weekly window of availability in the site's local time (Monday 0 … Sunday 6)."""

    weekday: int = Field(ge=0, le=6)
    start: HHMM
    end: HHMM

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end <= self.start:
            raise ValueError("a window ends after it starts")
        return self


class _Profile(Schema):
    @model_validator(mode="after")
    def _known(self) -> _Profile:
        skills = getattr(self, "skills", None)
        if skills:
            _check_skills(skills)
        quals = getattr(self, "qualifications", None) or {}
        unknown = sorted(set(quals) - QUALIFICATIONS)
        if unknown:
            raise ValueError(f"unknown qualifications: {', '.join(unknown)}")
        return self


class VolunteerCreate(_Profile):
    unit_id: uuid.UUID
    account_id: uuid.UUID | None = None
    name: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=32)
    languages: list[LanguageCode] = Field(default_factory=list, max_length=8)
    lon: Lon
    lat: Lat
    skills: list[SkillCode] = Field(default_factory=list, max_length=16)
    qualifications: dict[SkillCode, date] = Field(default_factory=dict, max_length=16)
    windows: list[Window] = Field(default_factory=list, max_length=50)
    active: bool = True


class VolunteerUpdate(_Profile):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=32)
    languages: list[LanguageCode] | None = Field(default=None, max_length=8)
    lon: Lon | None = None
    lat: Lat | None = None
    skills: list[SkillCode] | None = Field(default=None, max_length=16)
    qualifications: dict[SkillCode, date] | None = Field(default=None, max_length=16)
    windows: list[Window] | None = Field(default=None, max_length=50)
    active: bool | None = None


class VolunteerRead(Schema):
    id: uuid.UUID
    unit_id: uuid.UUID
    org_path: str
    account_id: uuid.UUID | None
    name: str
    phone: str | None
    languages: list[str]
    lon: float
    lat: float
    skills: list[str]
    qualifications: dict[str, date]
    windows: list[Window]
    timezone: str
    active: bool
    created_at: datetime


class VolunteerPage(PageMeta):
    items: list[VolunteerRead]


class LeaveCreate(Schema):
    starts_at: datetime
    ends_at: datetime

    @model_validator(mode="after")
    def _ordered(self) -> LeaveCreate:
        if self.ends_at <= self.starts_at:
            raise ValueError("leave ends after it starts")
        return self


class LeaveRead(Schema):
    id: uuid.UUID
    volunteer_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime


class LeavePage(PageMeta):
    items: list[LeaveRead]


class MatchRead(Schema):
    volunteer_id: uuid.UUID
    account_id: uuid.UUID | None
    display_name: str
    distance_m: float
    languages: list[str]


class NameTexts(Schema):
    """A programme's name in each language; English is the fallback."""

    en: str = Field(min_length=1, max_length=200)
    zh_Hans: str | None = Field(default=None, max_length=200)
    ms: str | None = Field(default=None, max_length=200)
    ta: str | None = Field(default=None, max_length=200)


class ProgrammeCreate(Schema):
    unit_id: uuid.UUID
    name: NameTexts
    requires_confirmation: bool = False
    coordinator_id: uuid.UUID | None = None


class ProgrammeRead(Schema):
    id: uuid.UUID
    unit_id: uuid.UUID
    org_path: str
    name: dict[str, str | None]
    requires_confirmation: bool
    coordinator_id: uuid.UUID | None
    created_at: datetime


class ProgrammePage(PageMeta):
    items: list[ProgrammeRead]


class ShiftCreate(Schema):
    starts_at: datetime
    ends_at: datetime
    place: str = Field(min_length=1, max_length=200)
    needed: int = Field(ge=1, le=500)
    skills: list[SkillCode] = Field(default_factory=list, max_length=16)

    @model_validator(mode="after")
    def _valid(self) -> ShiftCreate:
        if self.ends_at <= self.starts_at:
            raise ValueError("a shift ends after it starts")
        _check_skills(self.skills)
        return self


class ShiftRead(Schema):
    id: uuid.UUID
    programme_id: uuid.UUID
    org_path: str
    starts_at: datetime
    ends_at: datetime
    place: str
    needed: int
    skills: list[str]
    confirmed_count: int
    cancelled: bool


class ShiftPage(PageMeta):
    items: list[ShiftRead]


class SignupCreate(Schema):
    """A coordinator signs a volunteer up; a volunteer signs themselves up with no body."""

    volunteer_id: uuid.UUID | None = None


SignupStatus = Literal["pending", "confirmed", "waitlisted", "cancelled"]


class SignupRead(Schema):
    id: uuid.UUID
    shift_id: uuid.UUID
    volunteer_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    status: str
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    minutes: int
    created_at: datetime


class SignupPage(PageMeta):
    items: list[SignupRead]


class BadgeRead(Schema):
    code: str
    hours: int
    earned: bool


class HoursRead(Schema):
    volunteer_id: uuid.UUID
    hours: float
    badges: list[BadgeRead]


class MeRead(Schema):
    volunteer: VolunteerRead
    hours: float
    badges: list[BadgeRead]
    shifts: list[SignupRead]


class UnitHoursRead(Schema):
    unit_id: uuid.UUID
    hours: float
    residents: int
    hours_per_1000_residents: float | None
    since: datetime
    until: datetime
