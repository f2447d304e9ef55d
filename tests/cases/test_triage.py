"""Triage: category suggestions from free text in four languages, and near-duplicates."""

from __future__ import annotations

import csv
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from linli.cases import catalogue, triage
from linli.cases.catalogue import CatalogueEntry
from linli.cases.triage import NewReport, Triage
from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.core.errors import ValidationFailed

from .conftest import World

HELD_OUT = catalogue.DEMO_CATALOGUE.parent / "triage_heldout.csv"


@pytest.fixture(scope="module")
def model() -> Triage:
    return Triage().fit(triage.catalogue_examples(catalogue.read_catalogue()))


def held_out() -> list[dict[str, str]]:
    with HELD_OUT.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_held_out_reports_are_not_training_examples() -> None:
    trained = {t for t, _ in triage.catalogue_examples(catalogue.read_catalogue())}
    rows = held_out()
    assert len(rows) >= 800
    assert not trained & {r["text"] for r in rows}


def test_suggests_the_right_category_in_each_language(model: Triage) -> None:
    hits: dict[str, list[bool]] = defaultdict(list)
    for row in held_out():
        if row["phrase"] == "seen":  # new sentences around the catalogue's wording
            hits[row["lang"]].append(model.suggest(row["text"], k=1)[0][0] == row["code"])
    assert set(hits) == {"en", "zh", "ms", "ta"}
    for lang, results in hits.items():
        assert sum(results) / len(results) >= 0.9, lang


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("电梯坏了三天了", "housing.lift_breakdown"),
        ("Lif rosak lagi di blok 5", "housing.lift_breakdown"),
        ("Rubbish bin overflowing at the bus stop", "sanitation.bin_overflow"),
        ("குப்பைத் தொட்டி நிரம்பியுள்ளது மீண்டும்", "sanitation.bin_overflow"),
        ("路灯不亮，晚上很黑", "facilities.streetlight_out"),
        ("Stray dogs chasing people at the park", "animals.stray_dog"),
    ],
)
def test_suggestions_are_ranked_with_confidences(model: Triage, text: str, code: str) -> None:
    suggestions = model.suggest(text, k=3)
    assert len(suggestions) == 3
    assert suggestions[0][0] == code
    confidences = [c for _, c in suggestions]
    assert confidences == sorted(confidences, reverse=True)
    assert 0 < confidences[-1] <= confidences[0] <= 1
    assert confidences[0] > 2 * confidences[1]


def test_a_saved_model_suggests_the_same(model: Triage, tmp_path: Path) -> None:
    path = tmp_path / "models" / "triage.joblib"
    model.save(path)
    loaded = Triage.load(path)
    assert loaded.codes == model.codes
    assert loaded.suggest("河道油污很严重") == model.suggest("河道油污很严重")


def test_training_needs_two_categories() -> None:
    with pytest.raises(ValidationFailed):
        Triage().fit([("Loud music", "public.order.noise"), ("Karaoke", "public.order.noise")])
    with pytest.raises(ValidationFailed):
        Triage().suggest("anything")


# --- duplicates ---------------------------------------------------------------------------


@dataclass
class FakeCase:
    id: uuid.UUID
    category_code: str
    lon: float | None
    lat: float | None
    created_at: datetime
    title: str
    description: str = ""


def at(hours: float = 0) -> datetime:
    return datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + timedelta(hours=hours)


def report(text: str = "Rubbish bin overflowing at block 12", **kw: object) -> NewReport:
    values: dict[str, object] = {
        "category_code": "sanitation.bin_overflow",
        "lon": 103.9,
        "lat": 1.39,
        "at": at(),
        "text": text,
    }
    values.update(kw)
    return NewReport(**values)  # type: ignore[arg-type]


def bin_case(*, north_m: float = 0, hours_before: float = 1, **kw: object) -> FakeCase:
    values: dict[str, object] = {
        "category_code": "sanitation.bin_overflow",
        "lon": 103.9,
        "lat": 1.39 + north_m / 111_195,
        "created_at": at(-hours_before),
        "title": "Rubbish bin overflowing at blk 12",
        "id": uuid.uuid4(),
    }
    values.update(kw)
    return FakeCase(**values)  # type: ignore[arg-type]


def test_distance_is_in_metres() -> None:
    assert triage.distance_m(103.9, 1.39, 103.9, 1.39 + 1 / 111.195) == pytest.approx(1000, 0.01)


