"""Case categories, cases, their append-only timeline and photo attachments; the state machine."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, validates

from linli.core import clock, refs
from linli.core.database import Base, CreatedMixin, IdMixin
from linli.core.errors import Conflict

# --- the state machine: which action moves a case from which states to which ----------

STATUSES = (
    "reported",
    "registered",
    "dispatched",
    "accepted",
    "in_progress",
    "handled",
    "verified",
    "closed",
    "rejected",
    "returned",
)
TERMINAL = frozenset({"closed", "rejected"})
SOURCES = ("alarm", "resident", "patrol", "hotline", "staff")
# Sources whose cases public views show without a staff decision (in a public category).
PUBLIC_SOURCES = frozenset({"resident"})
# Who may read a timeline note or a photo: staff only (the default), or anyone reading the case.
VISIBILITIES = ("internal", "public")
STEPS = ("register", "dispatch", "accept", "handle", "verify")

# The step whose clock runs while a case waits in a status; statuses not listed run no clock.
STEP_OF_STATUS: dict[str, str] = {
    "reported": "register",
    "registered": "dispatch",
    "returned": "dispatch",
    "dispatched": "accept",
    "accepted": "handle",
    "in_progress": "handle",
    "handled": "verify",
}

# In the town profile these sources are registered and dispatched on arrival, by the system.
AUTO_DISPATCH: dict[str, frozenset[str]] = {
    "grid": frozenset(),
    "town": frozenset({"resident", "alarm"}),
}


@dataclass(frozen=True, slots=True)
class Transition:
    """One row of the table.

    `assigned_scope`: the permission may be held on the case's assigned unit as well as on the
    unit where it happened. `reason_required`: the note must say why.
    """

    action: str
    sources: frozenset[str]
    target: str
    permission: str
    assigned_scope: bool = False
    reason_required: bool = False


TABLE: tuple[Transition, ...] = (
    Transition("register", frozenset({"reported"}), "registered", "cases:register"),
    Transition("dispatch", frozenset({"registered", "returned"}), "dispatched", "cases:dispatch"),
    Transition(
        "reject",
        frozenset({"reported", "registered"}),
        "rejected",
        "cases:register",
        reason_required=True,
    ),
    Transition("accept", frozenset({"dispatched"}), "accepted", "cases:handle", True),
    Transition("start", frozenset({"accepted"}), "in_progress", "cases:handle", True),
    Transition("handle", frozenset({"in_progress"}), "handled", "cases:handle", True, True),
    Transition(
        "return",
        frozenset({"dispatched", "accepted"}),
        "returned",
        "cases:handle",
        assigned_scope=True,
        reason_required=True,
    ),
    # The level above the supervisor rules who is responsible after a return; the ruling binds.
    Transition(
        "arbitrate",
        frozenset({"returned"}),
        "dispatched",
        "cases:arbitrate",
        reason_required=True,
    ),
    Transition("verify", frozenset({"handled"}), "verified", "cases:verify", True),
    Transition(
        "fail_verification",
        frozenset({"handled"}),
        "in_progress",
        "cases:verify",
        assigned_scope=True,
        reason_required=True,
    ),
    Transition("close", frozenset({"verified"}), "closed", "cases:close", True),
)
TRANSITIONS: dict[str, Transition] = {t.action: t for t in TABLE}
ACTIONS = tuple(TRANSITIONS)


def transition(action: str, status: str) -> Transition:
    """Return the row for `action` from `status`, or raise Conflict(illegal_transition)."""
    row = TRANSITIONS.get(action)
    if row is None:
        raise Conflict(f"unknown case action '{action}'", code="unknown_action")
    if status not in row.sources:
        raise Conflict(
            f"cannot {action} a case that is '{status}' (allowed from: "
            f"{', '.join(sorted(row.sources))}; it would become '{row.target}')",
            code="illegal_transition",
            action=action,
            from_status=status,
            to_status=row.target,
        )
    return row


def step_for(status: str) -> str | None:
    """Return the step whose clock runs in `status` (None: no clock)."""
    return STEP_OF_STATUS.get(status)


class Category(IdMixin, CreatedMixin, Base):
    """A kind of case (`env.air`, `public.order.noise`) with its priority and step time limits."""

    __tablename__ = "case_category"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str | None] = mapped_column(String(200))
    name_ms: Mapped[str | None] = mapped_column(String(200))
    name_ta: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(Integer, default=3)  # 1 urgent … 4 low
    # Minutes of working time per step: register, dispatch, accept, handle, verify.
    step_limits: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # Kept equal to `"photo" in required_evidence` (see `_sync_evidence`); close checks it.
    requires_photo: Mapped[bool] = mapped_column(default=False)
    # The catalogue as data: a tree of major groups and the minor (leaf) categories cases use.
    parent_code: Mapped[str | None] = mapped_column(
        ForeignKey("case_category.code", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8), default="event", server_default="event")
    level: Mapped[str] = mapped_column(String(8), default="minor", server_default="minor")
    required_evidence: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    duplicate_radius_m: Mapped[int] = mapped_column(Integer, default=100, server_default="100")
    duplicate_window_hours: Mapped[int] = mapped_column(Integer, default=24, server_default="24")
    # Example report texts (en/zh/ms/ta) the triage model learns from.
    examples: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    # Whether residents' cases of this kind appear in public views (off: care, safety, disputes…).
    public: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Public views snap the case's point to a grid of this many metres (0: the exact point).
    round_location_m: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    @validates("requires_photo")
    def _sync_evidence(self, _key: str, value: bool) -> bool:
        evidence = [e for e in (self.required_evidence or []) if e != "photo"]
        self.required_evidence = ["photo", *evidence] if value else evidence
        return value

    def name_in(self, locale: str) -> str:
        """Return the name in `locale` (`zh_Hans`, `ms`, `ta`), else the English one."""
        own: str | None = getattr(self, f"name_{locale.split('_', 1)[0].lower()}", None)
        return own or self.name


# What one tree (a district or a town) may set for itself; the rest of a category is shared.
OVERRIDABLE = (
    "priority",
    "step_limits",
    "required_evidence",
    "duplicate_radius_m",
    "duplicate_window_hours",
    "public",
    "round_location_m",
)


class CategorySetting(IdMixin, CreatedMixin, Base):
    """One tree's own settings of a category; a null field keeps the shared default."""

    __tablename__ = "category_setting"
    # The unique index is the lookup: (tree root, category) finds the one row.
    __table_args__ = (UniqueConstraint("tree_id", "category_code"),)

    tree_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id", ondelete="CASCADE"))
    # The tree root's org path ("/<id>/"): public views match a case's path against it in SQL.
    tree_path: Mapped[str] = mapped_column(String(40))
    category_code: Mapped[str] = mapped_column(
        ForeignKey("case_category.code", ondelete="CASCADE"), index=True
    )
    priority: Mapped[int | None] = mapped_column(Integer)
    step_limits: Mapped[dict[str, int] | None] = mapped_column(JSON)
    required_evidence: Mapped[list[str] | None] = mapped_column(JSON)
    duplicate_radius_m: Mapped[int | None] = mapped_column(Integer)
    duplicate_window_hours: Mapped[int | None] = mapped_column(Integer)
    public: Mapped[bool | None] = mapped_column()
    round_location_m: Mapped[int | None] = mapped_column(Integer)
    updated_by: Mapped[str | None] = mapped_column(String(100))


