"""The category catalogue as data: read, validate, import and export it as CSV.

Every field of a catalogue row is stored on the Category: code, names, the tree (`parent_code`,
`level` major | minor, `kind` event | asset), priority, step limits, the evidence closing needs,
the duplicate radius and window, and the example reports triage learns from. Import keeps the
valid rows and reports each bad one with its line and reason, as every batch entry point does.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import categories
from linli.cases.categories import DEFAULT_RADIUS_M as DEFAULT_RADIUS_M
from linli.cases.categories import FAMILY_RADIUS_M as FAMILY_RADIUS_M
from linli.cases.categories import family_radius
from linli.cases.models import STEPS, Category
from linli.core.errors import LinliError, ValidationFailed

KINDS = ("event", "asset")
LEVELS = ("major", "minor")
EVIDENCE = ("photo", "note")
STEP_COLUMNS = {step: f"{step}_min" for step in STEPS}
COLUMNS = (
    "code",
    "parent_code",
    "name",
    "name_zh",
    "kind",
    "level",
    "priority",
    *STEP_COLUMNS.values(),
    "required_evidence",
    "duplicate_radius_m",
    "duplicate_window_hours",
    "examples",
    "public",
    "round_location_m",
    "name_ms",
    "name_ta",
)
# Older catalogue files name three columns differently; they are read the same.
ALIASES = {
    "parent_code": "parent",
    "duplicate_window_hours": "duplicate_window_h",
}
DEFAULT_WINDOW_H = 24
MAX_EXAMPLES = 200
DEMO_CATALOGUE = Path(__file__).parent / "data" / "catalogue.csv"
_TRUE, _FALSE = ("true", "yes", "1", "y"), ("false", "no", "0", "n", "")


@dataclass(frozen=True)
class CatalogueEntry:
    """One category as the catalogue describes it."""

    code: str
    name: str
    parent: str | None = None
    name_zh: str | None = None
    name_ms: str | None = None
    name_ta: str | None = None
    kind: str = "event"
    level: str = "minor"
    priority: int = 3
    step_limits: Mapping[str, int] = field(default_factory=dict)
    required_evidence: tuple[str, ...] = ()
    duplicate_radius_m: int = DEFAULT_RADIUS_M
    duplicate_window_h: int = DEFAULT_WINDOW_H
    public: bool = True
    round_location_m: int = 0
    examples: tuple[str, ...] = ()

    @property
    def requires_photo(self) -> bool:
        """Return whether closing a case of this category needs a photo."""
        return "photo" in self.required_evidence


def entry_of(category: Category) -> CatalogueEntry:
    """Return the catalogue entry of a stored category."""
    return CatalogueEntry(
        code=category.code,
        name=category.name,
        parent=category.parent_code,
        name_zh=category.name_zh,
        name_ms=category.name_ms,
        name_ta=category.name_ta,
        kind=category.kind,
        level=category.level,
        priority=category.priority,
        step_limits=dict(category.step_limits or {}),
        required_evidence=tuple(category.required_evidence or ()),
        duplicate_radius_m=category.duplicate_radius_m,
        duplicate_window_h=category.duplicate_window_hours,
        public=category.public,
        round_location_m=category.round_location_m,
        examples=tuple(category.examples or ()),
    )


@dataclass(frozen=True)
class RowError:
    """Why the row starting at `line` of the file was refused."""

    line: int
    code: str | None
    reason: str


@dataclass
class ImportReport:
    """What an import wrote and what it refused."""

    imported: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    entries: list[CatalogueEntry] = field(default_factory=list)


class _BadRow(Exception):
    pass


def _text(row: Mapping[str, str | None], column: str) -> str:
    value = row.get(column)
    if value is None and column in ALIASES:
        value = row.get(ALIASES[column])
    return (value or "").strip()


def _whole(row: Mapping[str, str | None], column: str, *, default: int) -> int:
    raw = _text(row, column)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as err:
        raise _BadRow(f"{column} must be a whole number, got {raw!r}") from err
    if value <= 0 or value != int(value):
        raise _BadRow(f"{column} must be a positive whole number, got {raw!r}")
    return int(value)


def _public(row: Mapping[str, str | None]) -> tuple[bool, int]:
    flag = _text(row, "public").lower() or "true"
    if flag not in _TRUE + _FALSE:
        raise _BadRow(f"public must be true or false, got {flag!r}")
    raw = _text(row, "round_location_m") or "0"
    if not raw.isdigit() or int(raw) > 5000:
        raise _BadRow(f"round_location_m is a whole number of metres up to 5000, got {raw!r}")
    return flag in _TRUE, int(raw)


def _evidence(row: Mapping[str, str | None]) -> tuple[str, ...]:
    if "required_evidence" not in row and "requires_photo" in row:
        photo = _text(row, "requires_photo").lower()
        if photo not in _TRUE + _FALSE:
            raise _BadRow(f"requires_photo must be true or false, got {photo!r}")
        return ("photo",) if photo in _TRUE else ()
    given = [e.strip() for e in _text(row, "required_evidence").split("|") if e.strip()]
    unknown = sorted(set(given) - set(EVIDENCE))
    if unknown:
        raise _BadRow(f"required_evidence lists {', '.join(unknown)}; use {' | '.join(EVIDENCE)}")
    return tuple(e for e in EVIDENCE if e in given)


def _entry(row: Mapping[str, str | None]) -> CatalogueEntry:
    code = _text(row, "code")
    parts = code.split(".")
    if not code or len(code) > 64 or not all(p and p.replace("_", "").isalnum() for p in parts):
        raise _BadRow(f"code {code!r} is not dotted lowercase words, e.g. 'env.air'")
    if code != code.lower():
        raise _BadRow(f"code {code!r} must be lowercase")
    name = _text(row, "name")
    if not name or len(name) > 200:
        raise _BadRow("name is required (at most 200 characters)")
    kind, level = _text(row, "kind") or "event", _text(row, "level") or "minor"
    if kind not in KINDS:
        raise _BadRow(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if level not in LEVELS:
        raise _BadRow(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
    parent = _text(row, "parent_code") or None
    if parent is not None and not code.startswith(parent + "."):
        raise _BadRow(f"code {code!r} must start with its parent's code {parent!r}")
    priority = _text(row, "priority") or "3"
    if priority not in ("1", "2", "3", "4"):
        raise _BadRow(f"priority runs from 1 (urgent) to 4 (low), got {priority!r}")
    limits: dict[str, int] = {}
    for step, column in STEP_COLUMNS.items():
        raw = _text(row, column)
        if raw:
            if not raw.isdigit() or int(raw) <= 0:
                raise _BadRow(f"{column} must be a positive whole number of minutes, got {raw!r}")
            limits[step] = int(raw)
    examples = tuple(dict.fromkeys(e.strip() for e in _text(row, "examples").split("|")))
    examples = tuple(e for e in examples if e)
    if len(examples) > MAX_EXAMPLES or any(len(e) > 500 for e in examples):
        raise _BadRow(f"examples: at most {MAX_EXAMPLES}, each at most 500 characters")
    public, round_m = _public(row)
    return CatalogueEntry(
        code=code,
        name=name,
        parent=parent,
        name_zh=_text(row, "name_zh") or None,
        name_ms=_text(row, "name_ms") or None,
        name_ta=_text(row, "name_ta") or None,
        kind=kind,
        level=level,
        priority=int(priority),
        step_limits=limits,
        required_evidence=_evidence(row),
        duplicate_radius_m=_whole(row, "duplicate_radius_m", default=family_radius(code, parent)),
        duplicate_window_h=_whole(row, "duplicate_window_hours", default=DEFAULT_WINDOW_H),
        public=public,
        round_location_m=round_m,
        examples=examples,
    )


def parse_catalogue(
    text: str, *, known: Mapping[str, str] | None = None
) -> tuple[list[tuple[int, CatalogueEntry]], list[RowError]]:
    """Validate every row of a catalogue CSV; return the good rows with their lines, and errors.

    A parent must be a major group: an earlier row of the file or one of `known` (code → level).
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in ("code", "name") if c not in (reader.fieldnames or ())]
    if missing:
        return [], [RowError(1, None, f"the header lacks the column(s) {', '.join(missing)}")]
    good: list[tuple[int, CatalogueEntry]] = []
    errors: list[RowError] = []
    levels = dict(known or {})
    in_file: set[str] = set()
    last_line = reader.line_num
    for row in reader:
        line, last_line = last_line + 1, reader.line_num
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        try:
            entry = _entry(row)
            if entry.code in in_file:
                raise _BadRow(f"code {entry.code!r} appears twice in the file")
            if entry.parent is not None and entry.parent not in levels:
                raise _BadRow(f"parent {entry.parent!r} is neither known nor an earlier row")
            if entry.parent is not None and levels[entry.parent] != "major":
                raise _BadRow(f"parent {entry.parent!r} is a leaf (minor), not a major group")
        except _BadRow as err:
            errors.append(RowError(line, _text(row, "code") or None, str(err)))
            continue
        in_file.add(entry.code)
        levels[entry.code] = entry.level
        good.append((line, entry))
    return good, errors


