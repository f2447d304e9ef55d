"""proposals: residents' proposals, supports, comments, official answers, results

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-09 09:00:00

A proposal is numbered from its own reference sequence (`P-yymmdd-nnnnnn`); an accepted one
becomes a result with progress, milestones and linked cases. Existing installs start with none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from linli.core import refs

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    refs.create_ref_sequence(op, "proposal")
    op.create_table(
        "proposal",
        sa.Column("ref", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("org_path", sa.String(length=1024), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("author_actor", sa.String(length=200), nullable=False),
        sa.Column("author_locale", sa.String(length=16), nullable=False),
        sa.Column("display_name", sa.String(length=60), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("support_count", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_proposal_org_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal")),
        sa.UniqueConstraint("ref", name=op.f("uq_proposal_ref")),
    )
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.create_index(
            "ix_proposal_author_created", ["author_id", "created_at", "ref"], unique=False
        )
        batch_op.create_index("ix_proposal_created", ["created_at", "ref"], unique=False)
        batch_op.create_index(
            "ix_proposal_org_path_created",
            ["org_path", "created_at", "ref"],
            unique=False,
            postgresql_ops={"org_path": "varchar_pattern_ops"},
        )
        batch_op.create_index(batch_op.f("ix_proposal_org_unit_id"), ["org_unit_id"], unique=False)
        batch_op.create_index(
            "ix_proposal_status_created", ["status", "created_at", "ref"], unique=False
        )

    op.create_table(
        "proposal_answer",
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposal.id"],
            name=op.f("fk_proposal_answer_proposal_id_proposal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_answer")),
    )
    with op.batch_alter_table("proposal_answer", schema=None) as batch_op:
        batch_op.create_index(
            "ix_proposal_answer_proposal", ["proposal_id", "created_at"], unique=False
        )

    op.create_table(
        "proposal_case_link",
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("case_ref", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_record.id"],
            name=op.f("fk_proposal_case_link_case_id_case_record"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposal.id"],
            name=op.f("fk_proposal_case_link_proposal_id_proposal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("proposal_id", "case_id", name=op.f("pk_proposal_case_link")),
    )
    with op.batch_alter_table("proposal_case_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proposal_case_link_case_id"), ["case_id"], unique=False
        )

    op.create_table(
        "proposal_comment",
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("display_name", sa.String(length=60), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_by", sa.String(length=100), nullable=True),
        sa.Column("hidden_reason", sa.String(length=500), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposal.id"],
            name=op.f("fk_proposal_comment_proposal_id_proposal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_comment")),
    )
    with op.batch_alter_table("proposal_comment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_proposal_comment_proposal", ["proposal_id", "created_at", "id"], unique=False
        )

    op.create_table(
        "proposal_milestone",
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposal.id"],
            name=op.f("fk_proposal_milestone_proposal_id_proposal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_milestone")),
    )
    with op.batch_alter_table("proposal_milestone", schema=None) as batch_op:
        batch_op.create_index(
            "ix_proposal_milestone_proposal", ["proposal_id", "due_on"], unique=False
        )

    op.create_table(
        "proposal_result",
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("status_text", sa.String(length=500), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposal.id"],
            name=op.f("fk_proposal_result_proposal_id_proposal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("proposal_id", name=op.f("pk_proposal_result")),
    )
    op.create_table(
        "proposal_support",
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposal.id"],
            name=op.f("fk_proposal_support_proposal_id_proposal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_support")),
        sa.UniqueConstraint(
            "proposal_id", "account_id", name=op.f("uq_proposal_support_proposal_id_account_id")
        ),
    )
    with op.batch_alter_table("proposal_support", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proposal_support_account_id"), ["account_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("proposal_support", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_support_account_id"))

    op.drop_table("proposal_support")
    op.drop_table("proposal_result")
    with op.batch_alter_table("proposal_milestone", schema=None) as batch_op:
        batch_op.drop_index("ix_proposal_milestone_proposal")

    op.drop_table("proposal_milestone")
    with op.batch_alter_table("proposal_comment", schema=None) as batch_op:
        batch_op.drop_index("ix_proposal_comment_proposal")

    op.drop_table("proposal_comment")
    with op.batch_alter_table("proposal_case_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_case_link_case_id"))

    op.drop_table("proposal_case_link")
    with op.batch_alter_table("proposal_answer", schema=None) as batch_op:
        batch_op.drop_index("ix_proposal_answer_proposal")

    op.drop_table("proposal_answer")
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_index("ix_proposal_status_created")
        batch_op.drop_index(batch_op.f("ix_proposal_org_unit_id"))
        batch_op.drop_index(
            "ix_proposal_org_path_created", postgresql_ops={"org_path": "varchar_pattern_ops"}
        )
        batch_op.drop_index("ix_proposal_created")
        batch_op.drop_index("ix_proposal_author_created")

    op.drop_table("proposal")
    refs.drop_ref_sequence(op, "proposal")
