"""What the case API reads and writes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from linli.core.pagination import PageMeta
from linli.core.schemas import Schema


class CategoryUpdate(Schema):
    """A category's settings. `name` … `requires_photo` are replaced (left out: their default);
    the catalogue fields below are changed only when given (a new category takes defaults)."""

    name: str = Field(min_length=1, max_length=200)
    name_zh: str | None = Field(default=None, max_length=200)
    priority: int = Field(default=3, ge=1, le=4)
    step_limits: dict[str, Annotated[int, Field(ge=1, le=525_600)]] = Field(
        default_factory=dict,
        max_length=8,
        description="working minutes per step (register … verify), at most a year",
    )
    requires_photo: bool = False
    name_ms: str | None = Field(default=None, max_length=200, description="the name in Malay")
    name_ta: str | None = Field(default=None, max_length=200, description="the name in Tamil")
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
    public: bool | None = Field(
        default=None, description="residents' cases of this kind appear in public views"
    )
    round_location_m: int | None = Field(
        default=None, ge=0, le=5000, description="public views snap the point to this grid"
    )
    examples: list[Annotated[str, Field(min_length=1, max_length=500)]] | None = Field(
        default=None, max_length=100, description="report texts (any language) triage learns"
    )


class CategoryRead(Schema):
    code: str
    name: str
    name_zh: str | None
    name_ms: str | None = None
    name_ta: str | None = None
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
    published: bool = False


class CasePage(PageMeta):
    items: list[CaseRead]


class CaseEventRead(Schema):
    seq: int
    at: datetime
    actor: str = Field(description="who acted: `staff:<username>`, `system`, `reporter`…")
    actor_name: str | None = Field(
        default=None, description="the display name of a staff actor, as people read it"
    )
    action: str
    from_status: str | None
    to_status: str | None
    note: str | None
    evidence: list[str]
    detail: dict[str, Any]
    visibility: str = "internal"


class AttachmentRead(Schema):
    id: uuid.UUID
    kind: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    created_at: datetime
    visibility: str = "internal"


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
    public: bool = Field(default=False, description="show this step's note in public views")


class HandleIn(EvidenceIn):
    note: str = Field(min_length=1, max_length=4000)


class VerifyIn(EvidenceIn):
    passed: bool


class RejectIn(Schema):
    reason: str = Field(min_length=1, max_length=4000)
    duplicate_of: uuid.UUID | None = None
    public: bool = Field(default=False, description="show the reason in public views")


class ReturnIn(Schema):
    reason: str = Field(min_length=1, max_length=4000)


class CategoryCatalogueRead(CategoryRead):
    parent_code: str | None
    kind: str
    level: str
    required_evidence: list[str]
    duplicate_radius_m: int
    duplicate_window_hours: int
    public: bool = True
    round_location_m: int = 0


class CategoryDetailRead(CategoryCatalogueRead):
    examples: list[str]


class PublishIn(Schema):
    published: bool = Field(description="show the case in public views (false: take it back)")


class VisibilityIn(Schema):
    visibility: Literal["internal", "public"]
