"""What the dispatch API reads and writes: re-assignment, arbitration, joint cases."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from linli.cases.schemas import (
    EvidenceIn,
    NoteIn,
)
from linli.core.schemas import Schema


class ReassignIn(NoteIn):
    assignee_id: uuid.UUID | None = Field(default=None, description="a person of the unit")
    assign: Literal["auto"] | None = None


class ArbitrateIn(Schema):
    unit_id: uuid.UUID = Field(description="the unit ruled responsible")
    supporting_unit_ids: list[uuid.UUID] = Field(default_factory=list, max_length=10)
    reason: str = Field(min_length=1, max_length=4000)


class ContributeIn(EvidenceIn):
    note: str = Field(min_length=1, max_length=4000)
    done: bool = Field(default=False, description="this unit's part is finished")


class ParticipantRead(Schema):
    unit_id: uuid.UUID
    role: str
    status: str
    note: str | None
    updated_at: datetime
