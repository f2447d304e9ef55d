"""list order indexes: rules, alarms, inbox, routes, deliveries, places, residents, devices,
quarantine, org units, API tokens and the audit log walk keyset pages from an index

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 09:00:00

Each list is read in its order (newest first, or by name or code) with a unique column last, so a
page starts where the previous one stopped; these indexes hold that order, unfiltered and under
each list's usual filter. Single-column indexes that a new one starts with are dropped.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, index, columns) created by this revision.
CREATED = (
    ("rule", "ix_rule_name_id", ["name", "id"]),
    ("alarm", "ix_alarm_raised_at_id", ["raised_at", "id"]),
    ("alarm", "ix_alarm_status_raised_at_id", ["status", "raised_at", "id"]),
    ("notification", "ix_notification_account_created", ["account_id", "created_at", "id"]),
    ("notification_route", "ix_notification_route_order", ["unit_path", "severity_min", "id"]),
    ("notification_delivery", "ix_notification_delivery_created_id", ["created_at", "id"]),
    (
        "notification_delivery",
        "ix_notification_delivery_status_created",
        ["status", "created_at", "id"],
    ),
    ("place", "ix_place_name_id", ["name", "id"]),
    ("place", "ix_place_kind_name_id", ["kind", "name", "id"]),
    ("resident", "ix_resident_building_order", ["building_id", "id"]),
    ("device", "ix_device_type_code", ["type", "code"]),
    ("device", "ix_device_status_code", ["status", "code"]),
    ("ingest_quarantine", "ix_ingest_quarantine_received_id", ["received_at", "id"]),
    ("org_unit", "ix_org_unit_depth_code", ["depth", "code"]),
    ("org_unit", "ix_org_unit_kind_depth_code", ["kind", "depth", "code"]),
    ("api_token", "ix_api_token_account_created", ["account_id", "created_at", "id"]),
    ("audit_entry", "ix_audit_entry_action_seq", ["action", "seq"]),
    ("audit_entry", "ix_audit_entry_actor_seq", ["actor", "seq"]),
    ("audit_entry", "ix_audit_entry_target_seq", ["target_id", "seq"]),
)
# (table, index, columns) dropped by this revision: a created index starts with their columns.
DROPPED = (
    ("alarm", "ix_alarm_status_raised_at", ["status", "raised_at"]),
    ("place", "ix_place_kind", ["kind"]),
    ("resident", "ix_resident_building_id", ["building_id"]),
    ("device", "ix_device_type", ["type"]),
    ("device", "ix_device_status", ["status"]),
    ("ingest_quarantine", "ix_ingest_quarantine_received_at", ["received_at"]),
    ("api_token", "ix_api_token_account_id", ["account_id"]),
    ("audit_entry", "ix_audit_entry_action", ["action"]),
)


def upgrade() -> None:
    for table, name, columns in CREATED:
        op.create_index(name, table, columns, unique=False)
    for table, name, _ in DROPPED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for table, name, columns in DROPPED:
        op.create_index(name, table, columns, unique=False)
    for table, name, _ in reversed(CREATED):
        op.drop_index(name, table_name=table)
