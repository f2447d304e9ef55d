"""Triage: category suggestions in four languages, the model kept in the database, and
operators' decisions that the model learns from."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from linli.cases import catalogue
from linli.cases.catalogue import CatalogueEntry
from linli.cases.models import CaseEvent
from linli.cases.triage import classifier
from linli.cases.triage import service as triage_service
from linli.cases.triage.classifier import Triage
from linli.cases.triage.models import TriageDecision, TriageModel
from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.core.errors import ValidationFailed

from ..conftest import NOISE_LIMITS, World

HELD_OUT = catalogue.DEMO_CATALOGUE.parent / "triage_heldout.csv"


@pytest.fixture(scope="module")
def model() -> Triage:
    return Triage().fit(classifier.catalogue_examples(catalogue.read_catalogue()))


@pytest.fixture(autouse=True)
def _fresh_process() -> Iterator[None]:
    """Each test starts like a new process: no model loaded yet."""
    triage_service.forget_loaded_model()
    yield
    triage_service.forget_loaded_model()


def held_out() -> list[dict[str, str]]:
    with HELD_OUT.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_catalogue_wording_in_new_sentences_is_recognised_in_each_language(model: Triage) -> None:
    hits: dict[str, list[bool]] = defaultdict(list)
    for row in held_out():
        if row["phrase"] == "seen":  # the catalogue's wording, in sentences it never shows
            hits[row["lang"]].append(model.suggest(row["text"], k=1)[0][0] == row["code"])
    assert set(hits) == {"en", "zh", "ms", "ta"}
    for lang, results in hits.items():
        assert sum(results) / len(results) >= 0.9, lang


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("电梯坏了三天了", "housing.lift_breakdown"),
        ("Lif rosak lagi di blok 5", "housing.lift_breakdown"),
        ("Cars parked in the fire lane again, fire engine cannot get in", "fire.lane_blocked"),
        ("楼道里有人给电动车充电", "fire.ebike_charging_indoor"),
        ("Tong sampah penuh, tolong", "sanitation.bin_overflow"),
        ("புகார்: மின்தூக்கி பழுது", "housing.lift_breakdown"),
    ],
)
def test_suggestions_are_ranked_with_confidences(model: Triage, text: str, code: str) -> None:
    suggestions = model.suggest(text, k=3)
    assert len(suggestions) == 3
    assert suggestions[0][0] == code
    confidences = [c for _, c in suggestions]
    assert confidences == sorted(confidences, reverse=True)
    assert 0 < confidences[-1] <= confidences[0] <= 1


def test_word_features_ignore_numbers_and_split_chinese_into_words() -> None:
    assert classifier.words("Bin full at blk 123") == [
        *("bin", "full", "at", "blk"),
        *("bin full", "full at", "at blk"),
    ]
    assert {"垃圾", "垃圾桶", "满了"} <= set(classifier.words("12栋垃圾桶满了"))
    assert not [w for w in classifier.words("12栋垃圾桶满了") if any(c.isdigit() for c in w)]


def test_everyday_wording_of_a_concept_lands_on_its_category(model: Triage) -> None:
    # Synonyms residents use for the same thing, none of them a catalogue example verbatim.
    for text in ("The trash can downstairs is overflowing", "楼下垃圾桶满出来了"):
        assert model.suggest(text, k=1)[0][0] == "sanitation.bin_overflow", text


def test_a_model_stored_as_bytes_suggests_the_same(model: Triage) -> None:
    loaded = Triage.from_bytes(model.to_bytes())
    assert loaded.codes == model.codes
    assert loaded.suggest("河道油污很严重") == model.suggest("河道油污很严重")


def test_training_needs_two_categories() -> None:
    with pytest.raises(ValidationFailed):
        Triage().fit([("Loud music", "public.order.noise"), ("Karaoke", "public.order.noise")])
    with pytest.raises(ValidationFailed):
        Triage().suggest("anything")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("电梯坏了", "zh"),
        ("மின்தூக்கி பழுது", "ta"),
        ("Lif rosak di blok 5, tolong periksa", "ms"),
        ("The lift at block 5 is broken", "en"),
    ],
)
def test_the_language_of_a_report_is_guessed(text: str, language: str) -> None:
    assert classifier.language_of(text) == language


# --- the model in the database, decisions -------------------------------------------------

ENTRIES = [
    CatalogueEntry(
        code="public.order.noise",
        name="Noise",
        step_limits=NOISE_LIMITS,
        examples=("Loud music after midnight", "邻居音乐太吵", "Jiran bising", "karaoke too loud"),
    ),
    CatalogueEntry(
        code="env.waste",
        name="Waste",
        priority=2,
        step_limits={"register": 30, "dispatch": 30, "accept": 60, "handle": 240},
        examples=("Rubbish bin overflowing", "垃圾桶满了", "Tong sampah penuh", "garbage piled"),
    ),
    CatalogueEntry(
        code="env.air",
        name="Air",
        priority=1,
        step_limits={"register": 15, "dispatch": 15},
        required_evidence=("photo",),
        examples=("Black smoke from chimney", "工厂排放黑烟", "Asap hitam dari kilang"),
    ),
]


async def _catalogue() -> None:
    async with session_scope() as session:
        for entry in ENTRIES:
            await catalogue.store_entry(session, entry)


async def test_retraining_stores_a_new_version_only_when_something_changed(world: World) -> None:
    await _catalogue()
    async with session_scope() as session:
        first = await triage_service.retrain(session)
        again = await triage_service.retrain(session)
    assert first is not None and first.version == 1 and first.categories == 3
    assert again is None  # same catalogue, same decisions: no refit

    # Another process (nothing loaded yet) uses the stored model at first use.
    triage_service.forget_loaded_model()
    async with session_scope() as session:
        loaded = await triage_service.current_model(session)
    assert loaded is not None
    assert loaded.suggest("garbage bin overflowing", k=1)[0][0] == "env.waste"

    async with session_scope() as session:
        await catalogue.store_entry(
            session, CatalogueEntry(code="env.air", name="Air", examples=("Haze today",))
        )
    assert await triage_service.retrain_task() == 2
    async with session_scope() as session:
        count = await session.scalar(select(func.count()).select_from(TriageModel))
    assert count == 2

    # Every change stores a new version, but only the newest two are kept (each is large).
    async with session_scope() as session:
        await catalogue.store_entry(
            session, CatalogueEntry(code="env.air", name="Air", examples=("Smoky air",))
        )
    assert await triage_service.retrain_task() == 3
    async with session_scope() as session:
        versions = await session.scalars(select(TriageModel.version).order_by(TriageModel.version))
        assert list(versions) == [2, 3]


async def test_other_writers_go_on_while_the_running_server_fits_a_model(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fitting takes tens of seconds with the shipped catalogue; on SQLite an open transaction
    would hold every writer (ingest, reports) back that long."""
    await _catalogue()
    real_fit = triage_service.fit_apart
    written: list[str] = []

    async def fit_while_someone_writes(
        training: triage_service.TrainingSet,
    ) -> triage_service.Serialised:
        async with session_scope() as session:
            entry = CatalogueEntry(code="env.air", name="Air", examples=("Haze today",))
            await catalogue.store_entry(session, entry)
        written.append(entry.code)
        return await real_fit(training)

    monkeypatch.setattr(triage_service, "fit_apart", fit_while_someone_writes)
    assert await triage_service.retrain_task() == 1
    assert written == ["env.air"]