def read_catalogue(path: Path = DEMO_CATALOGUE) -> list[CatalogueEntry]:
    """Read a catalogue file, or raise ValidationFailed naming its first bad row."""
    good, errors = parse_catalogue(path.read_text(encoding="utf-8"))
    if errors:
        first = errors[0]
        raise ValidationFailed(
            f"{path.name} line {first.line}: {first.reason}", code="bad_catalogue_row"
        )
    return [entry for _, entry in good]


def _row_of(e: CatalogueEntry) -> list[str]:
    return [
        e.code,
        e.parent or "",
        e.name,
        e.name_zh or "",
        e.kind,
        e.level,
        str(e.priority),
        *(str(e.step_limits.get(step, "")) for step in STEP_COLUMNS),
        "|".join(e.required_evidence),
        str(e.duplicate_radius_m),
        str(e.duplicate_window_h),
        "|".join(e.examples),
        "true" if e.public else "false",
        str(e.round_location_m),
        e.name_ms or "",
        e.name_ta or "",
    ]


def render_catalogue(entries: Iterable[CatalogueEntry]) -> str:
    """Write `entries` as catalogue CSV text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(_row_of(e) for e in entries)
    return out.getvalue()


async def store_entry(session: AsyncSession, entry: CatalogueEntry) -> Category:
    """Create or update the category an entry describes, every field of it."""
    category = await categories.upsert_category(
        session,
        code=entry.code,
        name=entry.name,
        name_zh=entry.name_zh,
        priority=entry.priority,
        step_limits=dict(entry.step_limits),
        requires_photo=entry.requires_photo,
    )
    category.name_ms, category.name_ta = entry.name_ms, entry.name_ta
    category.parent_code, category.kind, category.level = entry.parent, entry.kind, entry.level
    category.required_evidence = list(entry.required_evidence)
    category.duplicate_radius_m = entry.duplicate_radius_m
    category.duplicate_window_hours = entry.duplicate_window_h
    category.public, category.round_location_m = entry.public, entry.round_location_m
    category.examples = list(entry.examples)
    await session.flush()
    return category


async def import_catalogue(session: AsyncSession, text: str) -> ImportReport:
    """Create or update the categories of a catalogue CSV; keep valid rows, report bad ones."""
    known = {c.code: c.level for c in await categories.list_categories(session)}
    good, errors = parse_catalogue(text, known=known)
    report = ImportReport(errors=errors)
    for line, entry in good:
        try:
            async with session.begin_nested():
                await store_entry(session, entry)
        except LinliError as err:
            report.errors.append(RowError(line, entry.code, err.detail))
            continue
        report.imported.append(entry.code)
        report.entries.append(entry)
    report.errors.sort(key=lambda e: e.line)
    return report


async def list_entries(session: AsyncSession) -> list[CatalogueEntry]:
    """Return every stored category as a catalogue entry, parents before their children."""
    stored = await categories.list_categories(session)
    return sorted(
        (entry_of(c) for c in stored),
        key=lambda e: (e.parent or e.code, e.parent is not None, e.code),
    )


async def export_catalogue(session: AsyncSession) -> str:
    """Return every stored category as catalogue CSV, each major group before its leaves."""
    return render_catalogue(await list_entries(session))
