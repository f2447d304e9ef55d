"""Triage as a service: the model kept in the database, suggestions, and operators' decisions.

The fitted model is stored in `case_triage_model` (version, bytes), so every process of a
scale-out install uses the same one: a process loads the newest version at first use and again
whenever a newer one appears. Retraining learns from the catalogue's examples and from every
decision operators took in the triage queue (weighted above a single example, as a decision is
a verified label). An unchanged training set is not refitted.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.errors import CaseClosed
from linli.cases.events import append_event, snapshot
from linli.cases.models import TERMINAL, Case, Category
from linli.cases.service import (
    category_for,
    entry_of,
    find_case,
    list_categories,
    load_for,
)
from linli.cases.sla import service as sla_service
from linli.cases.triage import duplicates
from linli.cases.triage.classifier import Example, catalogue_examples, fit_serialised, language_of
from linli.cases.triage.classifier import Serialised as Serialised
from linli.cases.triage.classifier import Triage as Triage
from linli.cases.triage.duplicates import MODEL_DUPLICATE_THRESHOLD as MODEL_DUPLICATE_THRESHOLD
from linli.cases.triage.duplicates import candidates_for as candidates_for
from linli.cases.triage.duplicates import distance_m as distance_m
from linli.cases.triage.models import TriageDecision, TriageModel
from linli.core import apart, clock, events
from linli.core.errors import Forbidden, ValidationFailed
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.security import audit
from linli.security.permissions import Principal

DECISION_WEIGHT = 5.0
RETRAIN_SECONDS = 6 * 3600.0
MAX_DECISIONS = 20_000
# Stored model versions kept: the newest (in use) and the one before it.
KEEP_VERSIONS = 2

_cache: dict[str, Any] = {"id": None, "model": None}


# --- the stored model ---------------------------------------------------------------------


async def training_set(session: AsyncSession) -> tuple[list[Example], list[float]]:
    """Return the pairs the model learns from (catalogue examples, then decisions) and weights."""
    categories = list(await list_categories(session))
    pairs = catalogue_examples(entry_of(c) for c in categories)
    weights = [1.0] * len(pairs)
    leaves = {c.code for c in categories if c.level == "minor"}
    rows = await session.execute(
        select(TriageDecision.text, TriageDecision.chosen_code)
        .order_by(TriageDecision.at.desc(), TriageDecision.id)
        .limit(MAX_DECISIONS)
    )
    for text, code in rows:
        if code in leaves and text.strip():
            pairs.append((text, code))
            weights.append(DECISION_WEIGHT)
    return pairs, weights


def _fingerprint(pairs: Sequence[Example], weights: Sequence[float]) -> str:
    digest = hashlib.sha256()
    for (text, code), weight in zip(pairs, weights, strict=True):
        digest.update(f"{code}\x1f{weight}\x1f{text}\x1e".encode())
    return digest.hexdigest()


async def _newest(session: AsyncSession) -> tuple[uuid.UUID, int] | None:
    row = (
        await session.execute(
            select(TriageModel.id, TriageModel.version)
            .order_by(TriageModel.version.desc())
            .limit(1)
        )
    ).first()
    return (row[0], int(row[1])) if row is not None else None


async def newest_version(session: AsyncSession) -> int | None:
    """Return the version number of the newest stored model, or None."""
    newest = await _newest(session)
    return newest[1] if newest is not None else None


@dataclass(frozen=True, slots=True)
class TrainingSet:
    """What a model is fitted on, and its fingerprint."""

    pairs: list[Example]
    weights: list[float]
    fingerprint: str


async def changed_training_set(session: AsyncSession, *, force: bool = False) -> TrainingSet | None:
    """Return the training set, or None when it has not changed since the newest model (unless
    `force`)."""
    pairs, weights = await training_set(session)
    fingerprint = _fingerprint(pairs, weights)
    newest = await session.scalar(select(TriageModel).order_by(TriageModel.version.desc()).limit(1))
    if newest is not None and newest.fingerprint == fingerprint and not force:
        return None
    return TrainingSet(pairs, weights, fingerprint)


async def fit(training: TrainingSet) -> Triage:
    """Fit a model on a training set, off the event loop (it takes seconds)."""
    return await asyncio.to_thread(Triage().fit, training.pairs, weights=training.weights)


async def fit_apart(training: TrainingSet) -> Serialised:
    """Fit and serialise a model in a child process at the lowest CPU priority, as a serving
    process must: fitting takes minutes and every core on a small machine, serialising seconds
    of the interpreter, and the process's requests and the database would wait for both."""
    return await apart.run_apart(fit_serialised, training.pairs, training.weights)


