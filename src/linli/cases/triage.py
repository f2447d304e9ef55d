"""Triage of free-text reports: suggest a category, a responsible unit and near-duplicates.

The classifier is light on purpose: character n-gram TF-IDF (works across English, Chinese,
Malay and Tamil without tokenisers) and a linear model, trained from the catalogue's examples
and the categories operators gave past cases. Nothing is downloaded at run time.
"""

from __future__ import annotations

import math
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import Pipeline
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import workflow
from linli.cases.catalogue import CatalogueEntry
from linli.cases.models import Case
from linli.core.errors import ValidationFailed
from linli.org import service as org_service
from linli.org.models import OrgUnit

Example = tuple[str, str]  # (report text, category code)
EARTH_RADIUS_M = 6_371_000.0
DUPLICATE_THRESHOLD = 0.2
_NOISE = re.compile(r"[\d\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff]")
Similarity = Callable[[str, str], float]


class Triage:
    """A category classifier for report texts."""

    def __init__(self, pipeline: Pipeline | None = None) -> None:
        self._pipeline = pipeline

    @property
    def codes(self) -> list[str]:
        """Return the category codes the model knows."""
        return [] if self._pipeline is None else [str(c) for c in self._pipeline.classes_]

    def fit(self, examples: Iterable[Example]) -> Triage:
        """Train on (text, category code) pairs; return self."""
        pairs = [(t.strip(), c) for t, c in examples if t.strip()]
        if len({c for _, c in pairs}) < 2:
            raise ValidationFailed(
                "triage needs examples of at least two categories", code="too_few_examples"
            )
        pipeline = Pipeline(
            [
                (
                    "tfidf",
                    TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True),
                ),
                (
                    "clf",
                    SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=50, random_state=0),
                ),
            ]
        )
        pipeline.fit([t for t, _ in pairs], [c for _, c in pairs])
        self._pipeline = pipeline
        return self

    def suggest(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """Return the `k` likeliest category codes for `text`, with confidences from 0 to 1."""
        if self._pipeline is None:
            raise ValidationFailed("the triage model is not trained", code="triage_untrained")
        probabilities = self._pipeline.predict_proba([text])[0]
        ranked = sorted(
            zip(self._pipeline.classes_, probabilities, strict=True), key=lambda p: -p[1]
        )
        return [(str(code), round(float(p), 4)) for code, p in ranked[:k]]

    def similarity(self, a: str, b: str) -> float:
        """Return how alike two texts are (0–1): the cosine of their category distributions.

        Two reports of the same problem land on the same categories whatever their wording or
        language, while boilerplate ("near block 12", "tolong") shared by different problems
        does not count, as it would in raw n-gram overlap.
        """
        if self._pipeline is None:
            return text_similarity(a, b)
        p, q = self._pipeline.predict_proba([a, b])
        norm = float(np.linalg.norm(p) * np.linalg.norm(q))
        return float(p @ q) / norm if norm else 0.0

    def save(self, path: Path) -> None:
        """Write the trained model to `path`."""
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self._pipeline, path)

    @classmethod
    def load(cls, path: Path) -> Triage:
        """Read a model written by `save`."""
        pipeline: Any = joblib.load(path)
        return cls(pipeline)


def catalogue_examples(entries: Iterable[CatalogueEntry]) -> list[Example]:
    """Return the training pairs a catalogue offers: its examples and the leaf categories' names."""
    pairs: list[Example] = []
    for e in entries:
        pairs.extend((text, e.code) for text in e.examples)
        if e.level == "minor":
            pairs.extend((name, e.code) for name in (e.name, e.name_zh) if name)
    return pairs


async def decided_examples(session: AsyncSession, *, limit: int = 20_000) -> list[Example]:
    """Return (title and description, category) of the latest cases operators did not reject."""
    stmt = (
        select(Case.title, Case.description, Case.category_code)
        .where(Case.status != "rejected")
        .order_by(Case.created_at.desc())
        .limit(limit)
    )
    rows = (await session.execute(stmt)).all()
    return [(f"{title} {description}".strip(), code) for title, description, code in rows]


async def retrain(
    session: AsyncSession, *, entries: Sequence[CatalogueEntry], path: Path
) -> tuple[Triage, int]:
    """Train from the catalogue and past decisions, save the model to `path`; return it and the
    number of examples it learned from."""
    known = {e.code for e in entries}
    pairs = catalogue_examples(entries)
    pairs += [(t, c) for t, c in await decided_examples(session) if c in known]
    model = Triage().fit(pairs)
    model.save(path)
    return model, len(pairs)


async def suggest_unit(
    session: AsyncSession, *, category_code: str, lon: float, lat: float
) -> OrgUnit | None:
    """Return the unit the routing table makes responsible for `category_code` at the point."""
    unit = await org_service.locate(session, lon, lat)
    if unit is None:
        return None
    return await org_service.route(session, category_code=category_code, unit=unit)


# --- near-duplicates ----------------------------------------------------------------------


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


def find_duplicates(
    report: NewReport,
    cases: Iterable[CaseLike],
    *,
    radius_m: float,
    window_h: float,
    threshold: float = DUPLICATE_THRESHOLD,
    similarity: Similarity = text_similarity,
) -> list[DuplicateCandidate]:
    """Return the cases of the same category within `radius_m` and `window_h` of the report whose
    text is similar enough, most similar first.

    Pass `similarity=model.similarity` to compare texts in a trained model's TF-IDF space.
    """
    since = report.at - timedelta(hours=window_h)
    found: list[DuplicateCandidate] = []
    for case in cases:
        if case.category_code != report.category_code or case.lon is None or case.lat is None:
            continue
        if not since <= case.created_at <= report.at:
            continue
        distance = distance_m(report.lon, report.lat, case.lon, case.lat)
        if distance > radius_m:
            continue
        score = similarity(report.text, f"{case.title} {case.description}")
        if score >= threshold:
            found.append(DuplicateCandidate(case.id, round(distance, 1), round(score, 3)))
    return sorted(found, key=lambda d: (-d.similarity, d.distance_m))


async def duplicate_candidates(
    session: AsyncSession,
    report: NewReport,
    *,
    radius_m: float,
    window_h: float,
    threshold: float = DUPLICATE_THRESHOLD,
    similarity: Similarity = text_similarity,
) -> list[DuplicateCandidate]:
    """Return the open cases the report may join (see `find_duplicates`)."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(report.lat)), 1e-6)
    stmt = select(Case).where(
        Case.category_code == report.category_code,
        Case.status.not_in(workflow.TERMINAL),
        Case.created_at >= report.at - timedelta(hours=window_h),
        Case.lon.between(report.lon - dlon, report.lon + dlon),
        Case.lat.between(report.lat - dlat, report.lat + dlat),
    )
    cases = (await session.execute(stmt)).scalars().all()
    return find_duplicates(
        report,
        cases,
        radius_m=radius_m,
        window_h=window_h,
        threshold=threshold,
        similarity=similarity,
    )
