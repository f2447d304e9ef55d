"""emergency incidents: tasks, resources, situation log, linked cases, staged notices

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incident",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("org_path", sa.String(length=1024), nullable=False),
        sa.Column("area", sa.JSON(), nullable=True),
        sa.Column("commander_id", sa.Uuid(), nullable=False),
        sa.Column("declared_by", sa.String(length=100), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=100), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("forced_close_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commander_id"],
            ["staff_account.id"],
            name=op.f("fk_incident_commander_id_staff_account"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_unit.id"], name=op.f("fk_incident_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
    )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index("ix_incident_org_path", ["org_path"], unique=False)
        batch_op.create_index(batch_op.f("ix_incident_status"), ["status"], unique=False)

    op.create_table(
        "incident_case",
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("linked_by", sa.String(length=100), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_record.id"],
            name=op.f("fk_incident_case_case_id_case_record"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_case_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_case")),
        sa.UniqueConstraint(
            "incident_id", "case_id", name=op.f("uq_incident_case_incident_id_case_id")
        ),
    )
    with op.batch_alter_table("incident_case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_case_case_id"), ["case_id"], unique=False)

    op.create_table(
        "incident_log_entry",
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_log_entry_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_log_entry")),
        sa.UniqueConstraint(
            "incident_id", "seq", name=op.f("uq_incident_log_entry_incident_id_seq")
        ),
    )
    op.create_table(
        "incident_notice",
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=32), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("text_zh", sa.Text(), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_notice_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_notice")),
        sa.UniqueConstraint(
            "incident_id", "stage", name=op.f("uq_incident_notice_incident_id_stage")
        ),
    )
    op.create_table(
        "incident_resource",
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_resource_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_resource")),
    )
    with op.batch_alter_table("incident_resource", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_resource_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "incident_task",
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("done_note", sa.Text(), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_task_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["staff_account.id"],
            name=op.f("fk_incident_task_owner_id_staff_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_unit.id"], name=op.f("fk_incident_task_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_task")),
    )
    with op.batch_alter_table("incident_task", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_task_incident_id"), ["incident_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("incident_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_task_incident_id"))

    op.drop_table("incident_task")
    with op.batch_alter_table("incident_resource", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_resource_incident_id"))

    op.drop_table("incident_resource")
    op.drop_table("incident_notice")
    op.drop_table("incident_log_entry")
    with op.batch_alter_table("incident_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_case_case_id"))

    op.drop_table("incident_case")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_status"))
        batch_op.drop_index("ix_incident_org_path")

    op.drop_table("incident")