async def test_an_override_changes_the_case_and_a_later_suggestion_after_retraining(
    world: World, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    await _catalogue()
    async with session_scope() as session:
        await triage_service.retrain(session)
    operator = await world.staff("op_c11", "operator", "C11")
    text = "Mahjong tiles clattering every evening"
    async with session_scope() as session:
        before = await triage_service.predict(session, text + " at blk 5")
    assert before is not None
    chosen = next(e for e in ENTRIES if e.code != before[0] and e.code != "public.order.noise")
    case = await world.report(title=text)  # reported as noise
    deadline = case.step_deadline_at
    clock.advance(timedelta(minutes=5))

    resp = await client.post(
        f"/api/cases/{case.id}/triage",
        json={"category_code": chosen.code, "note": "it is not noise"},
        headers=operator.headers,
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["category_code"] == chosen.code and body["priority"] == chosen.priority
    assert body["step"] == "register" and body["status"] == "reported"
    assert deadline is not None and body["step_deadline_at"] is not None
    assert body["step_deadline_at"] != deadline.isoformat().replace("+00:00", "Z")
    async with session_scope() as session:
        event = (
            await session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq.desc())
            )
        ).first()
        decision = (await session.scalars(select(TriageDecision))).one()
    assert event is not None and event.action == "triage" and event.actor == "staff:op_c11"
    assert event.detail["from"] == "public.order.noise" and event.detail["to"] == chosen.code
    assert decision.chosen_code == chosen.code and decision.suggested_code == before[0]
    assert decision.language == "en" and decision.case_id == case.id

    async with session_scope() as session:
        await triage_service.retrain(session)
        after = await triage_service.predict(session, text + " at blk 5")
    assert after is not None and after[0] == chosen.code


