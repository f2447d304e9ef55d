"""Digital-inclusion API shapes: courses, sessions, registrations, help requests, the figure."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, Field

from linli.core.pagination import PageMeta
from linli.core.schemas import Schema

MAX_TITLE = 200

LevelName = Literal["beginner", "intermediate", "advanced"]
Topic = Literal[
    "smartphone_basics",
    "resident_portal",
    "scam_safety",
    "video_calls",
    "e_payments",
    "health_apps",
    "government_services",
]
Language = Literal["en", "zh_Hans", "ms", "ta"]
Mode = Literal["in_person", "phone"]
Outcome = Literal["helped", "unreachable", "referred"]
Name = Field(min_length=1, max_length=200)
Phone = Field(min_length=3, max_length=32, pattern=r"^\+?[0-9 ()-]{3,31}$")


class Titles(Schema):
    """A course's title in each of the site's languages; English is the fallback."""

    en: str = Field(min_length=1, max_length=MAX_TITLE)
    zh_Hans: str | None = Field(default=None, max_length=MAX_TITLE)
    ms: str | None = Field(default=None, max_length=MAX_TITLE)
    ta: str | None = Field(default=None, max_length=MAX_TITLE)


class CourseCreate(Schema):
    unit_id: uuid.UUID
    title: Titles
    level: LevelName = "beginner"
    topics: list[Topic] = Field(min_length=1, max_length=7)
    sessions_to_complete: int = Field(default=1, ge=1, le=50)


class CourseRead(Schema):
    id: uuid.UUID
    unit_id: uuid.UUID
    org_path: str
    title: dict[str, str]
    level: str
    topics: list[str]
    sessions_to_complete: int
    created_at: datetime


class CoursePage(PageMeta):
    items: list[CourseRead]


class SessionCreate(Schema):
    place: str = Field(min_length=1, max_length=300)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    language: Language = "en"
    capacity: int = Field(ge=1, le=1000)
    ambassadors: list[uuid.UUID] = Field(default_factory=list, max_length=10)


class SessionRead(Schema):
    id: uuid.UUID
    course_id: uuid.UUID
    org_path: str
    place: str
    starts_at: datetime
    ends_at: datetime
    language: str
    capacity: int
    registered_count: int
    ambassadors: list[uuid.UUID]


class SessionPage(PageMeta):
    items: list[SessionRead]


class WalkIn(Schema):
    """A walk-in registered by staff: a resident account, or a name and phone."""

    account_id: uuid.UUID | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    phone: str | None = Field(default=None, min_length=3, max_length=32)
    registry_resident_id: uuid.UUID | None = Field(
        default=None, description="the registry's resident, when staff know them"
    )


class RegistrationRead(Schema):
    id: uuid.UUID
    session_id: uuid.UUID
    course_id: uuid.UUID
    account_id: uuid.UUID | None
    name: str | None = None
    phone: str | None = None
    status: str
    attended_at: datetime | None
    created_at: datetime


class RegistrationPage(PageMeta):
    items: list[RegistrationRead]


class MyRegistration(Schema):
    id: uuid.UUID
    session_id: uuid.UUID
    course_id: uuid.UUID
    status: str
    attended_at: datetime | None
    created_at: datetime


class MyRegistrationPage(PageMeta):
    items: list[MyRegistration]


class AttendanceIn(Schema):
    attended: bool = True


class CompletedCourse(Schema):
    course_id: uuid.UUID
    title: str
    level: str
    sessions_attended: int
    completed_at: datetime


class MyCourses(Schema):
    completed: list[CompletedCourse]
    registrations: MyRegistrationPage


class HelpRequestMine(Schema):
    """What a resident sends to ask for help."""

    topic: Topic
    mode: Mode = "in_person"
    language: Language | None = None
    preferred_times: str = Field(default="", max_length=300)
    details: str | None = Field(default=None, max_length=2000)


class HelpRequestCreate(HelpRequestMine):
    """What staff send for a resident who came by or called."""

    unit_id: uuid.UUID
    account_id: uuid.UUID | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    phone: str | None = Field(default=None, min_length=3, max_length=32)
    registry_resident_id: uuid.UUID | None = None


class ScheduleIn(Schema):
    appointment_at: AwareDatetime


class OutcomeIn(Schema):
    outcome: Outcome
    note: str | None = Field(default=None, max_length=2000)


class HelpRequestRead(Schema):
    id: uuid.UUID
    org_path: str
    account_id: uuid.UUID | None
    name: str | None = None
    phone: str | None = None
    topic: str
    mode: str
    language: str
    preferred_times: str
    details: str | None = None
    status: str
    ambassador_id: uuid.UUID | None
    taken_at: datetime | None
    appointment_at: datetime | None
    outcome: str | None
    outcome_note: str | None = None
    closed_at: datetime | None
    created_at: datetime


class HelpRequestPage(PageMeta):
    items: list[HelpRequestRead]


class MyHelpRequest(Schema):
    id: uuid.UUID
    topic: str
    mode: str
    language: str
    preferred_times: str
    status: str
    appointment_at: datetime | None
    outcome: str | None
    created_at: datetime


class MyHelpRequestPage(PageMeta):
    items: list[MyHelpRequest]


class InclusionFigures(Schema):
    """Digital inclusion in a unit over the last 12 months."""

    unit_id: uuid.UUID
    since: datetime
    until: datetime
    seniors: int = Field(description="residents aged 60 or more with a known birth year")
    seniors_helped: int = Field(description="those who attended a session or were helped")
    seniors_helped_share: float | None = Field(description="seniors_helped / seniors")
    sessions_held: int
    attendances: int
    help_requests_helped: int
