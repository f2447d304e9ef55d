"""resident accounts: accounts signed in by one-time code, sessions, proxy consents,
messages to residents, rate buckets; the registry's households (unit) and match hashes

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-09 09:00:00

Residents already in the register get a unit and an ID-suffix hash when staff next import or
enter them; until then they cannot be matched (staff verify those accounts in person).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "resident_rate_bucket",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_resident_rate_bucket")),
    )
    op.create_table(
        "resident_account",
        sa.Column("display_name", sa.LargeBinary(), nullable=True),
        sa.Column("email", sa.LargeBinary(), nullable=True),
        sa.Column("email_hash", sa.String(length=64), nullable=True),
        sa.Column("phone", sa.LargeBinary(), nullable=True),
        sa.Column("phone_hash", sa.String(length=64), nullable=True),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("large_text", sa.Boolean(), nullable=False),
        sa.Column("high_contrast", sa.Boolean(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Uuid(), nullable=True),
        sa.Column("unit", sa.String(length=32), nullable=True),
        sa.Column("org_unit_id", sa.Uuid(), nullable=True),
        sa.Column("org_path", sa.String(length=1024), nullable=True),
        sa.Column("registry_resident_id", sa.Uuid(), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_by", sa.String(length=100), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["building.id"],
            name=op.f("fk_resident_account_building_id_building"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_resident_account_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["registry_resident_id"],
            ["resident.id"],
            name=op.f("fk_resident_account_registry_resident_id_resident"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_account")),
        sa.UniqueConstraint("email_hash", name=op.f("uq_resident_account_email_hash")),
        sa.UniqueConstraint("phone_hash", name=op.f("uq_resident_account_phone_hash")),
    )
    with op.batch_alter_table("resident_account", schema=None) as batch_op:
        batch_op.create_index("ix_resident_account_created", ["created_at", "id"], unique=False)
        batch_op.create_index(
            "ix_resident_account_org_path", ["org_path", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_resident_account_registry_resident_id"),
            ["registry_resident_id"],
            unique=False,
        )

    op.create_table(
        "resident_consent",
        sa.Column("senior_id", sa.Uuid(), nullable=False),
        sa.Column("proxy_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=100), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proxy_id"],
            ["resident_account.id"],
            name=op.f("fk_resident_consent_proxy_id_resident_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["senior_id"],
            ["resident_account.id"],
            name=op.f("fk_resident_consent_senior_id_resident_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_consent")),
    )
    with op.batch_alter_table("resident_consent", schema=None) as batch_op:
        batch_op.create_index(
            "ix_resident_consent_proxy", ["proxy_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_resident_consent_senior", ["senior_id", "created_at", "id"], unique=False
        )

    op.create_table(
        "resident_message",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("dedupe_key", sa.String(length=128), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.String(length=4000), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("address", sa.LargeBinary(), nullable=True),
        sa.Column("address_hash", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["resident_account.id"],
            name=op.f("fk_resident_message_account_id_resident_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_message")),
        sa.UniqueConstraint(
            "account_id",
            "channel",
            "dedupe_key",
            name=op.f("uq_resident_message_account_id_channel_dedupe_key"),
        ),
    )
    with op.batch_alter_table("resident_message", schema=None) as batch_op:
        batch_op.create_index(
            "ix_resident_message_account",
            ["account_id", "channel", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_resident_message_address_hash"), ["address_hash"], unique=False
        )
        batch_op.create_index(
            "ix_resident_message_due", ["status", "next_attempt_at"], unique=False
        )

    op.create_table(
        "resident_sign_in_code",
        sa.Column("contact_hash", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("wrong_tries", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["resident_account.id"],
            name=op.f("fk_resident_sign_in_code_account_id_resident_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_sign_in_code")),
    )
    with op.batch_alter_table("resident_sign_in_code", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resident_sign_in_code_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            "ix_resident_sign_in_code_contact", ["contact_hash", "created_at"], unique=False
        )

    op.create_table(
        "resident_session",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acting_for_id", sa.Uuid(), nullable=True),
        sa.Column("consent_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["resident_account.id"],
            name=op.f("fk_resident_session_account_id_resident_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["acting_for_id"],
            ["resident_account.id"],
            name=op.f("fk_resident_session_acting_for_id_resident_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["resident_consent.id"],
            name=op.f("fk_resident_session_consent_id_resident_consent"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_resident_session_token_hash")),
    )
    with op.batch_alter_table("resident_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resident_session_account_id"), ["account_id"], unique=False
        )

    with op.batch_alter_table("resident", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("name_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("id_suffix_hash", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_resident_household", ["building_id", "unit"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("resident", schema=None) as batch_op:
        batch_op.drop_index("ix_resident_household")
        batch_op.drop_column("id_suffix_hash")
        batch_op.drop_column("name_hash")
        batch_op.drop_column("unit")

    with op.batch_alter_table("resident_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resident_session_account_id"))

    op.drop_table("resident_session")
    with op.batch_alter_table("resident_sign_in_code", schema=None) as batch_op:
        batch_op.drop_index("ix_resident_sign_in_code_contact")
        batch_op.drop_index(batch_op.f("ix_resident_sign_in_code_account_id"))

    op.drop_table("resident_sign_in_code")
    with op.batch_alter_table("resident_message", schema=None) as batch_op:
        batch_op.drop_index("ix_resident_message_due")
        batch_op.drop_index(batch_op.f("ix_resident_message_address_hash"))
        batch_op.drop_index("ix_resident_message_account")

    op.drop_table("resident_message")
    with op.batch_alter_table("resident_consent", schema=None) as batch_op:
        batch_op.drop_index("ix_resident_consent_senior")
        batch_op.drop_index("ix_resident_consent_proxy")

    op.drop_table("resident_consent")
    with op.batch_alter_table("resident_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resident_account_registry_resident_id"))
        batch_op.drop_index("ix_resident_account_org_path")
        batch_op.drop_index("ix_resident_account_created")

    op.drop_table("resident_account")
    op.drop_table("resident_rate_bucket")
