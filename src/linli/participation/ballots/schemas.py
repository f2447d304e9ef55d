"""What the votes API reads and writes. No schema here carries a voter and a choice together."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field

from linli.core.pagination import PageMeta
from linli.core.schemas import Schema

Kind = Literal["approval", "budget"]
Phase = Literal["ideas", "review", "voting", "results"]
NeedLevel = Literal["signed_in", "phone", "registry", "in_person"]

MAX_OPTIONS = 100
MAX_AMOUNT = 1_000_000_000_000


class OptionCreate(Schema):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    cost: int | None = Field(default=None, ge=0, le=MAX_AMOUNT, description="budget votes only")
    proposal_id: uuid.UUID | None = Field(
        default=None, description="the resident's proposal the project comes from"
    )


class VoteCreate(Schema):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    kind: Kind
    unit_id: uuid.UUID = Field(description="the area: its verified residents vote")
    max_choices: int | None = Field(
        default=None, ge=1, le=MAX_OPTIONS, description="approval: choose up to this many"
    )
    budget: int | None = Field(default=None, ge=1, le=MAX_AMOUNT, description="budget votes")
    currency: str = Field(default="", max_length=8)
    need_level: NeedLevel = Field(
        default="registry", description="the verification a resident needs to vote"
    )
    ideas_on: date | None = None
    review_on: date | None = None
    voting_on: date | None = None
    results_on: date | None = None
    options: list[OptionCreate] = Field(default_factory=list, max_length=MAX_OPTIONS)


class PhaseChange(Schema):
    phase: Phase
    note: str = Field(default="", max_length=2000)


class OptionRead(Schema):
    id: uuid.UUID
    position: int
    title: str
    description: str
    cost: int | None
    proposal_id: uuid.UUID | None


class PhaseChangeRead(Schema):
    from_phase: str | None
    to_phase: str
    actor: str
    note: str
    at: datetime


class VoteRead(Schema):
    id: uuid.UUID
    title: str
    description: str
    kind: str
    max_choices: int | None
    budget: int | None
    currency: str
    unit_id: uuid.UUID
    org_path: str
    need_level: str
    phase: str
    ideas_on: date | None
    review_on: date | None
    voting_on: date | None
    results_on: date | None
    created_by: str
    created_at: datetime


class VoteDetail(VoteRead):
    options: list[OptionRead]
    phases: list[PhaseChangeRead]


class VotePage(PageMeta):
    items: list[VoteRead]


class BallotIn(Schema):
    option_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_OPTIONS)


class Receipt(Schema):
    """What a voter is told: their ballot was counted, never what it said."""

    vote_id: uuid.UUID
    counted: bool
    channel: str
    by_proxy: bool
    on: date


class OptionCount(Schema):
    option_id: uuid.UUID
    count: int = Field(ge=0, le=1_000_000)


Paper = Annotated[list[uuid.UUID], Field(max_length=MAX_OPTIONS)]
"""One paper ballot: the options marked on it."""


class PaperBatchIn(Schema):
    """A polling station's batch: counts per option with the number of ballots, or the
    individual paper ballots (each a list of the options marked)."""

    station: str = Field(min_length=1, max_length=100)
    batch: int = Field(ge=1, le=1_000_000)
    ballots: int | None = Field(default=None, ge=0, le=1_000_000)
    counts: list[OptionCount] | None = Field(default=None, max_length=MAX_OPTIONS)
    papers: list[Paper] | None = Field(default=None, max_length=5000)


class PaperConfirmIn(Schema):
    """The second officer's own entry of the same batch's figures."""

    ballots: int | None = Field(default=None, ge=0, le=1_000_000)
    counts: list[OptionCount] | None = Field(default=None, max_length=MAX_OPTIONS)
    papers: list[Paper] | None = Field(default=None, max_length=5000)


class PaperBatchRead(Schema):
    """A batch as staff see it; its figures only once confirmed (the second officer enters
    them blind)."""

    id: uuid.UUID
    station: str
    batch: int
    status: str
    entered_by: uuid.UUID
    entered_at: datetime
    confirmed_by: uuid.UUID | None
    confirmed_at: datetime | None
    ballots: int | None
    counts: list[OptionCount] | None


class PaperVoterIn(Schema):
    resident_id: uuid.UUID = Field(description="the registry resident handed a paper ballot")
    station: str = Field(min_length=1, max_length=100)


class PaperVoterRead(Schema):
    vote_id: uuid.UUID
    station: str
    marked: bool


class AreaTurnout(Schema):
    unit_id: uuid.UUID
    name: str
    voters: int
    eligible: int
    turnout: float | None


class Turnout(Schema):
    vote_id: uuid.UUID
    online: int
    paper: int
    voters: int
    eligible: int
    areas: list[AreaTurnout]


class OptionResult(Schema):
    option_id: uuid.UUID
    title: str
    cost: int | None
    votes: int
    rank: int
    funded: bool | None


class Results(Schema):
    vote_id: uuid.UUID
    title: str
    kind: str
    budget: int | None
    currency: str
    ballots: int
    paper_ballots: int
    spent: int | None
    options: list[OptionResult]
    turnout: Turnout
