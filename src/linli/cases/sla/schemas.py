"""What the overdue ledger and supervision APIs read and write."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from linli.core.pagination import PageMeta
from linli.core.schemas import Schema


class ExplainIn(Schema):
    explanation: str = Field(min_length=1, max_length=4000)


class OverdueEntryRead(Schema):
    id: uuid.UUID
    case_id: uuid.UUID
    case_ref: str
    step: str
    unit_id: uuid.UUID
    unit_name: str
    level: int
    overdue_at: datetime
    explanation: str | None
    explained_by: str | None
    explained_at: datetime | None
    resolved_at: datetime | None


class OverduePage(PageMeta):
    items: list[OverdueEntryRead]


class SupervisedCase(Schema):
    case_id: uuid.UUID
    ref: str
    title: str
    step: str | None
    deadline_at: datetime | None
    unit_name: str = Field(description="where the case is now: the unit it was sent to")
    place: str = Field(description="the unit where it happened")
    lon: float | None
    lat: float | None
    why: str = Field(description="the latest explanation, or 'none given'")


class SupervisionRow(Schema):
    unit_id: uuid.UUID
    code: str
    name: str
    kind: str
    open: int
    overdue: int
    unexplained_overdue: int
    due_soon: int
    escalated_here: int


class SupervisionRead(Schema):
    unit_id: uuid.UUID
    due_within_hours: int
    due_before: datetime
    children: list[SupervisionRow]
    overdue_cases: list[SupervisedCase]


# --- reporter feedback and ratings (linli.cases.rating) -------------------------------------
