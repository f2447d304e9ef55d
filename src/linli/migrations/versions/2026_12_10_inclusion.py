"""digital inclusion: courses, sessions, registrations and attendance, help requests

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-10 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inclusion_course",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("org_path", sa.String(1024), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("sessions_to_complete", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_unit.id"], name=op.f("fk_inclusion_course_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inclusion_course")),
    )
    op.create_index(
        "ix_inclusion_course_org_path", "inclusion_course", ["org_path", "created_at", "id"]
    )
    op.create_table(
        "inclusion_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("org_path", sa.String(1024), nullable=False),
        sa.Column("place", sa.String(300), nullable=False),
        sa.Column("starts_at", _TZ, nullable=False),
        sa.Column("ends_at", _TZ, nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("registered_count", sa.Integer(), nullable=False),
        sa.Column("ambassadors", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["inclusion_course.id"],
            ondelete="CASCADE",
            name=op.f("fk_inclusion_session_course_id_inclusion_course"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inclusion_session")),
    )
    op.create_index(
        "ix_inclusion_session_course", "inclusion_session", ["course_id", "starts_at", "id"]
    )
    op.create_index(
        "ix_inclusion_session_org_path", "inclusion_session", ["org_path", "starts_at", "id"]
    )
    op.create_index("ix_inclusion_session_starts", "inclusion_session", ["starts_at", "id"])
    op.create_table(
        "inclusion_registration",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("org_path", sa.String(1024), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("registry_resident_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.LargeBinary(), nullable=True),
        sa.Column("phone", sa.LargeBinary(), nullable=True),
        sa.Column("phone_hash", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attended_at", _TZ, nullable=True),
        sa.Column("recorded_by", sa.String(200), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["inclusion_session.id"],
            ondelete="CASCADE",
            name=op.f("fk_inclusion_registration_session_id_inclusion_session"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["inclusion_course.id"],
            ondelete="CASCADE",
            name=op.f("fk_inclusion_registration_course_id_inclusion_course"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inclusion_registration")),
        sa.UniqueConstraint(
            "session_id",
            "account_id",
            name=op.f("uq_inclusion_registration_session_id_account_id"),
        ),
    )
    op.create_index(
        "ix_inclusion_registration_order",
        "inclusion_registration",
        ["session_id", "status", "created_at", "id"],
    )
    op.create_index(
        "ix_inclusion_registration_account",
        "inclusion_registration",
        ["account_id", "created_at", "id"],
    )
    op.create_index(
        "ix_inclusion_registration_attended",
        "inclusion_registration",
        ["org_path", "attended_at"],
    )
    op.create_table(
        "inclusion_help_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_path", sa.String(1024), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("registry_resident_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.LargeBinary(), nullable=True),
        sa.Column("phone", sa.LargeBinary(), nullable=True),
        sa.Column("phone_hash", sa.String(64), nullable=True),
        sa.Column("topic", sa.String(32), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("preferred_times", sa.String(300), nullable=False),
        sa.Column("details", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("ambassador_id", sa.Uuid(), nullable=True),
        sa.Column("taken_at", _TZ, nullable=True),
        sa.Column("appointment_at", _TZ, nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("outcome_note", sa.LargeBinary(), nullable=True),
        sa.Column("closed_at", _TZ, nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inclusion_help_request")),
    )
    op.create_index(
        "ix_inclusion_help_queue",
        "inclusion_help_request",
        ["status", "org_path", "created_at", "id"],
    )
    op.create_index(
        "ix_inclusion_help_org_path", "inclusion_help_request", ["org_path", "created_at", "id"]
    )
    op.create_index(
        "ix_inclusion_help_account", "inclusion_help_request", ["account_id", "created_at", "id"]
    )
    op.create_index(
        "ix_inclusion_help_outcome", "inclusion_help_request", ["org_path", "outcome", "closed_at"]
    )


def downgrade() -> None:
    op.drop_table("inclusion_help_request")
    op.drop_table("inclusion_registration")
    op.drop_table("inclusion_session")
    op.drop_table("inclusion_course")