def test_a_nearby_recent_report_of_the_same_kind_is_offered() -> None:
    near, nearer = bin_case(north_m=40), bin_case(north_m=10, title="垃圾桶满了")
    found = triage.find_duplicates(report(), [near, nearer], radius_m=50, window_h=24)
    assert [d.case_id for d in found] == [near.id]
    assert found[0].distance_m == pytest.approx(40, abs=1)
    assert found[0].similarity > 0.5

    zh = triage.find_duplicates(report("12栋垃圾桶满了"), [nearer], radius_m=50, window_h=24)
    assert [d.case_id for d in zh] == [nearer.id]


@pytest.mark.parametrize(
    "case",
    [
        bin_case(north_m=80),  # beyond the radius
        bin_case(hours_before=30),  # older than the window
        bin_case(hours_before=-1),  # reported after the new one
        bin_case(category_code="sanitation.litter"),  # another kind
        bin_case(title="Ceiling leaking after heavy rain"),  # different text
        bin_case(lon=None, lat=None),  # no place
    ],
)
def test_cases_outside_radius_window_kind_or_text_are_refused(case: FakeCase) -> None:
    assert triage.find_duplicates(report(), [case], radius_m=50, window_h=24) == []


def test_the_models_text_space_tells_different_problems_apart(model: Triage) -> None:
    same = model.similarity("Rubbish bin overflowing at block 12", "Litter bin is full, blk 12")
    other = model.similarity(
        "Rubbish bin overflowing at block 12", "Street lamp broken at block 12"
    )
    assert same > triage.DUPLICATE_THRESHOLD > other
    case = bin_case(title="Litter bin is full, blk 12")
    found = triage.find_duplicates(
        report(), [case], radius_m=50, window_h=24, similarity=model.similarity
    )
    assert [d.case_id for d in found] == [case.id]


# --- with the database --------------------------------------------------------------------

ENTRIES = [
    CatalogueEntry(
        code="public.order.noise",
        name="Noise",
        examples=("Loud music after midnight", "邻居音乐太吵", "Jiran bising"),
    ),
    CatalogueEntry(
        code="env.waste",
        name="Waste",
        examples=("Rubbish bin overflowing", "垃圾桶满了", "Tong sampah penuh"),
    ),
    CatalogueEntry(code="env.air", name="Air", examples=("Black smoke", "工厂排放黑烟")),
]


async def test_retraining_learns_from_operators_decisions(
    world: World, clock: clock_mod.ManualClock, tmp_path: Path
) -> None:
    text = "Mahjong tiles clattering every evening"
    path = tmp_path / "triage.joblib"
    async with session_scope() as session:
        before, _ = await triage.retrain(session, entries=ENTRIES, path=path)
    assert before.suggest(text, k=1)[0][0] != "public.order.noise"

    for _ in range(3):
        await world.report(title=text)
    async with session_scope() as session:
        _, count = await triage.retrain(session, entries=ENTRIES, path=path)
    assert count == len(triage.catalogue_examples(ENTRIES)) + 3
    assert Triage.load(path).suggest(text, k=1)[0][0] == "public.order.noise"


async def test_responsible_unit_follows_the_routing_table(world: World) -> None:
    lon, lat = world.at("C11-G1")
    async with session_scope() as session:
        unit = await triage.suggest_unit(session, category_code="env.waste", lon=lon, lat=lat)
        nowhere = await triage.suggest_unit(session, category_code="env.waste", lon=0, lat=0)
    assert unit is not None and unit.code == "D-SAN"
    assert nowhere is None


async def test_open_cases_nearby_are_offered_for_joining(
    world: World, clock: clock_mod.ManualClock
) -> None:
    first = await world.report(title="Loud music after midnight at block 7")
    await world.report(where="C12-G1", title="Loud music after midnight at block 7")
    clock.advance(timedelta(hours=2))
    lon, lat = world.at("C11-G1")
    new = NewReport("public.order.noise", lon, lat, clock_mod.now(), "Loud music after midnight")
    async with session_scope() as session:
        found = await triage.duplicate_candidates(session, new, radius_m=100, window_h=6)
        other = NewReport("env.waste", lon, lat, clock_mod.now(), "Loud music after midnight")
        refused = await triage.duplicate_candidates(session, other, radius_m=100, window_h=6)
        clock.advance(timedelta(hours=5))
        late = NewReport("public.order.noise", lon, lat, clock_mod.now(), new.text)
        too_late = await triage.duplicate_candidates(session, late, radius_m=100, window_h=6)
    assert [d.case_id for d in found] == [first.id]
    assert refused == [] and too_late == []
