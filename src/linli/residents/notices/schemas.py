"""What the notices API reads and writes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field, model_validator

from linli.core.pagination import PageMeta
from linli.core.schemas import Schema

Language = Literal["en", "zh_Hans", "ms", "ta"]
Group = Literal["everyone", "seniors_alone", "households"]
Outcome = Literal["reached", "no_answer", "wrong_number"]


class NoticeText(Schema):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=8000)


class NoticeTarget(Schema):
    """Who a notice is for: the residents of an org subtree, optionally of some of its
    buildings, optionally one group."""

    unit_id: uuid.UUID = Field(description="the org unit whose subtree the notice is for")
    building_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=200, description="only these buildings (none: all)"
    )
    group: Group = "everyone"


class NoticeCreate(NoticeTarget):
    texts: dict[Language, NoticeText] = Field(
        min_length=1, max_length=4, description="the notice in one or more languages"
    )
    fallback_locale: Language = Field(
        "en", description="the language shown to residents whose own is not among the texts"
    )

    @model_validator(mode="after")
    def _fallback_written(self) -> NoticeCreate:
        if self.fallback_locale not in self.texts:
            raise ValueError("the fallback language must be one of the texts")
        return self


class NoticeUpdate(Schema):
    """Change a draft or scheduled notice; fields left out stay."""

    texts: dict[Language, NoticeText] | None = Field(default=None, min_length=1, max_length=4)
    fallback_locale: Language | None = None
    unit_id: uuid.UUID | None = None
    building_ids: list[uuid.UUID] | None = Field(default=None, max_length=200)
    group: Group | None = None


class PublishRequest(Schema):
    publish_at: datetime | None = Field(
        None, description="when to publish (default: now); a later time schedules it"
    )
    expire_at: datetime | None = Field(None, description="when residents stop seeing it")


class NoticeRead(Schema):
    id: uuid.UUID
    ref: str
    unit_id: uuid.UUID
    org_path: str
    texts: dict[str, NoticeText]
    fallback_locale: str
    group: str
    building_ids: list[uuid.UUID] = Field(default_factory=list)
    status: str
    publish_at: datetime | None
    expire_at: datetime | None
    published_at: datetime | None
    withdrawn_at: datetime | None
    audience_count: int | None
    created_by: str
    created_at: datetime
    updated_at: datetime


class NoticePage(PageMeta):
    items: list[NoticeRead]


class AudienceCount(Schema):
    residents: int = Field(description="registry residents the target picks")
    buildings: int = Field(description="buildings they live in")
    to_phone: int = Field(description="of them, recorded without a smartphone, to be phoned")
    to_visit: int = Field(description="of them, recorded without a smartphone, to be visited")


class TargetFigures(Schema):
    building_id: uuid.UUID
    building: str
    audience: int
    read: int = Field(description="residents' accounts living there that opened it")
    reached: int = Field(description="residents reached by a call")
    share: float = Field(description="(read + reached) / audience, 0 when nobody is aimed at")


class NoticeFigures(Schema):
    audience: int
    read: int
    reached: int
    delivered: int = Field(description="read online or reached by a call")
    share: float
    targets: list[TargetFigures]


class CallCreate(Schema):
    resident_id: uuid.UUID
    outcome: Outcome
    note: str = Field(default="", max_length=1000)


class CallRead(Schema):
    id: uuid.UUID
    notice_id: uuid.UUID
    resident_id: uuid.UUID
    outcome: str
    note: str
    called_by: str
    called_at: datetime


class CallPage(PageMeta):
    items: list[CallRead]


class PhoneListRow(Schema):
    resident_id: uuid.UUID
    name: str
    phone: str | None
    revealed: bool
    building_id: uuid.UUID
    language: str
    method: str = Field(description="phone or visit")
    last_outcome: str | None
    last_called_at: datetime | None


class PhoneListPage(PageMeta):
    items: list[PhoneListRow]


class MyNoticeRead(Schema):
    """A notice as a resident reads it: in their language (else the fallback)."""

    id: uuid.UUID
    ref: str
    title: str
    body: str
    locale: str
    published_at: datetime | None
    expire_at: datetime | None
    read: bool


class MyNoticePage(PageMeta):
    items: list[MyNoticeRead]