def tree_id_of(org_path: str | None) -> uuid.UUID | None:
    """Return the id of the top-level unit (district or town) an org path lies in."""
    first = (org_path or "").strip("/").split("/", 1)[0]
    try:
        return uuid.UUID(first) if first else None
    except ValueError:
        return None


def effective_category(category: Category, setting: CategorySetting | None) -> Category:
    """Return `category` as one tree sees it: its own settings over the shared defaults.

    The result is a detached copy (never added to a session) when the tree overrides anything,
    so reading it can never write the tree's values back into the shared row."""
    if setting is None or all(getattr(setting, f) is None for f in OVERRIDABLE):
        return category
    values = {c.key: getattr(category, c.key) for c in Category.__table__.columns}
    copy = Category(**values)
    for name in OVERRIDABLE:
        value = getattr(setting, name)
        if value is not None:
            setattr(copy, name, value)
    if setting.required_evidence is not None:
        evidence = list(setting.required_evidence)
        copy.requires_photo = "photo" in evidence
        copy.required_evidence = evidence
    return copy


# Case numbers come from this kind's sequence (`linli.core.refs`): global, not per day.
CASE_REFS = refs.declare("case")


class Case(IdMixin, CreatedMixin, Base):
    """One work order, whatever its source, from report to close."""

    __tablename__ = "case_record"
    # Lists read newest first by (created_at, ref); each index below walks that order whole, or
    # from one status, or inside one subtree. Subtrees are prefixes of a path: the pattern
    # operator class lets PostgreSQL range-scan `LIKE 'prefix%'` whatever the collation.
    __table_args__ = (
        Index("ix_case_record_created", "created_at", "ref"),
        Index("ix_case_record_status_created", "status", "created_at", "ref"),
        Index(
            "ix_case_record_org_path_created",
            "org_path",
            "created_at",
            "ref",
            postgresql_ops={"org_path": "varchar_pattern_ops"},
        ),
        Index(
            "ix_case_record_assigned_path_created",
            "assigned_path",
            "created_at",
            "ref",
            postgresql_ops={"assigned_path": "varchar_pattern_ops"},
        ),
    )

    ref: Mapped[str] = mapped_column(String(32), unique=True)
    # Stored in the site's language, as written or rendered once; a case a rule opened also keeps
    # what its words were made from (`linli.cases.wording`), so pages say them in each reader's.
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    text_key: Mapped[str | None] = mapped_column(String(32))
    text_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    category_code: Mapped[str] = mapped_column(ForeignKey("case_category.code"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    source_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    profile: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(Integer, default=3)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"))
    org_path: Mapped[str] = mapped_column(String(1024))
    supervisor_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"))
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    assigned_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_unit.id"))
    assigned_path: Mapped[str | None] = mapped_column(String(1024))
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_account.id", ondelete="SET NULL"), index=True
    )
    step: Mapped[str | None] = mapped_column(String(16))
    step_started_at: Mapped[datetime | None]
    step_deadline_at: Mapped[datetime | None]
    overdue: Mapped[bool] = mapped_column(default=False)
    # When the escalation sweep must look at the case next (None: never); a timer in the table.
    sweep_at: Mapped[datetime | None] = mapped_column(index=True)
    duplicate_of_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("case_record.id"))
    # Residents who reported the same problem again and joined this case ("me too").
    me_too_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
    closed_at: Mapped[datetime | None]
    # Disputes: how often a unit handed the case back; a binding ruling names the unit keeping it.
    return_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    arbitrated_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_unit.id"))
    # When the deadline warning of the running step fires (None: none due); a timer like sweep_at.
    warn_at: Mapped[datetime | None] = mapped_column(index=True)
    # Staff chose to show the case in public views whatever its source and category.
    published: Mapped[bool] = mapped_column(default=False, server_default=false())


class CaseEvent(IdMixin, Base):
    """One entry of a case's timeline; never updated, never deleted."""

    __tablename__ = "case_event"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The one thing that may change: staff publish a note (or take it back); audited.
    visibility: Mapped[str] = mapped_column(
        String(8), default="internal", server_default="internal"
    )


class Attachment(IdMixin, CreatedMixin, Base):
    """A photo kept in the database, so a case never points at a file that is gone."""

    __tablename__ = "case_attachment"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("case_record.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16), default="photo")
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # Deferred and raising: listing attachments never drags the bytes along by accident.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True, deferred_raiseload=True)
    uploaded_by: Mapped[str] = mapped_column(String(100))
    visibility: Mapped[str] = mapped_column(
        String(8), default="internal", server_default="internal"
    )

    @classmethod
    def photo(
        cls, case_id: uuid.UUID, data: bytes, content_type: str, uploaded_by: str
    ) -> Attachment:
        """Return a new photo attachment of the case holding `data` (already checked)."""
        return cls(
            case_id=case_id,
            kind="photo",
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            data=data,
            uploaded_by=uploaded_by,
            created_at=clock.now(),
        )
