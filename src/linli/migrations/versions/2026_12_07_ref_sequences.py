"""reference sequences: case numbers come from a sequence, not from a per-day counter row

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 09:00:00

Every case opening used to update the one `case_ref_counter` row of its day, so on PostgreSQL
concurrent openings queued on that row's lock until they committed. Case numbers now come from
the `case` reference sequence (`linli.core.refs`), global rather than per day; it starts after
the highest number any existing reference or counter used, so no reference is ever repeated.
The downgrade gives each day's counter the highest number its references used.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from linli.core import refs

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# `C-yymmdd-nnnnnn`: the day is characters 3-8, the number starts at character 10.
NUMBER = "CAST(substr(ref, 10) AS BIGINT)"


def _case_refs(dialect: str) -> str:
    """Return the SQL condition matching the references cases were given (`C-yymmdd-digits`)."""
    if dialect == "postgresql":
        return "ref ~ '^C-[0-9]{6}-[0-9]+$'"
    day = "[0-9]" * 6
    return f"ref GLOB 'C-{day}-[0-9]*' AND substr(ref, 10) NOT GLOB '*[^0-9]*'"


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    if dialect == "postgresql":
        # An opening still running old code would take a number after we read the highest.
        op.execute("LOCK TABLE case_ref_counter IN ACCESS EXCLUSIVE MODE")
    used = bind.execute(
        sa.text(
            "SELECT max(top) FROM ("
            f" SELECT max({NUMBER}) AS top FROM case_record WHERE {_case_refs(dialect)}"
            " UNION ALL SELECT max(last) AS top FROM case_ref_counter) AS tops"
        )
    ).scalar_one()
    refs.create_ref_sequence(op, "case", start=int(used or 0) + 1)
    op.drop_table("case_ref_counter")


def downgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "case_ref_counter",
        sa.Column("day", sa.String(length=8), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_case_ref_counter")),
    )
    op.execute(
        "INSERT INTO case_ref_counter (day, last)"
        f" SELECT substr(ref, 3, 6), max({NUMBER}) FROM case_record"
        f" WHERE {_case_refs(bind.dialect.name)} GROUP BY substr(ref, 3, 6)"
    )
    refs.drop_ref_sequence(op, "case")
