"""What the case API reads and writes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from linli.core.schemas import Schema


class CategoryUpdate(Schema):
    """A category's settings. `name` … `requires_photo` are replaced (left out: their default);
    the catalogue fields below are changed only when given (a new category takes defaults)."""

    name: str = Field(min_length=1, max_length=200)
    name_zh: str | None = Field(default=None, max_length=200)
    priority: int = Field(default=3, ge=1, le=4)
    step_limits: dict[str, int] = Field(
        default_factory=dict, description="working minutes per step (register … verify)"
    )
    requires_photo: bool = False
    parent_code: str | None = Field(
        default=None, max_length=64, description="its major group (null: none, it is a group)"
    )
    kind: Literal["event", "asset"] | None = None
    level: Literal["major", "minor"] | None = Field(
        default=None, description="major: a group; minor: a leaf that cases use"
    )
    required_evidence: list[Literal["photo", "note"]] | None = Field(
        default=None, max_length=2, description="what closing a case needs"
    )
    duplicate_radius_m: int | None = Field(default=None, ge=1, le=10_000)
    duplicate_window_hours: int | None = Field(default=None, ge=1, le=24 * 90)
    examples: list[Annotated[str, Field(min_length=1, max_length=500)]] | None = Field(
        default=None, max_length=100, description="report texts (any language) triage learns"
    )


class CategoryRead(Schema):
    code: str
    name: str
    name_zh: str | None
    priority: int
    step_limits: dict[str, int]
    requires_photo: bool


class ContactIn(Schema):
    name: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)


class CaseCreate(Schema):
    category_code: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    unit_id: uuid.UUID | None = Field(default=None, description="where, when there is no point")
    source: Literal["staff", "patrol", "hotline"] = "staff"
    source_ref: str | None = Field(default=None, max_length=64)
    caller: ContactIn | None = Field(
        default=None, description="how to reach the caller (hotline); kept encrypted"
    )


class CaseRead(Schema):
    id: uuid.UUID
    ref: str
    title: str
    description: str
    category_code: str
    source: str
    source_ref: str | None
    profile: str
    status: str
    priority: int
    lon: float | None
    lat: float | None
    org_unit_id: uuid.UUID
    org_path: str
    supervisor_unit_id: uuid.UUID
    escalation_level: int
    assigned_unit_id: uuid.UUID | None
    assigned_path: str | None
    assignee_id: uuid.UUID | None
    step: str | None
    step_started_at: datetime | None
    step_deadline_at: datetime | None
    overdue: bool
    duplicate_of_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    return_count: int = 0
    arbitrated_unit_id: uuid.UUID | None = None


class CasePage(Schema):
    items: list[CaseRead]
    total: int


class CaseEventRead(Schema):
    seq: int
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    note: str | None
    evidence: list[str]
    detail: dict[str, Any]


class AttachmentRead(Schema):
    id: uuid.UUID
    kind: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    created_at: datetime


class CaseDetail(CaseRead):
    timeline: list[CaseEventRead]
    attachments: list[AttachmentRead]
    allowed_actions: list[str] = Field(description="actions the caller may take now")


class NoteIn(Schema):
    note: str | None = Field(default=None, max_length=4000)


class DispatchIn(NoteIn):
    unit_id: uuid.UUID | None = Field(default=None, description="default: the routing table")
    assignee_id: uuid.UUID | None = Field(default=None, description="a person of that unit")
    assign: Literal["auto"] | None = Field(
        default=None, description="'auto': the grid worker, else the least-loaded staff member"
    )
    supporting_unit_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=10, description="units that support (a joint case)"
    )


class EvidenceIn(NoteIn):
    evidence: list[uuid.UUID] = Field(default_factory=list, max_length=20)


class HandleIn(EvidenceIn):
    note: str = Field(min_length=1, max_length=4000)


class VerifyIn(EvidenceIn):
    passed: bool


class RejectIn(Schema):
    reason: str = Field(min_length=1, max_length=4000)
    duplicate_of: uuid.UUID | None = None


class ReturnIn(Schema):
    reason: str = Field(min_length=1, max_length=4000)


class ReporterRead(Schema):
    channel: str
    name: str | None
    phone: str | None
    email: str | None


class PublicReportReceipt(Schema):
    ref: str
    status: str
    token: str = Field(description="keep it: GET /api/public/reports/{token} follows the case")
    replayed: bool = Field(description="true when the Idempotency-Key was seen before")


class PublicNoteRead(Schema):
    at: datetime
    status: str | None
    note: str


class PublicReportStatus(Schema):
    ref: str
    status: str
    category_code: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    notes: list[PublicNoteRead]


class CameraCreate(Schema):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(default="", max_length=200)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


class CameraRead(Schema):
    id: uuid.UUID
    code: str
    name: str
    lon: float
    lat: float
    org_unit_id: uuid.UUID
    org_path: str
    active: bool
    created_at: datetime


class CameraRegistered(CameraRead):
    token: str = Field(description="shown once; send it as 'Authorization: Camera <token>'")


class CameraEventIn(Schema):
    event_type: str = Field(min_length=1, max_length=64, examples=["illegal_dumping"])
    camera_id: str = Field(min_length=1, max_length=64, description="the camera's code")
    time: datetime = Field(description="when the analytics saw it, ISO 8601 with offset")
    snapshot: str | None = Field(default=None, description="base64 JPEG/PNG/WebP, at most 5 MB")
    confidence: float | None = Field(default=None, ge=0, le=1)


class CameraEventResult(Schema):
    action: Literal["opened", "joined", "ignored"]
    case_id: uuid.UUID | None
    ref: str | None


# --- dispatch, arbitration, joint cases, overdue ledger, supervision ------------------------


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


class OverduePage(Schema):
    items: list[OverdueEntryRead]
    total: int


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


class RatingCreate(Schema):
    score: int = Field(ge=1, le=5, description="1 (poor) … 5 (excellent)")
    comment: str | None = Field(default=None, max_length=1000)


class RatingRead(Schema):
    score: int
    comment: str | None
    via: str = Field(description="token (the resident who reported) or staff")
    created_at: datetime


class ReporterConfirmIn(Schema):
    note: str | None = Field(default=None, max_length=1000)


class ReporterRefuseIn(Schema):
    reason: str = Field(min_length=1, max_length=1000, description="what is still wrong")


class ReporterFeedbackRead(Schema):
    ref: str
    status: str
    profile: str
    can_confirm: bool
    can_refuse: bool
    can_rate: bool
    confirmed: bool = Field(description="the reporter confirmed the latest fix (grid profile)")
    rating: RatingRead | None


# --- figures (linli.cases.evaluation) -------------------------------------------------------


class FiguresUnitRead(Schema):
    id: uuid.UUID
    code: str
    name: str
    name_zh: str | None
    kind: str


class StepFiguresRead(Schema):
    step: str
    finished: int = Field(description="steps of this kind that ended in the period")
    mean_minutes: float | None = Field(description="mean wall-clock minutes of those steps")
    with_deadline: int
    on_time: int
    on_time_rate: float | None
    overdue: int = Field(description="deadlines of this step missed in the period")


class FiguresRead(Schema):
    cases_closed: int
    first_time_fixed: int
    first_time_fix_rate: float | None
    steps_finished: int
    steps_with_deadline: int
    steps_on_time: int
    on_time_rate: float | None
    mean_handle_minutes: float | None
    satisfaction: float | None = Field(description="mean rating (1–5) given in the period")
    ratings: int
    returns: int
    disputes: int
    overdue: int
    steps: list[StepFiguresRead]


class UnitFiguresRead(Schema):
    unit: FiguresUnitRead
    start: datetime = Field(description="the period is [start, end)")
    end: datetime
    minutes_basis: Literal["wall"] = "wall"
    own: FiguresRead = Field(description="cases whose responsible unit is this unit itself")
    rollup: FiguresRead = Field(description="cases of every unit in its subtree")


class FiguresRow(Schema):
    unit: FiguresUnitRead
    figures: FiguresRead


class FiguresCompareRead(Schema):
    parent: FiguresUnitRead
    start: datetime
    end: datetime
    minutes_basis: Literal["wall"] = "wall"
    sort: str
    order: Literal["asc", "desc"]
    total: FiguresRead = Field(description="the parent's rollup")
    children: list[FiguresRow]


# --- triage and duplicates ----------------------------------------------------------------


class CategoryCatalogueRead(CategoryRead):
    parent_code: str | None
    kind: str
    level: str
    required_evidence: list[str]
    duplicate_radius_m: int
    duplicate_window_hours: int


class CategoryDetailRead(CategoryCatalogueRead):
    examples: list[str]


class TriageSuggestIn(Schema):
    text: str = Field(min_length=1, max_length=4000)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    k: int = Field(default=3, ge=1, le=10, description="how many categories to suggest")


class SuggestedUnitRead(Schema):
    id: uuid.UUID
    code: str
    name: str


class CategorySuggestionRead(Schema):
    code: str
    name: str
    name_zh: str | None
    confidence: float = Field(description="the model's probability, 0 to 1")
    unit: SuggestedUnitRead | None = Field(
        description="the unit the routing table names for it at the point (none without one)"
    )


class DuplicateCandidateRead(Schema):
    case_id: uuid.UUID
    ref: str
    title: str
    status: str
    category_code: str
    distance_m: float
    similarity: float
    me_too_count: int
    created_at: datetime


class TriageSuggestionRead(Schema):
    language: str = Field(description="en, zh, ms or ta, guessed from the text")
    categories: list[CategorySuggestionRead]
    duplicates: list[DuplicateCandidateRead]


class TriageIn(Schema):
    category_code: str = Field(min_length=1, max_length=64)
    note: str | None = Field(default=None, max_length=4000)


class SimilarCaseRead(Schema):
    ref: str = Field(description="join it with POST /api/public/reports/{ref}/me-too")
    category_code: str
    category_name: str
    status: str
    distance_m: float
    me_too_count: int
    created_at: datetime
