"""Alembic migrations of every domain, and what schema comparison leaves out."""

from __future__ import annotations

from linli.core import refs
from linli.iot import partitions


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's `include_object` filter: leave out what is made at run time or by migrations
    alone (readings partitions, SQLite's reference sequences), not declared by models."""
    return partitions.include_object(
        obj, name, type_, reflected, compare_to
    ) and refs.include_object(obj, name, type_, reflected, compare_to)
