"""What the proposals API reads and writes. Public schemas carry nothing about accounts or
staff: a resident appears only by the display name they chose to show."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from linli.core.pagination import PageMeta
from linli.core.schemas import Schema


class ProposalCreate(Schema):
    area_id: uuid.UUID = Field(description="the org unit the proposal is for; your home is in it")
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=4000)
    place: str | None = Field(None, max_length=200, description="where, in words")
    display_name: str | None = Field(
        None, max_length=60, description="a name to show with it; nothing is shown without one"
    )


class ProposalRead(Schema):
    ref: str
    title: str
    body: str
    place: str | None
    area_id: uuid.UUID = Field(validation_alias="org_unit_id")
    status: str
    support_count: int
    display_name: str | None
    created_at: datetime
    updated_at: datetime
    decided_at: datetime | None


class ProposalPage(PageMeta):
    items: list[ProposalRead]


class StaffProposalRead(ProposalRead):
    id: uuid.UUID
    org_path: str


class StaffProposalPage(PageMeta):
    items: list[StaffProposalRead]


class AnswerCreate(Schema):
    status: Literal["evaluating", "accepted", "rejected"] = Field(
        description="the state the answer moves the proposal to"
    )
    text: str = Field(min_length=1, max_length=4000, description="the public answer")


class AnswerRead(Schema):
    from_status: str
    to_status: str
    text: str
    created_at: datetime


class CommentCreate(Schema):
    body: str = Field(min_length=1, max_length=2000)
    display_name: str | None = Field(None, max_length=60)


class CommentRead(Schema):
    id: uuid.UUID
    created_at: datetime
    hidden: bool
    hidden_reason: str | None = None
    body: str | None = Field(None, description="null when a moderator hid the comment")
    display_name: str | None = None


class CommentPage(PageMeta):
    items: list[CommentRead]


class CommentHide(Schema):
    reason: str = Field(min_length=1, max_length=500, description="shown in the comment's place")


class ProgressUpdate(Schema):
    percent: int = Field(ge=0, le=100)
    status_text: str = Field("", max_length=500)


class MilestoneCreate(Schema):
    title: str = Field(min_length=1, max_length=200)
    due_on: date
    done_on: date | None = None


class MilestoneUpdate(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    due_on: date | None = None
    done_on: date | None = None


class MilestoneRead(Schema):
    id: uuid.UUID
    title: str
    due_on: date
    done_on: date | None


class CaseLinkCreate(Schema):
    ref: str = Field(min_length=1, max_length=32, examples=["C-261207-000123"])


class CaseLinkRead(Schema):
    ref: str
    public: bool = Field(description="false: the case is not public, so nothing more is shown")
    status: str | None
    category_name: str | None
    updated_at: datetime | None
    closed_at: datetime | None


class ResultRead(Schema):
    percent: int
    status_text: str
    updated_at: datetime
    milestones: list[MilestoneRead]
    cases: list[CaseLinkRead]


class ProposalDetail(ProposalRead):
    answers: list[AnswerRead]
    result: ResultRead | None


class SupportState(Schema):
    ref: str
    support_count: int
    supported: bool
