"""ballots: votes and participatory budgets, with secret ballots and paper tallies

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-09 09:00:00

Who took part in a vote (`vote_participation`, unique per vote and voter key) is kept apart from
what was chosen (`ballot`, `ballot_choice`: random keys, no account, no time; clustered by that
key on SQLite, WITHOUT ROWID, so not even the row order follows the casting order). Paper
batches count once a second officer confirms the first officer's figures.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "vote",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("max_choices", sa.Integer(), nullable=True),
        sa.Column("budget", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=8), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("org_path", sa.String(length=1024), nullable=False),
        sa.Column("need_level", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("ideas_on", sa.Date(), nullable=True),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("voting_on", sa.Date(), nullable=True),
        sa.Column("results_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_unit.id"], name=op.f("fk_vote_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote")),
    )
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.create_index("ix_vote_created_id", ["created_at", "id"], unique=False)
        batch_op.create_index("ix_vote_org_path", ["org_path"], unique=False)
        batch_op.create_index(
            "ix_vote_phase_created_id", ["phase", "created_at", "id"], unique=False
        )

    op.create_table(
        "ballot",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["vote_id"], ["vote.id"], name=op.f("fk_ballot_vote_id_vote"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.create_index("ix_ballot_vote_id", ["vote_id"], unique=False)

    op.create_table(
        "paper_batch",
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.Column("station", sa.String(length=100), nullable=False),
        sa.Column("batch", sa.Integer(), nullable=False),
        sa.Column("ballots", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("entered_by", sa.Uuid(), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by", sa.Uuid(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["confirmed_by"],
            ["staff_account.id"],
            name=op.f("fk_paper_batch_confirmed_by_staff_account"),
        ),
        sa.ForeignKeyConstraint(
            ["entered_by"],
            ["staff_account.id"],
            name=op.f("fk_paper_batch_entered_by_staff_account"),
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"], ["vote.id"], name=op.f("fk_paper_batch_vote_id_vote"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_batch")),
        sa.UniqueConstraint(
            "vote_id", "station", "batch", name=op.f("uq_paper_batch_vote_id_station_batch")
        ),
    )
    with op.batch_alter_table("paper_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_paper_batch_vote_id"), ["vote_id"], unique=False)

    op.create_table(
        "vote_option",
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("cost", sa.Integer(), nullable=True),
        sa.Column("proposal_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["vote_id"], ["vote.id"], name=op.f("fk_vote_option_vote_id_vote"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote_option")),
        sa.UniqueConstraint("vote_id", "position", name=op.f("uq_vote_option_vote_id_position")),
    )
    with op.batch_alter_table("vote_option", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vote_option_vote_id"), ["vote_id"], unique=False)

    op.create_table(
        "vote_participation",
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.Column("voter_key", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("proxy_account_id", sa.Uuid(), nullable=True),
        sa.Column("consent_id", sa.Uuid(), nullable=True),
        sa.Column("station", sa.String(length=100), nullable=True),
        sa.Column("org_path", sa.String(length=1024), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["vote_id"],
            ["vote.id"],
            name=op.f("fk_vote_participation_vote_id_vote"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote_participation")),
        sa.UniqueConstraint(
            "vote_id", "voter_key", name=op.f("uq_vote_participation_vote_id_voter_key")
        ),
    )
    with op.batch_alter_table("vote_participation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_vote_participation_account", ["account_id", "vote_id"], unique=False
        )
        batch_op.create_index(
            "ix_vote_participation_vote_org_path", ["vote_id", "org_path"], unique=False
        )

    op.create_table(
        "vote_phase_change",
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.Column("from_phase", sa.String(length=16), nullable=True),
        sa.Column("to_phase", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["vote_id"],
            ["vote.id"],
            name=op.f("fk_vote_phase_change_vote_id_vote"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote_phase_change")),
    )
    with op.batch_alter_table("vote_phase_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vote_phase_change_vote_id"), ["vote_id"], unique=False)

    op.create_table(
        "ballot_choice",
        sa.Column("ballot_id", sa.Uuid(), nullable=False),
        sa.Column("option_id", sa.Uuid(), nullable=False),
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["ballot.id"],
            name=op.f("fk_ballot_choice_ballot_id_ballot"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["vote_option.id"],
            name=op.f("fk_ballot_choice_option_id_vote_option"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"], ["vote.id"], name=op.f("fk_ballot_choice_vote_id_vote"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("ballot_id", "option_id", name=op.f("pk_ballot_choice")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("ballot_choice", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ballot_choice_vote_option", ["vote_id", "option_id"], unique=False
        )

    op.create_table(
        "paper_count",
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("option_id", sa.Uuid(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["paper_batch.id"],
            name=op.f("fk_paper_count_batch_id_paper_batch"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["vote_option.id"],
            name=op.f("fk_paper_count_option_id_vote_option"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("batch_id", "option_id", name=op.f("pk_paper_count")),
    )


def downgrade() -> None:
    op.drop_table("paper_count")
    with op.batch_alter_table("ballot_choice", schema=None) as batch_op:
        batch_op.drop_index("ix_ballot_choice_vote_option")

    op.drop_table("ballot_choice")
    with op.batch_alter_table("vote_phase_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vote_phase_change_vote_id"))

    op.drop_table("vote_phase_change")
    with op.batch_alter_table("vote_participation", schema=None) as batch_op:
        batch_op.drop_index("ix_vote_participation_vote_org_path")
        batch_op.drop_index("ix_vote_participation_account")

    op.drop_table("vote_participation")
    with op.batch_alter_table("vote_option", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vote_option_vote_id"))

    op.drop_table("vote_option")
    with op.batch_alter_table("paper_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paper_batch_vote_id"))

    op.drop_table("paper_batch")
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.drop_index("ix_ballot_vote_id")

    op.drop_table("ballot")
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_index("ix_vote_phase_created_id")
        batch_op.drop_index("ix_vote_org_path")
        batch_op.drop_index("ix_vote_created_id")

    op.drop_table("vote")
