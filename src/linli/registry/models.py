"""Buildings, places (amenities) and residents; residents' names and phones are encrypted."""

from __future__ import annotations

import uuid

from sqlalchemy import Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from linli.core.database import Base, CreatedMixin, IdMixin
from linli.security.crypto import EncryptedText
from linli.security.lookup import lookup_hash_of

PLACE_KINDS = (
    "bus_stop",
    "clinic",
    "school",
    "market",
    "park",
    "community_centre",
    "elderly_care",
    "kindergarten",
    "sports",
    "library",
    "police",
    "pharmacy",
    "supermarket",
    "parking",
    "other",
)


class Building(IdMixin, CreatedMixin, Base):
    """A building (an HDB block, a residential tower) in the deepest org unit containing it."""

    __tablename__ = "building"
    __table_args__ = (Index("ix_building_org_path", "org_path"),)

    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str | None] = mapped_column(String(200))  # as units: Chinese readers' name
    address: Mapped[str] = mapped_column(String(500), default="")
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    floors: Mapped[int | None]
    households: Mapped[int | None]
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"), index=True)
    org_path: Mapped[str] = mapped_column(String(1024))


class Place(IdMixin, CreatedMixin, Base):
    """An amenity residents walk to: a bus stop, clinic, school, market, park…"""

    __tablename__ = "place"
    __table_args__ = (
        Index("ix_place_org_path", "org_path"),
        # The place list's order, unfiltered and by kind.
        Index("ix_place_name_id", "name", "id"),
        Index("ix_place_kind_name_id", "kind", "name", "id"),
    )

    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"), index=True)
    org_path: Mapped[str] = mapped_column(String(1024))


class Resident(IdMixin, CreatedMixin, Base):
    """A person living in a building; name and phone are stored encrypted, found by keyed hash."""

    __tablename__ = "resident"
    __table_args__ = (
        Index("ix_resident_org_path", "org_path"),
        Index("ix_resident_building_order", "building_id", "id"),  # a building's residents
        Index("ix_resident_household", "building_id", "unit"),  # a household: building + unit
    )

    building_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("building.id", ondelete="CASCADE"))
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"), index=True)
    org_path: Mapped[str] = mapped_column(String(1024))
    name: Mapped[str] = mapped_column(EncryptedText("resident.name"))
    phone: Mapped[str | None] = mapped_column(EncryptedText("resident.phone"))
    phone_hash: Mapped[str | None] = mapped_column(
        String(64), index=True, info=lookup_hash_of("phone")
    )
    birth_year: Mapped[int | None]
    lives_alone: Mapped[bool] = mapped_column(default=False)
    # The household: the unit (flat) of the building, as its residents write it ("05-123").
    unit: Mapped[str | None] = mapped_column(String(32))
    # Keyed hashes for the census-style match of a resident account: the name, and the last four
    # characters of the ID number bound to the resident (the suffix itself is never stored).
    name_hash: Mapped[str | None] = mapped_column(String(64), info=lookup_hash_of("name"))
    id_suffix_hash: Mapped[str | None] = mapped_column(String(64))