async def retrain(session: AsyncSession, *, force: bool = False) -> TriageModel | None:
    """Fit a model on the catalogue and decisions and store it as the next version; return it,
    or None when the training set has not changed since the newest model (unless `force`).

    The session's transaction stays open while fitting; on SQLite that holds the write lock, so
    running processes use `retrain_task`, which fits between two units of work.
    """
    training = await changed_training_set(session, force=force)
    if training is None:
        return None
    return await store_model(session, training, await fit(training))


async def store_model(
    session: AsyncSession, training: TrainingSet, model: Triage | Serialised
) -> TriageModel:
    """Store a fitted model as the next version (keeping the newest `KEEP_VERSIONS`); one
    given serialised is loaded at its first use."""
    fitted = model if isinstance(model, Serialised) else Serialised(model.to_bytes(), 0)
    newest = await newest_version(session)
    record = TriageModel(
        version=(newest or 0) + 1,
        examples=len(training.pairs),
        categories=len(model.codes) if isinstance(model, Triage) else fitted.categories,
        fingerprint=training.fingerprint,
        data=fitted.data,
        created_at=clock.now(),
    )
    session.add(record)
    await session.flush()
    # A model is hundreds of megabytes with a full catalogue: keep the newest few, not all.
    await session.execute(
        delete(TriageModel).where(TriageModel.version <= record.version - KEEP_VERSIONS)
    )
    if isinstance(model, Triage):
        _cache.update(id=record.id, model=model)
    return record


async def current_model(session: AsyncSession) -> Triage | None:
    """Return the newest stored model (loaded once per version per process), or None."""
    newest = await _newest(session)
    if newest is None:
        forget_loaded_model()
        return None
    if _cache["id"] != newest[0]:
        data = await session.scalar(select(TriageModel.data).where(TriageModel.id == newest[0]))
        if data is None:
            return None
        # Hundreds of megabytes to unpickle: not on the event loop.
        _cache.update(id=newest[0], model=await asyncio.to_thread(Triage.from_bytes, data))
    model: Triage = _cache["model"]
    return model


def loaded_model() -> Triage | None:
    """Return the model this process loaded last (for callers without a session), or None."""
    model: Triage | None = _cache["model"]
    return model


def forget_loaded_model() -> None:
    """Drop the model this process holds (tests start from an empty database)."""
    _cache.update(id=None, model=None)


# --- suggestions --------------------------------------------------------------------------

# Sources whose cases come with the category a rule gave them (a sensor rule's, or a camera's
# event type's): reading their generated text for a category would only add noise.
RULE_SOURCES = frozenset({"alarm"})


def category_from_rule(case: Case) -> bool:
    """Return whether a rule gave the case its category, so text triage has nothing to add."""
    return case.source in RULE_SOURCES


@dataclass(frozen=True)
class CategorySuggestion:
    """A category triage proposes, how sure it is, and the unit that would handle it there."""

    category: Category
    confidence: float
    unit: OrgUnit | None = None


@dataclass(frozen=True)
class Suggestion:
    """What triage says of a draft report."""

    language: str
    categories: list[CategorySuggestion] = field(default_factory=list)
    duplicates: list[tuple[Case, duplicates.DuplicateCandidate]] = field(default_factory=list)


async def suggest_report(
    session: AsyncSession,
    *,
    text: str,
    lon: float | None = None,
    lat: float | None = None,
    k: int = 3,
    principal: Principal | None = None,
) -> Suggestion:
    """Suggest categories (with the responsible unit at the point) and open duplicates."""
    text = text.strip()
    if not text:
        raise ValidationFailed("say what the problem is", code="text_required")
    if (lon is None) != (lat is None):
        raise ValidationFailed("give both lon and lat, or neither", code="bad_coordinates")
    model = await current_model(session)
    if model is None:
        raise ValidationFailed(
            "no triage model yet; run `linli cases triage retrain`", code="triage_untrained"
        )
    categories = {c.code: c for c in await list_categories(session)}
    here = (
        await org_service.locate(session, lon, lat) if lon is not None and lat is not None else None
    )
    ranked: list[CategorySuggestion] = []
    for code, confidence in model.suggest(text, k=max(1, min(k, 10))):
        category = categories.get(code)
        if category is None:
            continue
        unit = None
        if here is not None:
            unit = await org_service.route(session, category_code=code, unit=here)
        ranked.append(CategorySuggestion(category, confidence, unit))
    found: list[tuple[Case, duplicates.DuplicateCandidate]] = []
    if ranked and lon is not None and lat is not None:
        for candidate in await duplicates.candidates_for(
            session,
            ranked[0].category,
            text=text,
            lon=lon,
            lat=lat,
            similarity=model.similarities,
            threshold=duplicates.MODEL_DUPLICATE_THRESHOLD,
            kinds=[c.category.code for c in ranked[1:]],
        ):
            case = await find_case(session, candidate.case_id)
            if case is None or (principal is not None and not _visible(principal, case)):
                continue
            found.append((case, candidate))
    return Suggestion(language_of(text), ranked, found)


