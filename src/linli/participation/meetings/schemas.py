"""What the meetings API reads and writes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints, field_validator

from linli.core.pagination import PageMeta
from linli.core.schemas import Schema

Mode = Literal["in_person", "online", "hybrid"]
Status = Literal["planned", "live", "ended", "cancelled"]
DecisionStatus = Literal["open", "in_progress", "done"]
AgendaTitle = Annotated[str, StringConstraints(min_length=1, max_length=300)]


def _https(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not value.startswith("https://") or any(c.isspace() for c in value):
        raise ValueError("the stream URL must be an https:// address")
    return value


class MeetingCreate(Schema):
    unit_id: uuid.UUID = Field(description="the org unit whose council or committee meets")
    title: str = Field(min_length=1, max_length=200)
    mode: Mode
    venue: str | None = Field(default=None, max_length=300)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    stream_url: str | None = Field(
        default=None, max_length=500, description="https URL of the broadcast, embedded"
    )
    capacity: int | None = Field(default=None, ge=1, le=100_000, description="None: no limit")
    agenda: list[AgendaTitle] = Field(default_factory=list, max_length=50)

    _check_url = field_validator("stream_url")(_https)

    @field_validator("agenda")
    @classmethod
    def _items(cls, value: list[str]) -> list[str]:
        if any(not item.strip() for item in value):
            raise ValueError("an agenda item says something")
        return [item.strip() for item in value]


class MeetingUpdate(Schema):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    mode: Mode | None = None
    venue: str | None = Field(default=None, max_length=300)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    stream_url: str | None = Field(default=None, max_length=500)
    capacity: int | None = Field(default=None, ge=1, le=100_000)

    _check_url = field_validator("stream_url")(_https)


class AgendaItemCreate(Schema):
    title: str = Field(min_length=1, max_length=300)


class StatusIn(Schema):
    status: Status


class CurrentItemIn(Schema):
    agenda_item_id: uuid.UUID | None = Field(description="the item under discussion; null: none")


class MinuteCreate(Schema):
    text: str = Field(min_length=1, max_length=4000)
    agenda_item_id: uuid.UUID | None = None
    public: bool = True


class DecisionCreate(Schema):
    text: str = Field(min_length=1, max_length=2000)
    agenda_item_id: uuid.UUID | None = None
    owner_account_id: uuid.UUID | None = Field(default=None, description="a staff member")
    owner_unit_id: uuid.UUID | None = Field(default=None, description="an org unit")
    due_on: date
    public: bool = True


class DecisionUpdateCreate(Schema):
    status: DecisionStatus
    note: str = Field(default="", max_length=2000)


class CheckInCode(Schema):
    code: str = Field(min_length=1, max_length=16)


class AgendaItemRead(Schema):
    id: uuid.UUID
    position: int
    title: str


class MinuteRead(Schema):
    id: uuid.UUID
    seq: int
    agenda_item_id: uuid.UUID | None
    text: str
    public: bool
    at: datetime
    actor: str


class DecisionUpdateRead(Schema):
    id: uuid.UUID
    status: str
    note: str
    at: datetime
    actor: str


class DecisionRead(Schema):
    id: uuid.UUID
    meeting_id: uuid.UUID
    agenda_item_id: uuid.UUID | None
    text: str
    public: bool
    owner_account_id: uuid.UUID | None
    owner_unit_id: uuid.UUID | None
    due_on: date
    status: str
    overdue: bool = False
    done_at: datetime | None
    created_at: datetime
    actor: str


class DecisionDetail(DecisionRead):
    updates: list[DecisionUpdateRead]


class DecisionPage(PageMeta):
    items: list[DecisionRead]


class MeetingRead(Schema):
    id: uuid.UUID
    unit_id: uuid.UUID
    org_path: str
    body: str = Field(description="the residents' council or committee, in the reader's language")
    title: str
    mode: str
    venue: str | None
    starts_at: datetime
    ends_at: datetime
    stream_url: str | None
    capacity: int | None
    registered_count: int
    status: str
    current_item_id: uuid.UUID | None
    minutes_published_at: datetime | None
    created_by: str
    created_at: datetime


class MeetingDetail(MeetingRead):
    checkin_code: str
    agenda: list[AgendaItemRead]
    minutes: list[MinuteRead]
    decisions: list[DecisionRead]
    waitlisted: int
    attended: int


class MeetingPage(PageMeta):
    items: list[MeetingRead]


class RegistrationRead(Schema):
    id: uuid.UUID
    meeting_id: uuid.UUID
    account_id: uuid.UUID
    actor: str
    status: str
    attended_at: datetime | None
    checked_in_by: str | None
    created_at: datetime


class RegistrationPage(PageMeta):
    items: list[RegistrationRead]


class PublicMinute(Schema):
    id: uuid.UUID
    seq: int
    agenda_item_id: uuid.UUID | None
    text: str
    at: datetime


class PublicDecision(Schema):
    id: uuid.UUID
    agenda_item_id: uuid.UUID | None
    text: str
    owner_unit: str | None
    due_on: date
    status: str
    overdue: bool


class PublicMeeting(Schema):
    """What anybody may read of a meeting: never who registered, never internal lines."""

    id: uuid.UUID
    body: str
    unit: str
    title: str
    mode: str
    venue: str | None
    starts_at: datetime
    ends_at: datetime
    stream_url: str | None
    capacity: int | None
    places_left: int | None
    status: str
    current_item_id: uuid.UUID | None
    minutes_published_at: datetime | None
    agenda: list[AgendaItemRead]
    minutes: list[PublicMinute]
    decisions: list[PublicDecision]


class PublicMeetingSummary(Schema):
    id: uuid.UUID
    body: str
    unit: str
    title: str
    mode: str
    venue: str | None
    starts_at: datetime
    ends_at: datetime
    status: str
    capacity: int | None
    places_left: int | None


class RegistrationStatus(Schema):
    id: uuid.UUID
    status: str
    attended_at: datetime | None
    created_at: datetime


class MyMeeting(Schema):
    """A meeting as a resident reads it in their list, with their own place at it."""

    meeting: PublicMeetingSummary
    registration: RegistrationStatus | None


class MyMeetingPage(PageMeta):
    items: list[MyMeeting]