async def test_the_step_deadline_follows_the_new_categorys_limit(
    world: World, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    await _catalogue()
    operator = await world.staff("op_c11", "operator", "C11")
    case = await world.report(title="Garbage everywhere")  # noise: 60 minutes to register
    assert case.step_started_at is not None and case.step_deadline_at is not None
    resp = await client.post(
        f"/api/cases/{case.id}/triage",
        json={"category_code": "env.waste"},  # 30 minutes to register
        headers=operator.headers,
    )
    assert resp.status_code == 200, resp.text
    async with session_scope() as session:
        from linli.cases.models import Case

        stored = await session.get(Case, case.id)
        assert stored is not None
        assert stored.step_started_at == case.step_started_at
        assert stored.step_deadline_at == case.step_started_at + timedelta(minutes=30)


async def test_bad_triage_decisions_are_refused_and_change_nothing(
    world: World, client: httpx.AsyncClient
) -> None:
    await _catalogue()
    async with session_scope() as session:
        await catalogue.store_entry(session, CatalogueEntry(code="env", name="Env", level="major"))
    operator = await world.staff("op_c11", "operator", "C11")
    stranger = await world.staff("op_c21", "operator", "C21")
    worker = await world.staff("gw_c11", "grid_worker", "C11")
    case = await world.report()
    url = f"/api/cases/{case.id}/triage"
    for who, body, status, code in (
        (operator, {"category_code": "env.nothing"}, 422, "unknown_category"),
        (operator, {"category_code": "env"}, 422, "category_is_group"),
        (operator, {}, 422, None),
        (stranger, {"category_code": "env.waste"}, 404, "case_not_found"),
        (worker, {"category_code": "env.waste"}, 403, None),
    ):
        resp = await client.post(url, json=body, headers=who.headers)
        assert resp.status_code == status, resp.text
        if code:
            assert resp.json()["code"] == code
    async with session_scope() as session:
        assert (await session.scalars(select(TriageDecision))).all() == []


async def test_suggest_names_category_unit_and_open_duplicates(
    world: World, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    await _catalogue()
    worker = await world.staff("gw_c11", "grid_worker", "C11")
    lon, lat = world.at("C11-G1")
    untrained = await client.post(
        "/api/triage/suggest", json={"text": "bin full"}, headers=worker.headers
    )
    assert untrained.status_code == 422 and untrained.json()["code"] == "triage_untrained"
    async with session_scope() as session:
        await triage_service.retrain(session)
    first = await world.report(category="env.waste", title="Rubbish bin overflowing at blk 12")
    await world.report(category="public.order.noise", title="Loud music after midnight")
    clock.advance(timedelta(hours=1))

    resp = await client.post(
        "/api/triage/suggest",
        json={"text": "The rubbish bin is overflowing again", "lon": lon, "lat": lat, "k": 2},
        headers=worker.headers,
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["language"] == "en"
    assert body["categories"][0]["code"] == "env.waste"
    assert len(body["categories"]) == 2
    assert body["categories"][0]["unit"]["code"] == "D-SAN"  # the routing table's choice
    assert 0 < body["categories"][0]["confidence"] <= 1
    assert [d["ref"] for d in body["duplicates"]] == [first.ref]

    for payload in ({"text": ""}, {"text": "x", "lon": 200, "lat": 1}, {"text": "x", "k": 0}):
        bad = await client.post("/api/triage/suggest", json=payload, headers=worker.headers)
        assert bad.status_code == 422
    half = await client.post(
        "/api/triage/suggest", json={"text": "bin full", "lon": lon}, headers=worker.headers
    )
    assert half.status_code == 422 and half.json()["code"] == "bad_coordinates"
    assert (await client.post("/api/triage/suggest", json={"text": "x"})).status_code == 401


async def test_the_catalogue_tree_is_readable_over_the_api(
    world: World, client: httpx.AsyncClient
) -> None:
    await _catalogue()
    worker = await world.staff("gw_c11", "grid_worker", "C11")
    resp = await client.get("/api/triage/catalogue", headers=worker.headers)
    assert resp.status_code == 200
    air = next(c for c in resp.json() if c["code"] == "env.air")
    assert air["required_evidence"] == ["photo"] and air["requires_photo"] is True
    assert air["level"] == "minor" and air["duplicate_radius_m"] == catalogue.DEFAULT_RADIUS_M


def test_a_catalogue_of_two_categories_tells_them_apart() -> None:
    examples = [
        ("Rubbish bin overflowing at the void deck", "sanitation.bin_overflow"),
        ("The bin is full again and smells", "sanitation.bin_overflow"),
        ("垃圾桶满了没人清理", "sanitation.bin_overflow"),
        ("Lift broken down at block 5", "housing.lift_breakdown"),
        ("The lift is stuck again, nobody can go up", "housing.lift_breakdown"),
        ("电梯坏了好几天", "housing.lift_breakdown"),
    ]
    model = classifier.Triage().fit(examples)
    assert model.suggest("the lift is broken", k=1)[0][0] == "housing.lift_breakdown"
    assert model.suggest("bin overflowing with rubbish", k=1)[0][0] == "sanitation.bin_overflow"
