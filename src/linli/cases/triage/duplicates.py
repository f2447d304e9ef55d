"""Near-duplicate reports: find the open case a new report repeats, join it, merge cases.

A report duplicates an open case of the same category (or of a sibling in the same family, the
category's major group in the catalogue) within the window whose text says the same thing, and
within the radius of both categories: a haze report reaches 5 km, but a noise case 4 km away is
not the same problem, as noise reaches 300 m. Residents may join such a case ("me too") instead
of opening another; operators may merge a case into the one it duplicates, and the first case's
followers then follow the original.
"""

from __future__ import annotations

import math
import re
import uuid
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.models import (
    TERMINAL,
    Case,
    Category,
    CategorySetting,
    effective_category,
    tree_id_of,
)
from linli.core import clock
from linli.org import service as org_service

EARTH_RADIUS_M = 6_371_000.0
DUPLICATE_THRESHOLD = 0.2
# With a trained model's similarity (cosine of category distributions). Chosen on the catalogue
# alone (train on half of each category's examples, pair the other half: same category against
# sibling categories), where it gives the best F1; see `benchmarks/triage.py`.
MODEL_DUPLICATE_THRESHOLD = 0.1
_NOISE = re.compile(r"[\d\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff]")
# How alike a report's text is to each of several case texts (0–1 each), in one call.
Similarity = Callable[[str, Sequence[str]], list[float]]


class CaseLike(Protocol):
    """What the duplicate finder reads of a case."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def category_code(self) -> str: ...
    @property
    def lon(self) -> float | None: ...
    @property
    def lat(self) -> float | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str: ...


@dataclass(frozen=True)
class NewReport:
    """A report about to become a case."""

    category_code: str
    lon: float
    lat: float
    at: datetime
    text: str


@dataclass(frozen=True)
class DuplicateCandidate:
    """An open case the new report may join."""

    case_id: uuid.UUID
    distance_m: float
    similarity: float


def distance_m(lon0: float, lat0: float, lon1: float, lat1: float) -> float:
    """Return the great-circle distance between two points in metres."""
    p0, p1 = math.radians(lat0), math.radians(lat1)
    dp, dl = p1 - p0, math.radians(lon1 - lon0)
    h = math.sin(dp / 2) ** 2 + math.cos(p0) * math.cos(p1) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def major_of(code: str) -> str:
    """Return the major group of a category code (its first word)."""
    return code.split(".", 1)[0]


@dataclass(frozen=True)
class Reach:
    """Where a category's duplicates lie: its family (major group) and duplicate radius."""

    family: str
    radius_m: float


def reach_of(category: Category) -> Reach:
    """Return a stored category's reach: its catalogue parent (or itself, a major group; or its
    code's first word, outside a catalogue tree) and its duplicate radius."""
    family = category.parent_code or (
        category.code if category.level == "major" else major_of(category.code)
    )
    return Reach(family, category.duplicate_radius_m)


def _family(code: str, reach: Mapping[str, Reach]) -> str:
    known = reach.get(code)
    return known.family if known is not None else major_of(code)


def _grams(text: str) -> Counter[str]:
    grams: Counter[str] = Counter()
    for word in _NOISE.sub(" ", text.lower()).split():
        padded = f" {word} "
        # Chinese runs have no spaces and carry meaning per character: use 1- and 2-grams.
        for n in (1, 2) if _CJK.search(word) else (3, 4):
            grams.update(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


def text_similarity(a: str, b: str) -> float:
    """Return the cosine similarity (0–1) of two texts' character n-grams, without a model."""
    ga, gb = _grams(a), _grams(b)
    dot = sum(count * gb[g] for g, count in ga.items())
    norm = math.sqrt(sum(v * v for v in ga.values())) * math.sqrt(sum(v * v for v in gb.values()))
    return dot / norm if norm else 0.0


def text_similarities(text: str, others: Sequence[str]) -> list[float]:
    """Return `text_similarity` of `text` with each of `others` (the model-free `Similarity`)."""
    return [text_similarity(text, other) for other in others]


def same_kind(a: str, b: str, *, group: bool, reach: Mapping[str, Reach] | None = None) -> bool:
    """Return whether two category codes are the same kind (or, with `group`, the same family)."""
    return a == b or (group and _family(a, reach or {}) == _family(b, reach or {}))


def find_duplicates(
    report: NewReport,
    cases: Iterable[CaseLike],
    *,
    radius_m: float,
    window_h: float,
    threshold: float = DUPLICATE_THRESHOLD,
    similarity: Similarity = text_similarities,
    group: bool = False,
    kinds: Collection[str] = (),
    reach: Mapping[str, Reach] | None = None,
) -> list[DuplicateCandidate]:
    """Return the cases of the same category (with `group`: of its family) within `radius_m`
    and `window_h` of the report whose text is similar enough, most similar first.

    Pass `similarity=model.similarity` to compare texts in a trained model's category space,
    and `kinds`, triage's other likely categories of a draft whose category it only guesses: a
    resident's wording that triage ranks second still finds the case that an operator filed
    under that category. `reach` gives the categories' families and radii (by code): a case
    counts only within its own category's radius as well as `radius_m`.
    """
    reach = reach or {}
    since = report.at - timedelta(hours=window_h)
    codes = {report.category_code, *kinds}
    near: list[tuple[CaseLike, float]] = []
    for case in cases:
        if not any(same_kind(case.category_code, code, group=group, reach=reach) for code in codes):
            continue
        if case.lon is None or case.lat is None or not since <= case.created_at <= report.at:
            continue
        distance = distance_m(report.lon, report.lat, case.lon, case.lat)
        own = reach.get(case.category_code)
        if distance <= min(radius_m, own.radius_m if own is not None else radius_m):
            near.append((case, distance))
    if not near:
        return []
    # All the nearby cases' texts at once: a model reads a batch far faster than one by one.
    scores = similarity(report.text, [f"{case.title} {case.description}" for case, _ in near])
    found = [
        DuplicateCandidate(case.id, round(distance, 1), round(score, 3))
        for (case, distance), score in zip(near, scores, strict=True)
        if score >= threshold
    ]
    return sorted(found, key=lambda d: (-d.similarity, d.distance_m))


def _nearby(report: NewReport, radius_m: float, window_h: float) -> list[ColumnElement[bool]]:
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(report.lat)), 1e-6)
    return [
        Case.status.not_in(TERMINAL),
        Case.created_at >= report.at - timedelta(hours=window_h),
        Case.lon.between(report.lon - dlon, report.lon + dlon),
        Case.lat.between(report.lat - dlat, report.lat + dlat),
    ]


