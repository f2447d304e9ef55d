"""surveys: surveys of an area's residents, their questions, responses and answers

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-09 09:00:00

A survey belongs to the org unit whose residents it asks; its texts are stored in every language
as JSON maps. One response per resident and survey (unique), its answers one row per question.
Scale questions may carry the service and unit they rate (the satisfaction index reads them).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "survey",
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("intro", sa.JSON(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("org_path", sa.String(length=1024), nullable=False),
        sa.Column("min_level", sa.Integer(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_survey_org_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey")),
    )
    with op.batch_alter_table("survey") as batch:
        batch.create_index(
            "ix_survey_org_path_created",
            ["org_path", "created_at", "id"],
            unique=False,
            postgresql_ops={"org_path": "varchar_pattern_ops"},
        )
        batch.create_index("ix_survey_status_closes", ["status", "closes_at"], unique=False)
    op.create_table(
        "survey_question",
        sa.Column("survey_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("text", sa.JSON(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("scale_min", sa.Integer(), nullable=True),
        sa.Column("scale_max", sa.Integer(), nullable=True),
        sa.Column("low_label", sa.JSON(), nullable=True),
        sa.Column("high_label", sa.JSON(), nullable=True),
        sa.Column("service", sa.String(length=64), nullable=True),
        sa.Column("service_unit_id", sa.Uuid(), nullable=True),
        sa.Column("service_path", sa.String(length=1024), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["survey.id"],
            name=op.f("fk_survey_question_survey_id_survey"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_unit_id"],
            ["org_unit.id"],
            name=op.f("fk_survey_question_service_unit_id_org_unit"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_question")),
        sa.UniqueConstraint(
            "survey_id", "position", name=op.f("uq_survey_question_survey_id_position")
        ),
    )
    with op.batch_alter_table("survey_question") as batch:
        batch.create_index("ix_survey_question_service", ["service", "service_path"], unique=False)
    op.create_table(
        "survey_response",
        sa.Column("survey_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("org_path", sa.String(length=1024), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["survey.id"],
            name=op.f("fk_survey_response_survey_id_survey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_response")),
        sa.UniqueConstraint(
            "survey_id", "account_id", name=op.f("uq_survey_response_survey_id_account_id")
        ),
    )
    with op.batch_alter_table("survey_response") as batch:
        batch.create_index(batch.f("ix_survey_response_updated_at"), ["updated_at"], unique=False)
    op.create_table(
        "survey_answer",
        sa.Column("response_id", sa.Uuid(), nullable=False),
        sa.Column("question_id", sa.Uuid(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=True),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["survey_response.id"],
            name=op.f("fk_survey_answer_response_id_survey_response"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["survey_question.id"],
            name=op.f("fk_survey_answer_question_id_survey_question"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answer")),
        sa.UniqueConstraint(
            "response_id", "question_id", name=op.f("uq_survey_answer_response_id_question_id")
        ),
    )
    with op.batch_alter_table("survey_answer") as batch:
        batch.create_index(batch.f("ix_survey_answer_question_id"), ["question_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("survey_answer") as batch:
        batch.drop_index(batch.f("ix_survey_answer_question_id"))
    op.drop_table("survey_answer")
    with op.batch_alter_table("survey_response") as batch:
        batch.drop_index(batch.f("ix_survey_response_updated_at"))
    op.drop_table("survey_response")
    with op.batch_alter_table("survey_question") as batch:
        batch.drop_index("ix_survey_question_service")
    op.drop_table("survey_question")
    with op.batch_alter_table("survey") as batch:
        batch.drop_index("ix_survey_status_closes")
        batch.drop_index("ix_survey_org_path_created")
    op.drop_table("survey")
