"""Triage of free-text reports: suggest a category (and, through the routing table, a unit).

The classifier is light on purpose: character n-gram TF-IDF (works across English, Chinese,
Malay and Tamil without tokenisers) and a linear model with probabilities, trained from the
catalogue's examples and operators' triage decisions. Nothing is downloaded at run time.
Near-duplicates live in `linli.cases.duplicates` (re-exported here for older callers).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import FeatureUnion, Pipeline
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.service import CatalogueEntry
from linli.cases.triage.duplicates import (
    DUPLICATE_THRESHOLD,
    CaseLike,
    DuplicateCandidate,
    NewReport,
    distance_m,
    duplicate_candidates,
    find_duplicates,
    text_similarities,
    text_similarity,
)
from linli.core.errors import ValidationFailed
from linli.org import service as org_service
from linli.org.models import OrgUnit

__all__ = [
    "DUPLICATE_THRESHOLD",
    "CaseLike",
    "DuplicateCandidate",
    "Example",
    "NewReport",
    "Serialised",
    "Triage",
    "catalogue_examples",
    "distance_m",
    "duplicate_candidates",
    "find_duplicates",
    "fit_serialised",
    "language_of",
    "suggest_unit",
    "text_similarities",
    "text_similarity",
]

Example = tuple[str, str]  # (report text, category code)
_TAMIL = re.compile(r"[\u0b80-\u0bff]")
_CJK = re.compile(r"[\u3400-\u9fff]")
_MALAY = re.compile(
    r"\b(tolong|di|dan|yang|rosak|sampah|tidak|ada|dekat|sejak|blok|jalan|saya|berhampiran)\b",
    re.IGNORECASE,
)


_WORD = re.compile(r"[a-z][a-z'-]+")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")


def words(text: str) -> list[str]:
    """Return a report's word features: English and Malay words and word pairs, and character
    pairs and triples of Chinese runs (the usual two- and three-character words). Tamil is left
    to the character n-grams (its vowel signs split naive words), numbers to nobody (block and
    unit numbers say nothing of the problem)."""
    lowered = text.lower()
    tokens = _WORD.findall(lowered)
    features = tokens + [f"{a} {b}" for a, b in pairwise(tokens)]
    for run in _CJK_RUN.findall(lowered):
        features += [run[i : i + n] for n in (2, 3) for i in range(len(run) - n + 1)]
    return features


def language_of(text: str) -> str:
    """Return the likely language of a report: `zh`, `ta`, `ms` or `en`, by script and words."""
    if _CJK.search(text):
        return "zh"
    if _TAMIL.search(text):
        return "ta"
    return "ms" if len(_MALAY.findall(text)) >= 2 else "en"


class Triage:
    """A category classifier for report texts."""

    def __init__(self, pipeline: Pipeline | None = None) -> None:
        self._pipeline = pipeline
        self._weights: np.ndarray[Any, Any] | None = None
        self._distributions: dict[str, np.ndarray[Any, Any]] = {}

    def _proba(self, texts: Sequence[str]) -> np.ndarray[Any, Any]:
        """Return the category probabilities of `texts` (rows), as the classifier computes them.

        The same arithmetic as `predict_proba` (one-vs-rest logistic, normalised), with the
        weights kept row-major: sklearn's product with the transposed coefficient matrix copies
        the whole matrix for every call, tens of milliseconds with hundreds of categories.
        """
        if self._pipeline is None:
            raise ValidationFailed("the triage model is not trained", code="triage_untrained")
        tfidf, clf = self._pipeline.named_steps["tfidf"], self._pipeline.named_steps["clf"]
        if self._weights is None:
            self._weights = np.ascontiguousarray(clf.coef_.T, dtype=np.float32)
            # The classifier keeps a view of the same numbers: one copy in memory, not two
            # (hundreds of megabytes with the shipped catalogue).
            clf.coef_ = self._weights.T
        # Same dtype on both sides, or scipy converts (copies) the whole matrix per call.
        features = tfidf.transform(list(texts)).astype(np.float32)
        scores = np.asarray(features @ self._weights, dtype=np.float64) + clf.intercept_
        probabilities = 1.0 / (1.0 + np.exp(-scores))
        if probabilities.shape[1] == 1:  # two categories: one column, the second class's odds
            probabilities = np.hstack([1.0 - probabilities, probabilities])
        normalised: np.ndarray[Any, Any] = probabilities / probabilities.sum(axis=1, keepdims=True)
        return normalised

    def _distribution(
        self, text: str, p: np.ndarray[Any, Any] | None = None
    ) -> np.ndarray[Any, Any]:
        """Return the unit-length category distribution of `text` (from its probabilities `p`
        when known); open cases' texts and the report just suggested for recur, so they are
        remembered (a bounded cache)."""
        found = self._distributions.get(text)
        if found is None:
            p = self._proba([text])[0] if p is None else p
            norm = float(np.linalg.norm(p))
            found = p / norm if norm else p
            if len(self._distributions) >= 4096:
                self._distributions.clear()
            self._distributions[text] = found
        return found

    @property
    def codes(self) -> list[str]:
        """Return the category codes the model knows."""
        return [] if self._pipeline is None else [str(c) for c in self._pipeline.classes_]

    def fit(self, examples: Iterable[Example], *, weights: Sequence[float] = ()) -> Triage:
        """Train on (text, category code) pairs (optionally weighted); return self."""
        given = list(examples)
        weight = list(weights) or [1.0] * len(given)
        kept = [(t.strip(), c, w) for (t, c), w in zip(given, weight, strict=True) if t.strip()]
        pairs = [(t, c) for t, c, _ in kept]
        if len({c for _, c in pairs}) < 2:
            raise ValidationFailed(
                "triage needs examples of at least two categories", code="too_few_examples"
            )
        # Character n-grams carry spelling variants and any script; word features carry what a
        # word means as a whole ("bin" is not "bins' cabinet"), and for Chinese the 2- and
        # 3-character words (no tokeniser needed).
        features = FeatureUnion(
            [
                (
                    "chars",
                    TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True),
                ),
                ("words", TfidfVectorizer(analyzer=words, sublinear_tf=True)),
            ]
        )
        pipeline = Pipeline(
            [
                ("tfidf", features),
                (
                    "clf",
                    SGDClassifier(
                        loss="log_loss", alpha=1e-5, max_iter=50, random_state=0, n_jobs=-1
                    ),
                ),
            ]
        )
        pipeline.fit(
            [t for t, _ in pairs], [c for _, c in pairs], clf__sample_weight=[w for *_, w in kept]
        )
        # Single precision halves the stored model (hundreds of categories × n-grams).
        clf = pipeline.named_steps["clf"]
        clf.coef_ = clf.coef_.astype(np.float32)
        self._pipeline = pipeline
        self._weights, self._distributions = None, {}
        return self

    def suggest(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """Return the `k` likeliest category codes for `text`, with confidences from 0 to 1."""
        if self._pipeline is None:
            raise ValidationFailed("the triage model is not trained", code="triage_untrained")
        probabilities = self._proba([text])[0]
        self._distribution(text, probabilities)  # duplicates of the report are looked for next
        top = np.argsort(-probabilities, kind="stable")[:k]
        classes = self._pipeline.classes_
        return [(str(classes[i]), round(float(probabilities[i]), 4)) for i in top]

    def similarities(self, text: str, others: Sequence[str]) -> list[float]:
        """Return how alike `text` is to each of `others` (0–1): the cosine of their category
        distributions (a `duplicates.Similarity`).

        Two reports of the same problem land on the same categories whatever their wording or
        language, while boilerplate ("near block 12", "tolong") shared by different problems
        does not count, as it would in raw n-gram overlap. Texts not remembered are read in one
        batch.
        """
        if self._pipeline is None:
            return text_similarities(text, others)
        wanted = list(dict.fromkeys([text, *others]))
        known = {t: self._distributions[t] for t in wanted if t in self._distributions}
        missing = [t for t in wanted if t not in known]
        if missing:
            for t, p in zip(missing, self._proba(missing), strict=True):
                known[t] = self._distribution(t, p)
        return [float(known[text] @ known[other]) for other in others]

    def save(self, path: Path) -> None:
        """Write the trained model to `path`."""
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self._pipeline, path)

    @classmethod
    def load(cls, path: Path) -> Triage:
        """Read a model written by `save`."""
        pipeline: Any = joblib.load(path)
        return cls(pipeline)

    def to_bytes(self) -> bytes:
        """Return the trained model serialised (to keep it in the database)."""
        out = io.BytesIO()
        joblib.dump(self._pipeline, out, compress=3)
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Triage:
        """Read a model written by `to_bytes` (only ever from our own database)."""
        pipeline: Any = joblib.load(io.BytesIO(data))
        return cls(pipeline)


@dataclass(frozen=True, slots=True)
class Serialised:
    """A fitted model as `Triage.to_bytes` gives it, and how many categories it knows."""

    data: bytes
    categories: int


def fit_serialised(pairs: list[Example], weights: list[float]) -> Serialised:
    """Fit a model on (text, category code) pairs and return it serialised (what a child
    process fitting for a server hands back: bytes, not hundreds of megabytes of objects)."""
    model = Triage().fit(pairs, weights=weights)
    return Serialised(model.to_bytes(), len(model.codes))


def catalogue_examples(entries: Iterable[CatalogueEntry]) -> list[Example]:
    """Return the training pairs a catalogue offers: its examples and the leaf categories' names."""
    pairs: list[Example] = []
    for e in entries:
        pairs.extend((text, e.code) for text in e.examples)
        if e.level == "minor":
            pairs.extend((name, e.code) for name in (e.name, e.name_zh) if name)
    return pairs


async def suggest_unit(
    session: AsyncSession, *, category_code: str, lon: float, lat: float
) -> OrgUnit | None:
    """Return the unit the routing table makes responsible for `category_code` at the point."""
    unit = await org_service.locate(session, lon, lat)
    if unit is None:
        return None
    return await org_service.route(session, category_code=category_code, unit=unit)
