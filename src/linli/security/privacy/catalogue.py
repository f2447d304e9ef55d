"""The catalogue of personal data: every table holding it, how a person's rows are found, shown
and erased.

Domains register their tables through their extension (`Extension.personal_data`), naming
tables and columns, so security never imports them. `uncovered()` checks the catalogue against
the metadata: a table with an encrypted (or `info={"personal": True}`) column that the
catalogue misses, or whose personal column erasure would leave, is reported.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import MetaData, RowMapping, Table
from sqlalchemy.ext.asyncio import AsyncSession

from linli.security.lookup import hash_columns, is_personal


def N_(message: str) -> str:
    """Mark `message` for the catalogues; it is translated where it is shown."""
    return message


# Turn a person's rows of one table into what they are shown (e.g. cases as they follow them).
Presenter = Callable[[AsyncSession, Sequence[RowMapping]], Awaitable[list[dict[str, Any]]]]


@dataclass(frozen=True, slots=True)
class Link:
    """A row is the person's when its `column` holds the `key` of one of their rows of `table`."""

    column: str
    table: str
    key: str = "id"


@dataclass(frozen=True, slots=True)
class PersonalTable:
    """One table holding personal data.

    A person's rows are those whose lookup-hash columns (see `linli.security.lookup`) match
    their phone or e-mail, or that `links` tie to their rows elsewhere. Erasure sets `clear`
    columns to NULL, puts a placeholder in `replace` columns (NOT NULL ones) and takes their
    contact data out of the free text of `scrub` columns, which the case still needs; every
    other column (times, categories, counts, figures) stays. `scan`: any row may quote them
    (a log), so erasure scrubs every row. `org_path`: the column placing a row in the org tree.
    """

    table: str
    title: str
    links: tuple[Link, ...] = ()
    clear: tuple[str, ...] = ()
    replace: tuple[str, ...] = ()
    scrub: tuple[str, ...] = ()
    exported: bool = True
    present: Presenter | None = None
    org_path: str | None = None
    scan: bool = False

    @property
    def erased(self) -> frozenset[str]:
        """Return the columns erasure changes."""
        return frozenset((*self.clear, *self.replace, *self.scrub))


_TABLES: dict[str, PersonalTable] = {}


def install(tables: Iterable[PersonalTable]) -> None:
    """Make `tables` the catalogue (the runtime calls it with every extension's tables)."""
    found: dict[str, PersonalTable] = {}
    for spec in tables:
        if spec.table in found:
            raise ValueError(f"personal table {spec.table!r} is registered twice")
        found[spec.table] = spec
    _TABLES.clear()
    _TABLES.update(found)


def registered() -> tuple[PersonalTable, ...]:
    """Return the catalogue, in registration order."""
    return tuple(_TABLES.values())


def uncovered(metadata: MetaData, tables: Sequence[PersonalTable] | None = None) -> list[str]:
    """Return what the catalogue misses of the personal data in `metadata` (empty: all of it)."""
    specs = {s.table: s for s in (registered() if tables is None else tables)}
    problems: list[str] = []
    for table in metadata.sorted_tables:
        personal = [c.name for c in table.columns if is_personal(c)]
        spec = specs.get(table.name)
        if spec is None:
            if personal:
                problems.append(f"{table.name}: holds {', '.join(personal)} but is not catalogued")
            continue
        problems += _check(table, spec, personal)
    problems += [
        f"{name}: catalogued but not in the schema" for name in specs.keys() - set(metadata.tables)
    ]
    return problems


def _check(table: Table, spec: PersonalTable, personal: list[str]) -> list[str]:
    problems = [
        f"{table.name}.{name}: personal but erasure leaves it"
        for name in personal
        if name not in spec.erased
    ]
    problems += [
        f"{table.name}.{name}: catalogued but not a column"
        for name in (*spec.erased, *(link.column for link in spec.links))
        if name not in table.c
    ]
    if not spec.scan and not spec.links and not hash_columns(table):
        problems.append(f"{table.name}: no lookup-hash column and no link finds a person's rows")
    if spec.org_path is not None and spec.org_path not in table.c:
        problems.append(f"{table.name}.{spec.org_path}: org path column missing")
    return problems
