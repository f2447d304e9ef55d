"""public projection: visibility of notes and photos, published cases, public categories

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 01:30:00

Existing notes and photos become internal, except the notes of handling, closing and rejecting
that reporters have always read on their follow-up page (they were written as public outcomes).
Categories of care, personal and public safety, disputes and the like become non-public, and the
ones pointing at a home have their public location rounded — the values the shipped catalogue
carries at this revision.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PRIVATE_GROUPS = ("care", "disputes", "safety")
PRIVATE_LEAVES = (
    "animals.abuse",
    "epidemic.fever_cluster",
    "epidemic.food_poisoning",
    "epidemic.pest_after_death",
    "epidemic.quarantine_breach",
    "epidemic.rabies_bite",
    "epidemic.vaccination_help",
    "fire.fireworks_storage",
    "fire.smoke_from_unit",
    "housing.lift_entrapment",
    "housing.neighbour_dispute",
    "order.begging",
    "order.drunk",
    "order.gambling",
    "order.hoarding",
)
ROUNDED = {
    50: (
        "animals.bedbugs",
        "animals.pet_noise",
        "animals.termites",
        "construction.air_conditioner_bracket",
        "construction.balcony_enclosure",
        "construction.ground_floor_extension",
        "construction.illegal_partition",
        "construction.structural_alteration",
        "construction.village_house_extra_floor",
        "construction.window_grille",
        "epidemic.disinfection_request",
        "epidemic.fogging_request",
        "epidemic.stagnant_pot",
        "fire.cooking_in_corridor",
        "fire.ebike_charging_indoor",
        "fire.gas_cylinder_storage",
        "fire.stairwell_clutter",
        "housing.corridor_clutter",
        "housing.peeling_paint",
        "housing.renovation",
        "housing.roof_leak",
        "housing.water_heater",
        "housing.window_falling",
        "order.illegal_structure",
    ),
    200: ("epidemic.dengue_cluster",),
}
PUBLIC_NOTE_ACTIONS = ("handle", "close", "reject")


def upgrade() -> None:
    with op.batch_alter_table("case_category", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("public", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("round_location_m", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("published", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("visibility", sa.String(length=8), server_default="internal", nullable=False)
        )
    with op.batch_alter_table("case_attachment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("visibility", sa.String(length=8), server_default="internal", nullable=False)
        )

    category = sa.table(
        "case_category",
        sa.column("code", sa.String()),
        sa.column("public", sa.Boolean()),
        sa.column("round_location_m", sa.Integer()),
    )
    private = sa.or_(
        category.c.code.in_(PRIVATE_LEAVES),
        *(category.c.code == g for g in PRIVATE_GROUPS),
        *(category.c.code.like(f"{g}.%") for g in PRIVATE_GROUPS),
    )
    op.execute(category.update().where(private).values(public=False))
    for metres, codes in ROUNDED.items():
        op.execute(
            category.update().where(category.c.code.in_(codes)).values(round_location_m=metres)
        )
    event = sa.table(
        "case_event",
        sa.column("action", sa.String()),
        sa.column("note", sa.Text()),
        sa.column("visibility", sa.String()),
    )
    op.execute(
        event.update()
        .where(event.c.action.in_(PUBLIC_NOTE_ACTIONS), event.c.note.is_not(None))
        .values(visibility="public")
    )


def downgrade() -> None:
    with op.batch_alter_table("case_attachment", schema=None) as batch_op:
        batch_op.drop_column("visibility")
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_column("visibility")
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.drop_column("published")
    with op.batch_alter_table("case_category", schema=None) as batch_op:
        batch_op.drop_column("round_location_m")
        batch_op.drop_column("public")
