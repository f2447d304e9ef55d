"""Lookup-hash columns: the keyed hash of an encrypted phone number or e-mail address, kept in
step with it on every ORM insert and update, so a person's rows are found without decrypting.

A model declares one with `info=lookup_hash_of("phone")` on a `String(64)` column; the hash is
the cipher's `contact_hash` of the source column's value under the source column's context.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Table, event, inspect
from sqlalchemy.orm import Mapper

from linli.core.database import Base
from linli.security.crypto import EncryptedText, get_cipher

LOOKUP_HASH_OF = "lookup_hash_of"


def lookup_hash_of(source: str) -> dict[str, str]:
    """Return the column `info` marking a column as the lookup hash of column `source`."""
    return {LOOKUP_HASH_OF: source}


def hash_context(table: Table, hash_column: str) -> str:
    """Return the hash context of a lookup-hash column: its source column's encryption context."""
    source = table.c[table.c[hash_column].info[LOOKUP_HASH_OF]]
    if not isinstance(source.type, EncryptedText):
        raise TypeError(f"{table.name}.{source.name} is not an encrypted column")
    return source.type.context


def hash_columns(table: Table) -> dict[str, str]:
    """Return the lookup-hash columns of `table` and the column each hashes."""
    return {c.name: c.info[LOOKUP_HASH_OF] for c in table.columns if LOOKUP_HASH_OF in c.info}


def hash_of(table: Table, hash_column: str, value: str | None) -> str | None:
    """Return what `hash_column` holds when its source column holds `value`."""
    if not value:
        return None
    return get_cipher().contact_hash(value, context=hash_context(table, hash_column))


_PAIRS: dict[Mapper[Any], list[tuple[str, str, str]]] = {}


def _pairs(mapper: Mapper[Any]) -> list[tuple[str, str, str]]:
    """Return (hash attribute, source attribute, hash column) of a mapper, cached."""
    found = _PAIRS.get(mapper)
    if found is None:
        found = []
        for table in mapper.tables:
            if not isinstance(table, Table):
                continue
            for hashed, source in hash_columns(table).items():
                hash_attr = mapper.get_property_by_column(table.c[hashed]).key
                source_attr = mapper.get_property_by_column(table.c[source]).key
                found.append((hash_attr, source_attr, hashed))
        _PAIRS[mapper] = found
    return found


def _fill(mapper: Mapper[Any], target: Any, *, changed_only: bool) -> None:
    state = inspect(target)
    for hash_attr, source_attr, hashed in _pairs(mapper):
        if changed_only and not state.attrs[source_attr].history.has_changes():
            continue  # an unchanged (perhaps unloaded) source keeps its hash
        table = next(t for t in mapper.tables if isinstance(t, Table) and hashed in t.c)
        setattr(target, hash_attr, hash_of(table, hashed, getattr(target, source_attr)))


def _on_insert(mapper: Mapper[Any], _connection: Any, target: Any) -> None:
    _fill(mapper, target, changed_only=False)


def _on_update(mapper: Mapper[Any], _connection: Any, target: Any) -> None:
    _fill(mapper, target, changed_only=True)


event.listen(Base, "before_insert", _on_insert, propagate=True)
event.listen(Base, "before_update", _on_update, propagate=True)


def is_personal(column: Column[Any]) -> bool:
    """Say whether a column holds personal data: encrypted, or flagged `info={"personal": True}`."""
    return isinstance(column.type, EncryptedText) or bool(column.info.get("personal"))
