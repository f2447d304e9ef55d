"""The category catalogue as data: read, validate, import and export it as CSV.

The Category model holds code, names, priority, step limits and the photo rule. The rest of a
catalogue row (parent, kind, level, duplicate radius and window, example reports) lives in the
CSV and is handed to triage; `export_catalogue` takes those extras from the entries it is given.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import service as cases_service
from linli.cases import workflow
from linli.core.errors import LinliError, ValidationFailed

KINDS = ("event", "asset")
LEVELS = ("major", "minor")
STEP_COLUMNS = {step: f"{step}_min" for step in workflow.STEPS}
COLUMNS = (
    "code",
    "parent",
    "name",
    "name_zh",
    "kind",
    "level",
    "priority",
    *STEP_COLUMNS.values(),
    "requires_photo",
    "duplicate_radius_m",
    "duplicate_window_h",
    "examples",
)
DEFAULT_RADIUS_M = 100.0
DEFAULT_WINDOW_H = 24.0
DEMO_CATALOGUE = Path(__file__).parent / "data" / "catalogue.csv"
_TRUE, _FALSE = ("true", "yes", "1", "y"), ("false", "no", "0", "n", "")


@dataclass(frozen=True)
class CatalogueEntry:
    """One category as the catalogue describes it."""

    code: str
    name: str
    parent: str | None = None
    name_zh: str | None = None
    kind: str = "event"
    level: str = "minor"
    priority: int = 3
    step_limits: Mapping[str, int] = field(default_factory=dict)
    requires_photo: bool = False
    duplicate_radius_m: float = DEFAULT_RADIUS_M
    duplicate_window_h: float = DEFAULT_WINDOW_H
    examples: tuple[str, ...] = ()


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
    return (row.get(column) or "").strip()


def _number(row: Mapping[str, str | None], column: str, *, default: float | None = None) -> float:
    raw = _text(row, column)
    if not raw and default is not None:
        return default
    try:
        value = float(raw)
    except ValueError as err:
        raise _BadRow(f"{column} must be a number, got {raw!r}") from err
    if value <= 0:
        raise _BadRow(f"{column} must be positive, got {raw!r}")
    return value


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
    parent = _text(row, "parent") or None
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
    photo = _text(row, "requires_photo").lower()
    if photo not in _TRUE + _FALSE:
        raise _BadRow(f"requires_photo must be true or false, got {photo!r}")
    examples = tuple(e.strip() for e in _text(row, "examples").split("|") if e.strip())
    return CatalogueEntry(
        code=code,
        name=name,
        parent=parent,
        name_zh=_text(row, "name_zh") or None,
        kind=kind,
        level=level,
        priority=int(priority),
        step_limits=limits,
        requires_photo=photo in _TRUE,
        duplicate_radius_m=_number(row, "duplicate_radius_m", default=DEFAULT_RADIUS_M),
        duplicate_window_h=_number(row, "duplicate_window_h", default=DEFAULT_WINDOW_H),
        examples=examples,
    )


def parse_catalogue(
    text: str, *, known_codes: Iterable[str] = ()
) -> tuple[list[tuple[int, CatalogueEntry]], list[RowError]]:
    """Validate every row of a catalogue CSV; return the good rows with their lines, and errors.

    A parent must be an earlier row of the file or one of `known_codes`.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in ("code", "name") if c not in (reader.fieldnames or ())]
    if missing:
        return [], [RowError(1, None, f"the header lacks the column(s) {', '.join(missing)}")]
    good: list[tuple[int, CatalogueEntry]] = []
    errors: list[RowError] = []
    seen = set(known_codes)
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
            if entry.parent is not None and entry.parent not in seen:
                raise _BadRow(f"parent {entry.parent!r} is neither known nor an earlier row")
        except _BadRow as err:
            errors.append(RowError(line, _text(row, "code") or None, str(err)))
            continue
        in_file.add(entry.code)
        seen.add(entry.code)
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


def render_catalogue(entries: Iterable[CatalogueEntry]) -> str:
    """Write `entries` as catalogue CSV text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for e in entries:
        writer.writerow(
            [
                e.code,
                e.parent or "",
                e.name,
                e.name_zh or "",
                e.kind,
                e.level,
                e.priority,
                *(e.step_limits.get(step, "") for step in STEP_COLUMNS),
                "true" if e.requires_photo else "false",
                f"{e.duplicate_radius_m:g}",
                f"{e.duplicate_window_h:g}",
                "|".join(e.examples),
            ]
        )
    return out.getvalue()


async def import_catalogue(session: AsyncSession, text: str) -> ImportReport:
    """Create or update the categories of a catalogue CSV; keep valid rows, report bad ones."""
    existing = {c.code for c in await cases_service.list_categories(session)}
    good, errors = parse_catalogue(text, known_codes=existing)
    report = ImportReport(errors=errors)
    for line, entry in good:
        try:
            async with session.begin_nested():
                await cases_service.upsert_category(
                    session,
                    code=entry.code,
                    name=entry.name,
                    name_zh=entry.name_zh,
                    priority=entry.priority,
                    step_limits=dict(entry.step_limits),
                    requires_photo=entry.requires_photo,
                )
        except LinliError as err:
            report.errors.append(RowError(line, entry.code, err.detail))
            continue
        report.imported.append(entry.code)
        report.entries.append(entry)
    report.errors.sort(key=lambda e: e.line)
    return report


async def export_catalogue(session: AsyncSession, *, extras: Iterable[CatalogueEntry] = ()) -> str:
    """Return every stored category as catalogue CSV, parents first.

    Fields the Category model does not hold come from the matching entry of `extras`; without
    one, the parent is the longest stored prefix of the code and the rest take defaults.
    """
    known = {e.code: e for e in extras}
    categories = sorted(
        await cases_service.list_categories(session), key=lambda c: (c.code.count("."), c.code)
    )
    codes = {c.code for c in categories}
    entries: list[CatalogueEntry] = []
    for c in categories:
        extra = known.get(c.code)
        parts = c.code.split(".")
        prefixes = (".".join(parts[:i]) for i in range(len(parts) - 1, 0, -1))
        parent = extra.parent if extra else next((p for p in prefixes if p in codes), None)
        entries.append(
            CatalogueEntry(
                code=c.code,
                name=c.name,
                parent=parent,
                name_zh=c.name_zh,
                kind=extra.kind if extra else "event",
                level=extra.level if extra else ("minor" if parent else "major"),
                priority=c.priority,
                step_limits=dict(c.step_limits or {}),
                requires_photo=c.requires_photo,
                duplicate_radius_m=extra.duplicate_radius_m if extra else DEFAULT_RADIUS_M,
                duplicate_window_h=extra.duplicate_window_h if extra else DEFAULT_WINDOW_H,
                examples=extra.examples if extra else (),
            )
        )
    return render_catalogue(entries)