def _visible(principal: Principal, case: Case) -> bool:
    return principal.can("cases:read", case.org_path) or principal.can(
        "cases:read", case.assigned_path
    )


async def predict(session: AsyncSession, text: str) -> tuple[str, float] | None:
    """Return the likeliest category of `text` and its confidence (None: no model yet)."""
    model = await current_model(session)
    return model.suggest(text, k=1)[0] if model is not None else None


# --- operators' decisions -----------------------------------------------------------------


async def confirm_triage(
    session: AsyncSession,
    case_id: uuid.UUID,
    *,
    principal: Principal,
    category_code: str,
    note: str | None = None,
) -> Case:
    """Confirm or override the category of a case: the case takes the category's priority and
    step limit (the running step keeps its start), the timeline says so, and the decision is
    kept for the model to learn from."""
    case = await load_for(session, case_id, principal, for_update=True)
    if not principal.can("cases:register", case.org_path):
        raise Forbidden("you may not triage cases here", code="forbidden_scope")
    if case.status in TERMINAL:
        raise CaseClosed(case.status)
    category = await category_for(session, category_code.strip(), case.org_path)
    if category.level != "minor":
        raise ValidationFailed(
            f"'{category.code}' is a group; choose one of its categories", code="category_is_group"
        )
    text = f"{case.title}\n{case.description}".strip()
    suggested = await predict(session, text)
    now = clock.now()
    previous = case.category_code
    case.category_code, case.priority, case.updated_at = category.code, category.priority, now
    detail: dict[str, Any] = {
        "from": previous,
        "to": category.code,
        "suggested": suggested[0] if suggested else None,
        "confidence": suggested[1] if suggested else None,
        "confirmed": previous == category.code,
    }
    if case.step is not None:
        # Recompute the running step's deadline from its start with the new category's limit.
        step_start = case.step_started_at or now
        case.step = None
        deadline = await sla_service.enter_step(session, case, category, now=step_start)
        case.step_started_at = step_start
        if deadline is not None:
            detail["deadline_set"] = deadline
    await append_event(
        session,
        case,
        at=now,
        actor=principal.actor,
        action="triage",
        from_status=case.status,
        to_status=case.status,
        note=note.strip() if note and note.strip() else None,
        evidence=[],
        detail=detail,
    )
    session.add(
        TriageDecision(
            case_id=case.id,
            text=text,
            language=language_of(text),
            suggested_code=suggested[0] if suggested else None,
            chosen_code=category.code,
            actor=principal.actor,
            at=now,
        )
    )
    await audit.record(
        session,
        actor=principal.actor,
        action="case.triage",
        target_type="case",
        target_id=str(case.id),
        org_path=case.org_path,
        detail={"ref": case.ref, "from": previous, "to": category.code},
    )
    events.record(session, snapshot(case, action="triage"))
    await session.flush()
    return case


async def retrain_task(*, force: bool = False) -> int | None:
    """Retrain when decisions or the catalogue changed (or `force`); return the new model's
    version (None: nothing changed, or no categories to learn yet).

    The training set is read in one unit of work and the model stored in another; no
    transaction is open while fitting, which takes tens of seconds with the shipped catalogue
    (on SQLite an open transaction would hold every writer back), in a child process at the
    lowest CPU priority (`fit_apart`), so the server's requests and database keep the cores.
    """
    from linli.core.database import session_scope

    async with session_scope() as session:
        leaves = [c for c in await list_categories(session) if c.level == "minor"]
        if len(leaves) < 2:
            return None
        training = await changed_training_set(session, force=force)
    if training is None:
        return None
    model = await fit_apart(training)
    async with session_scope() as session:
        return (await store_model(session, training, model)).version
