"""notification link: the page where a person acts on a notification

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 12:30:00

The inbox links each notification to its page (the alarm's case, its device, the incident) as
a path on the site; mails and SMS put `LINLI_BASE_URL` in front of it. Older notifications keep
their link inside their text and get none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("link", sa.String(500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.drop_column("link")
