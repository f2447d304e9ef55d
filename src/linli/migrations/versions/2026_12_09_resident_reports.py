"""resident reports: a resident's reports linked to their account; the keyed hash of every
registered resident's name, for the household match

Revision ID: 0026a
Revises: 0026
Create Date: 2026-12-09 10:00:00

Registered residents' names get their keyed hash here (from the decrypted names, with the
install's keys: the hash the application writes from now on). Their unit and ID-suffix hash come
when staff next import or enter them; until then they cannot be matched (staff verify those
accounts in person).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026a"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500


def _backfill_name_hashes() -> None:
    # The keys live in the settings, not in the schema: the backfill needs the application's
    # cipher (as linli.security.lookup hashes `resident.name` from now on).
    from linli.security.crypto import get_cipher

    cipher = get_cipher()
    table = sa.table(
        "resident",
        sa.column("id", sa.Uuid()),
        sa.column("name", sa.LargeBinary()),
        sa.column("name_hash", sa.String()),
    )
    bind = op.get_bind()
    last = None
    while True:
        stmt = sa.select(table.c.id, table.c.name)
        if last is not None:
            stmt = stmt.where(table.c.id > last)
        rows = bind.execute(stmt.order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            return
        for rid, blob in rows:
            plain = cipher.decrypt(bytes(blob), context="resident.name") if blob else None
            digest = cipher.contact_hash(plain, context="resident.name") if plain else None
            bind.execute(table.update().where(table.c.id == rid).values(name_hash=digest))
        last = rows[-1][0]


def upgrade() -> None:
    op.create_table(
        "resident_report",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("token", sa.LargeBinary(), nullable=False),
        sa.Column("made_by", sa.String(length=200), nullable=False),
        sa.Column("joined", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["resident_account.id"],
            name=op.f("fk_resident_report_account_id_resident_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_record.id"],
            name=op.f("fk_resident_report_case_id_case_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_report")),
        sa.UniqueConstraint(
            "account_id", "case_id", name=op.f("uq_resident_report_account_id_case_id")
        ),
    )
    with op.batch_alter_table("resident_report", schema=None) as batch_op:
        batch_op.create_index(
            "ix_resident_report_account", ["account_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_resident_report_case_id"), ["case_id"], unique=False)
    _backfill_name_hashes()


def downgrade() -> None:
    with op.batch_alter_table("resident_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resident_report_case_id"))
        batch_op.drop_index("ix_resident_report_account")

    op.drop_table("resident_report")
