"""privacy: lookup hashes of reporters', staff's and recipients' phone numbers and e-mail
addresses, and the progress table of field-key rotation

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 09:00:00

A person asking for their data (or its erasure) is found by the keyed hash of their phone number
or e-mail address; the tables that held these only encrypted gain a hash column, filled here
from the decrypted values with the install's keys (the same hash the application writes).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table: {hash column: (source column, encryption context of the source)}
HASHES: dict[str, dict[str, tuple[str, str]]] = {
    "case_reporter": {
        "phone_hash": ("phone", "case_reporter.phone"),
        "email_hash": ("email", "case_reporter.email"),
    },
    "notification_preference": {
        "email_hash": ("email", "staff.email"),
        "phone_hash": ("phone", "staff.phone"),
    },
    "notification_delivery": {"address_hash": ("address", "notification.address")},
    "incident_notice_message": {"address_hash": ("address", "notification.address")},
}
KEYS = {"notification_preference": "account_id"}
BATCH = 500


def _backfill(name: str, columns: dict[str, tuple[str, str]]) -> None:
    # The keys live in the settings, not in the schema: the backfill needs the application's
    # cipher. Its hash of a contact is the one `linli.security.lookup` writes from now on.
    from linli.security.crypto import get_cipher

    cipher = get_cipher()
    key = KEYS.get(name, "id")
    table = sa.table(
        name,
        sa.column(key),
        *(sa.column(source, sa.LargeBinary()) for source, _ in columns.values()),
        *(sa.column(hashed, sa.String()) for hashed in columns),
    )
    bind = op.get_bind()
    last = None
    while True:
        stmt = sa.select(table.c[key], *(table.c[s] for s, _ in columns.values()))
        if last is not None:
            stmt = stmt.where(table.c[key] > last)
        rows = bind.execute(stmt.order_by(table.c[key]).limit(BATCH)).all()
        if not rows:
            return
        for row in rows:
            values = {}
            for i, (hashed, (_, context)) in enumerate(columns.items(), start=1):
                blob = row[i]
                plain = cipher.decrypt(bytes(blob), context=context) if blob else None
                values[hashed] = cipher.contact_hash(plain, context=context) if plain else None
            bind.execute(table.update().where(table.c[key] == row[0]).values(**values))
        last = rows[-1][0]


def upgrade() -> None:
    for name, columns in HASHES.items():
        with op.batch_alter_table(name, schema=None) as batch_op:
            for hashed in columns:
                batch_op.add_column(sa.Column(hashed, sa.String(length=64), nullable=True))
                batch_op.create_index(f"ix_{name}_{hashed}", [hashed], unique=False)
        _backfill(name, columns)
    op.create_table(
        "key_rotation",
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("last_key", sa.String(length=64), nullable=True),
        sa.Column("rewritten", sa.Integer(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "key_id", name=op.f("pk_key_rotation")),
    )


def downgrade() -> None:
    op.drop_table("key_rotation")
    for name, columns in HASHES.items():
        with op.batch_alter_table(name, schema=None) as batch_op:
            for hashed in columns:
                batch_op.drop_index(f"ix_{name}_{hashed}")
                batch_op.drop_column(hashed)