async def duplicate_candidates(
    session: AsyncSession,
    report: NewReport,
    *,
    radius_m: float,
    window_h: float,
    threshold: float = DUPLICATE_THRESHOLD,
    similarity: Similarity = text_similarities,
    group: bool = False,
    kinds: Collection[str] = (),
    tree_id: uuid.UUID | None = None,
) -> list[DuplicateCandidate]:
    """Return the open cases the report may join (see `find_duplicates`); the categories' own
    families and radii are read from the catalogue, with the settings of the tree `tree_id`."""
    codes = sorted({report.category_code, *kinds})
    reach = await _reach(session, codes, tree_id)
    if group:
        families = sorted({_family(code, reach) for code in codes})
        kind = or_(
            Case.category_code.in_(families),
            *(Case.category_code.startswith(f + ".", autoescape=True) for f in families),
        )
    else:
        kind = Case.category_code.in_(codes)
    stmt = select(Case).where(kind, *_nearby(report, radius_m, window_h))
    cases = (await session.execute(stmt)).scalars().all()
    reach |= await _reach(session, {c.category_code for c in cases} - set(reach), tree_id)
    return find_duplicates(
        report,
        cases,
        radius_m=radius_m,
        window_h=window_h,
        threshold=threshold,
        similarity=similarity,
        group=group,
        kinds=kinds,
        reach=reach,
    )


async def _reach(
    session: AsyncSession, codes: Collection[str], tree_id: uuid.UUID | None
) -> dict[str, Reach]:
    return {c.code: reach_of(c) for c in await _in_tree(session, codes, tree_id)}


async def _in_tree(
    session: AsyncSession, codes: Collection[str], tree_id: uuid.UUID | None
) -> list[Category]:
    """Return the categories `codes` with the settings of the tree `tree_id` (one query)."""
    if not codes:
        return []
    rows = await session.execute(
        select(Category, CategorySetting)
        .outerjoin(
            CategorySetting,
            and_(
                CategorySetting.category_code == Category.code, CategorySetting.tree_id == tree_id
            ),
        )
        .where(Category.code.in_(sorted(codes)))
    )
    return [effective_category(c, s) for c, s in rows.all()]


async def candidates_for(
    session: AsyncSession,
    category: Category,
    *,
    text: str,
    lon: float,
    lat: float,
    similarity: Similarity = text_similarities,
    threshold: float = DUPLICATE_THRESHOLD,
    kinds: Collection[str] = (),
) -> list[DuplicateCandidate]:
    """Return the open cases a report of `category` (or of triage's other likely `kinds`) at the
    point may duplicate: in its family, by its own radius and window (and each case's radius),
    as set for the tree the point lies in."""
    here = await org_service.locate(session, lon, lat)
    tree_id = tree_id_of(here.path) if here is not None else None
    if tree_id is not None:
        category = (await _in_tree(session, [category.code], tree_id) or [category])[0]
    return await duplicate_candidates(
        session,
        NewReport(category.code, lon, lat, clock.now(), text),
        radius_m=category.duplicate_radius_m,
        window_h=category.duplicate_window_hours,
        threshold=threshold,
        similarity=similarity,
        group=True,
        kinds=kinds,
        tree_id=tree_id,
    )
