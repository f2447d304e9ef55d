"""case list indexes: keyset pages of cases, incidents and the overdue ledger

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 09:00:00

Case lists read newest first by (created_at, ref) and page with a cursor on those keys: one index
walks that order whole, one from a status, and one from each path a scope clause matches by
prefix (org_path, assigned_path). The path indexes use PostgreSQL's pattern operator class, so
`LIKE 'prefix%'` range-scans them whatever the database's collation; they replace the plain path
and status indexes, whose queries they serve too. Incidents list active first, newest declared
first; the overdue ledger oldest miss first.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = ["created_at", "ref"]


def upgrade() -> None:
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.drop_index("ix_case_record_org_path")
        batch_op.drop_index("ix_case_record_assigned_path")
        batch_op.drop_index("ix_case_record_status")
        batch_op.create_index("ix_case_record_created", KEYS, unique=False)
        batch_op.create_index("ix_case_record_status_created", ["status", *KEYS], unique=False)
        batch_op.create_index(
            "ix_case_record_org_path_created",
            ["org_path", *KEYS],
            unique=False,
            postgresql_ops={"org_path": "varchar_pattern_ops"},
        )
        batch_op.create_index(
            "ix_case_record_assigned_path_created",
            ["assigned_path", *KEYS],
            unique=False,
            postgresql_ops={"assigned_path": "varchar_pattern_ops"},
        )
    with op.batch_alter_table("case_participant", schema=None) as batch_op:
        batch_op.drop_index("ix_case_participant_unit_path")
        batch_op.create_index(
            "ix_case_participant_unit_path",
            ["unit_path"],
            unique=False,
            postgresql_ops={"unit_path": "varchar_pattern_ops"},
        )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_status")
        batch_op.create_index(
            "ix_incident_status_declared", ["status", "declared_at", "id"], unique=False
        )
    with op.batch_alter_table("case_overdue_entry", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_overdue_entry_overdue_at", ["overdue_at", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("case_overdue_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_case_overdue_entry_overdue_at")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_status_declared")
        batch_op.create_index("ix_incident_status", ["status"], unique=False)
    with op.batch_alter_table("case_participant", schema=None) as batch_op:
        batch_op.drop_index("ix_case_participant_unit_path")
        batch_op.create_index("ix_case_participant_unit_path", ["unit_path"], unique=False)
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.drop_index("ix_case_record_assigned_path_created")
        batch_op.drop_index("ix_case_record_org_path_created")
        batch_op.drop_index("ix_case_record_status_created")
        batch_op.drop_index("ix_case_record_created")
        batch_op.create_index("ix_case_record_status", ["status"], unique=False)
        batch_op.create_index("ix_case_record_assigned_path", ["assigned_path"], unique=False)
        batch_op.create_index("ix_case_record_org_path", ["org_path"], unique=False)
