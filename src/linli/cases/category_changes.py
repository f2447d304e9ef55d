"""Changing one category through the API, checked as a catalogue row is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import categories, repository
from linli.cases.catalogue import (
    COLUMNS,
    CatalogueEntry,
    _BadRow,
    _entry,
    _row_of,
    entry_of,
    store_entry,
)
from linli.cases.categories import family_radius
from linli.cases.models import STEPS, Category
from linli.core.errors import ValidationFailed

# `CategoryUpdate` field → `CatalogueEntry` field.
_FIELDS = {
    "name": "name",
    "name_zh": "name_zh",
    "name_ms": "name_ms",
    "name_ta": "name_ta",
    "priority": "priority",
    "step_limits": "step_limits",
    "parent_code": "parent",
    "kind": "kind",
    "level": "level",
    "required_evidence": "required_evidence",
    "duplicate_radius_m": "duplicate_radius_m",
    "duplicate_window_hours": "duplicate_window_h",
    "public": "public",
    "round_location_m": "round_location_m",
    "examples": "examples",
}


async def put_category(
    session: AsyncSession, *, code: str, changes: Mapping[str, object]
) -> Category:
    """Create the category `code` or change the fields named in `changes` (`CategoryUpdate`
    names), validated as a catalogue row is: its parent must be a stored major group, a major
    group with leaves stays major, evidence and `requires_photo` must agree."""
    stored = await repository.get_category(session, code.strip())
    if stored is None and "name" not in changes:
        raise ValidationFailed("a new category needs a name", code="bad_category")
    base = entry_of(stored) if stored is not None else CatalogueEntry(code=code.strip(), name="")
    given = {_FIELDS[k]: v for k, v in changes.items() if k in _FIELDS}
    for name in ("public", "round_location_m"):  # null: keep what is stored
        if given.get(name, 0) is None:
            del given[name]
    if "step_limits" in given:
        limits = dict(given["step_limits"])  # type: ignore[call-overload]
        unknown = sorted(set(limits) - set(STEPS))
        if unknown:
            raise ValidationFailed(
                f"step limits are for steps {', '.join(STEPS)}, not {', '.join(unknown)}",
                code="bad_step_limits",
            )
    evidence = given.get("required_evidence")
    photo = changes.get("requires_photo")
    if evidence is None and isinstance(photo, bool):
        others = tuple(e for e in base.required_evidence if e != "photo")
        given["required_evidence"] = (("photo",) if photo else ()) + others
    elif evidence is not None and isinstance(photo, bool) and photo != ("photo" in evidence):  # type: ignore[operator]
        raise ValidationFailed(
            "requires_photo and required_evidence disagree", code="evidence_conflict"
        )
    merged = replace(base, **given)  # type: ignore[arg-type]
    if stored is None and "duplicate_radius_m" not in given:
        merged = replace(merged, duplicate_radius_m=family_radius(merged.code, merged.parent))
    try:
        entry = _entry(dict(zip(COLUMNS, _row_of(merged), strict=True)))
    except _BadRow as err:
        raise ValidationFailed(str(err), code="bad_category") from err
    if entry.parent is not None:
        parent = await repository.get_category(session, entry.parent)
        if parent is None or parent.level != "major":
            raise ValidationFailed(
                f"parent {entry.parent!r} is not a stored major group", code="bad_category_parent"
            )
    if entry.level == "minor" and stored is not None and stored.level == "major":
        children = [c for c in await categories.list_categories(session) if c.parent_code == code]
        if children:
            raise ValidationFailed(
                f"{code!r} still has {len(children)} leaf categories; it stays a major group",
                code="category_has_children",
            )
    return await store_entry(session, entry)
