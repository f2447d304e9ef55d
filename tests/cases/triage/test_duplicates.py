"""Near-duplicates: finding them, residents joining an open case ("me too"), operators merging
a duplicate case into the original."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select

from linli.cases import catalogue
from linli.cases import service as cases_service
from linli.cases.intake import service as intake_service
from linli.cases.intake.models import PublicReport
from linli.cases.models import Case
from linli.cases.triage import duplicates
from linli.cases.triage.classifier import Triage
from linli.cases.triage.duplicates import NewReport
from linli.core import clock as clock_mod
from linli.core.database import session_scope

from ..conftest import World


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    return out.getvalue()


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


def report(text: str = "Rubbish bin overflowing at block 12", **kw: Any) -> NewReport:
    values: dict[str, Any] = {
        "category_code": "sanitation.bin_overflow",
        "lon": 103.9,
        "lat": 1.39,
        "at": at(),
        "text": text,
    }
    return NewReport(**(values | kw))


def bin_case(*, north_m: float = 0, hours_before: float = 1, **kw: Any) -> FakeCase:
    values: dict[str, Any] = {
        "category_code": "sanitation.bin_overflow",
        "lon": 103.9,
        "lat": 1.39 + north_m / 111_195,
        "created_at": at(-hours_before),
        "title": "Rubbish bin overflowing at blk 12",
        "id": uuid.uuid4(),
    }
    return FakeCase(**(values | kw))


def test_distance_is_in_metres() -> None:
    assert duplicates.distance_m(103.9, 1.39, 103.9, 1.39 + 1 / 111.195) == pytest.approx(
        1000, 0.01
    )


def test_a_nearby_recent_report_of_the_same_kind_is_offered() -> None:
    near, nearer = bin_case(north_m=40), bin_case(north_m=10, title="垃圾桶满了")
    found = duplicates.find_duplicates(report(), [near, nearer], radius_m=50, window_h=24)
    assert [d.case_id for d in found] == [near.id]
    assert found[0].distance_m == pytest.approx(40, abs=1)
    assert found[0].similarity > 0.5

    zh = duplicates.find_duplicates(report("12栋垃圾桶满了"), [nearer], radius_m=50, window_h=24)
    assert [d.case_id for d in zh] == [nearer.id]


@pytest.mark.parametrize(
    "case",
    [
        bin_case(north_m=80),  # beyond the radius
        bin_case(hours_before=30),  # older than the window
        bin_case(hours_before=-1),  # reported after the new one
        bin_case(category_code="roads.pothole"),  # another group altogether
        bin_case(title="Ceiling leaking after heavy rain"),  # different text
        bin_case(lon=None, lat=None),  # no place
    ],
)
def test_cases_outside_radius_window_kind_or_text_are_refused(case: FakeCase) -> None:
    for group in (False, True):
        found = duplicates.find_duplicates(report(), [case], radius_m=50, window_h=24, group=group)
        assert found == []


def test_a_case_filed_under_a_sibling_category_is_found_across_the_group() -> None:
    # Triage (or a resident) picked a neighbouring leaf of the same major group.
    sibling = bin_case(category_code="sanitation.litter")
    assert duplicates.find_duplicates(report(), [sibling], radius_m=50, window_h=24) == []
    found = duplicates.find_duplicates(report(), [sibling], radius_m=50, window_h=24, group=True)
    assert [d.case_id for d in found] == [sibling.id]


def test_a_case_under_triages_second_guess_is_found_through_kinds() -> None:
    # The resident's words made triage rank "drain smell" first; an operator had filed the
    # same problem under the water group, which triage ranked second.
    filed = bin_case(category_code="water.drain_blocked", title="Drain choked and smelly at blk 12")
    smelly = report("Drain choked and smelly near blk 12", category_code="sanitation.drain_smell")
    kw: dict[str, Any] = {"radius_m": 50, "window_h": 24, "group": True}
    assert duplicates.find_duplicates(smelly, [filed], **kw) == []
    found = duplicates.find_duplicates(smelly, [filed], kinds=["water.drain_blocked"], **kw)
    assert [d.case_id for d in found] == [filed.id]
    # Other guesses widen the kinds, never the place or the time.
    far = bin_case(category_code="water.drain_blocked", north_m=80, title=filed.title)
    assert duplicates.find_duplicates(smelly, [far], kinds=["water.drain_blocked"], **kw) == []


def test_a_case_counts_only_within_its_own_categorys_radius_too() -> None:
    # Haze reaches across a town; noise does not: a noise case 4.3 km away is another problem.
    reach = {
        "env.haze": duplicates.Reach("env", 5000),
        "env.noise_construction": duplicates.Reach("env", 300),
    }
    haze = report("Smoky haze and noise from the works", category_code="env.haze")
    text = "Smoky haze and noise from the works nearby"
    far_noise = bin_case(category_code="env.noise_construction", north_m=4300, title=text)
    far_haze = bin_case(category_code="env.haze", north_m=4300, title=text)
    near_noise = bin_case(category_code="env.noise_construction", north_m=250, title=text)
    kw: dict[str, Any] = {"radius_m": 5000, "window_h": 24, "group": True, "reach": reach}
    found = duplicates.find_duplicates(haze, [far_noise, far_haze, near_noise], **kw)
    assert {d.case_id for d in found} == {far_haze.id, near_noise.id}


def test_the_family_is_the_catalogue_parent() -> None:
    # A major group may have a dotted code; its leaves are one family, its neighbours are not.
    reach = {
        "public.order.noise": duplicates.Reach("public.order", 100),
        "public.order.hawker": duplicates.Reach("public.order", 100),
        "public.parking.kerb": duplicates.Reach("public.parking", 100),
    }
    noise = report("Loud hawker shouting at block 12", category_code="public.order.noise")
    text = "Loud hawker shouting at blk 12"
    sibling = bin_case(category_code="public.order.hawker", title=text)
    other = bin_case(category_code="public.parking.kerb", title=text)
    kw: dict[str, Any] = {"radius_m": 100, "window_h": 24, "group": True, "reach": reach}
    found = duplicates.find_duplicates(noise, [sibling, other], **kw)
    assert [d.case_id for d in found] == [sibling.id]


async def test_stored_categories_give_each_case_its_own_reach(
    world: World, clock: clock_mod.ManualClock
) -> None:
    wanted = {"env", "env.haze", "env.noise_construction"}
    text = "Haze and noise from the construction site"
    async with session_scope() as session:
        for entry in catalogue.read_catalogue():
            if entry.code in wanted:
                await catalogue.store_entry(session, entry)
    far_noise = await world.report(where="C12-G1", category="env.noise_construction", title=text)
    far_haze = await world.report(where="C12-G1", category="env.haze", title=text)
    near_noise = await world.report(category="env.noise_construction", title=text)
    clock.advance(timedelta(hours=1))
    lon, lat = world.at("C11-G1")  # 4.4 km south of C12-G1's centre
    async with session_scope() as session:
        haze = await cases_service.get_category(session, "env.haze")
        found = await duplicates.candidates_for(session, haze, text=text, lon=lon, lat=lat)
    assert {d.case_id for d in found} == {far_haze.id, near_noise.id}
    assert far_noise.id not in {d.case_id for d in found}


async def test_open_cases_nearby_are_offered_for_joining(
    world: World, clock: clock_mod.ManualClock
) -> None:
    first = await world.report(title="Loud music after midnight at block 7")
    await world.report(where="C12-G1", title="Loud music after midnight at block 7")
    clock.advance(timedelta(hours=2))
    lon, lat = world.at("C11-G1")
    new = NewReport("public.order.noise", lon, lat, clock_mod.now(), "Loud music after midnight")
    async with session_scope() as session:
        found = await duplicates.duplicate_candidates(session, new, radius_m=100, window_h=6)
        other = NewReport("env.waste", lon, lat, clock_mod.now(), "Loud music after midnight")
        refused = await duplicates.duplicate_candidates(session, other, radius_m=100, window_h=6)
        clock.advance(timedelta(hours=5))
        late = NewReport("public.order.noise", lon, lat, clock_mod.now(), new.text)
        too_late = await duplicates.duplicate_candidates(session, late, radius_m=100, window_h=6)
    assert [d.case_id for d in found] == [first.id]
    assert refused == [] and too_late == []


# --- residents: "me too" ------------------------------------------------------------------


async def _public_report(
    client: httpx.AsyncClient, world: World, text: str = "Loud music after midnight at blk 7"
) -> dict[str, Any]:
    lon, lat = world.at("C11-G1")
    resp = await client.post(
        "/api/public/reports",
        data={"text": text, "category_code": "public.order.noise", "lon": lon, "lat": lat},
    )
    assert resp.status_code == 201, resp.text
    receipt: dict[str, Any] = resp.json()
    return receipt


async def _me_too(
    client: httpx.AsyncClient,
    ref: str,
    point: tuple[float, float],
    *,
    text: str = "Same here, loud music again tonight",
    key: str | None = None,
    photo: bytes | None = None,
) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    files = {"photo": ("p.png", photo, "image/png")} if photo else None
    return await client.post(
        f"/api/public/reports/{ref}/me-too",
        data={"text": text, "lon": point[0], "lat": point[1]},
        files=files,
        headers=headers,
    )


async def _cases() -> list[Case]:
    async with session_scope() as session:
        return list((await session.scalars(select(Case).order_by(Case.created_at))).all())


async def test_a_resident_finds_the_open_case_and_joins_it_instead_of_opening_another(
    world: World, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    first = await _public_report(client, world)
    clock.advance(timedelta(hours=1))
    lon, lat = world.at("C11-G1")

    similar = await client.post(
        "/api/public/reports/similar",
        data={
            "text": "Loud music after midnight again",
            "category_code": "public.order.noise",
            "lon": lon,
            "lat": lat + 0.0002,
        },
    )
    assert similar.status_code == 200, similar.text
    offered = similar.json()
    assert [s["ref"] for s in offered] == [first["ref"]]
    assert offered[0]["category_name"] == "Noise" and offered[0]["me_too_count"] == 0
    assert "title" not in offered[0]  # nothing a resident wrote is shown to others
    # The kind is named in the resident's language (the page sends its own).
    draft = {"text": "Loud music after midnight again", "lon": lon, "lat": lat + 0.0002}
    in_chinese = await client.post(
        "/api/public/reports/similar",
        data={**draft, "category_code": "public.order.noise", "lang": "zh_Hans"},
    )
    assert [s["category_name"] for s in in_chinese.json()] == ["噪音"]

    joined = await _me_too(client, first["ref"], (lon, lat + 0.0002), key="k-1", photo=png())
    assert joined.status_code == 201, joined.text
    receipt = joined.json()
    assert receipt["ref"] == first["ref"] and receipt["token"] != first["token"]
    cases = await _cases()
    assert len(cases) == 1 and cases[0].me_too_count == 1

    # The resident's token follows the joined case.
    follow = await client.get(f"/api/public/reports/{receipt['token']}")
    assert follow.status_code == 200 and follow.json()["ref"] == first["ref"]

    # Idempotency: the same request again gets the same receipt and counts nobody twice.
    again = await _me_too(client, first["ref"], (lon, lat + 0.0002), key="k-1", photo=png())
    assert again.status_code == 200 and again.json()["token"] == receipt["token"]
    assert again.json()["replayed"] is True
    other = await _me_too(client, first["ref"], (lon, lat), key="k-1", text="different")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    assert (await _cases())[0].me_too_count == 1

    admin = await world.staff("admin", "admin", "D")
    detail = (await client.get(f"/api/cases/{cases[0].id}", headers=admin.headers)).json()
    me_too = [e for e in detail["timeline"] if e["action"] == "me_too"]
    assert len(me_too) == 1 and me_too[0]["detail"]["me_too_count"] == 1
    assert len(detail["attachments"]) == 1


async def test_with_a_triage_model_a_resident_who_picked_a_near_category_is_still_offered_the_case(
    world: World,
    clock: clock_mod.ManualClock,
    client: httpx.AsyncClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = await _public_report(client, world)
    clock.advance(timedelta(hours=1))
    lon, lat = world.at("C11-G1")
    draft: dict[str, Any] = {"text": "Loud music after midnight again", "category_code": "env.air"}
    draft |= {"lon": lon, "lat": lat + 0.0002}
    # Without a model only the chosen category is searched: the noise case is not offered.
    assert (await client.post("/api/public/reports/similar", data=draft)).json() == []

    model = Triage().fit(
        [(t, "public.order.noise") for t in ("loud music", "noisy party", "karaoke at night")]
        + [(t, "env.air") for t in ("black smoke", "diesel fumes", "burning smell")]
        + [(t, "env.waste") for t in ("rubbish pile", "garbage dumped", "trash bags left")]
    )
    model.save(tmp_path / "triage.joblib")
    monkeypatch.setattr(intake_service, "TRIAGE_MODEL_PATH", tmp_path / "triage.joblib")
    similar = await client.post("/api/public/reports/similar", data=draft)
    assert similar.status_code == 200, similar.text
    assert [s["ref"] for s in similar.json()] == [first["ref"]]


async def test_joining_is_refused_far_away_too_late_or_on_a_closed_case(
    world: World, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    first = await _public_report(client, world)
    far = world.at("C12-G1")
    resp = await _me_too(client, first["ref"], far)
    assert resp.status_code == 422 and resp.json()["code"] == "not_a_duplicate"
    missing = await _me_too(client, "C-000000-000000", world.at("C11-G1"))
    assert missing.status_code == 404 and missing.json()["code"] == "case_not_open"
    bad = await client.post(
        f"/api/public/reports/{first['ref']}/me-too", data={"text": "", "lon": 1, "lat": 1}
    )
    assert bad.status_code == 422

    clock.advance(timedelta(days=3))  # far past the category's window
    late = await _me_too(client, first["ref"], world.at("C11-G1"))
    assert late.status_code == 422 and late.json()["code"] == "not_a_duplicate"
    async with session_scope() as session:
        assert await session.scalar(select(func.count()).select_from(PublicReport)) == 1
    assert (await _cases())[0].me_too_count == 0


async def test_merging_a_duplicate_moves_its_followers_to_the_original(
    world: World, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    original = await _public_report(client, world)
    clock.advance(timedelta(minutes=30))
    repeat = await _public_report(client, world, text="Music very loud, blk 7, after midnight")
    joined = await _me_too(client, repeat["ref"], world.at("C11-G1"))
    assert joined.status_code == 201
    first, second = await _cases()
    assert second.me_too_count == 1

    operator = await world.staff("op_c11", "operator", "C11")
    resp = await client.post(
        f"/api/cases/{second.id}/reject",
        json={"reason": "same as the earlier report", "duplicate_of": str(first.id)},
        headers=operator.headers,
    )
    assert resp.status_code == 200, resp.text

    for token in (repeat["token"], joined.json()["token"], original["token"]):
        follow = await client.get(f"/api/public/reports/{token}")
        assert follow.json()["ref"] == original["ref"]
        assert follow.json()["status"] == "reported"
    merged, rejected = await _cases()
    assert merged.me_too_count == 2  # the repeat's reporter and the one who had joined it
    assert rejected.status == "rejected" and rejected.duplicate_of_id == merged.id
