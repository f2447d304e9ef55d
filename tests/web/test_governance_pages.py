"""The governance pages: intake form, triage queue, dispatch board, supervision."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from factories import tiny_png
from linli.cases import catalogue
from linli.cases import service as cases_service
from linli.cases.intake import service as intake_service
from linli.cases.intake.models import CaseReporter
from linli.cases.models import Attachment, Case
from linli.cases.triage.classifier import Triage
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.org import service as org_service
from linli.registry import service as registry_service
from linli.registry.schemas import BuildingCreate

MakeStaff = Callable[..., Awaitable[Any]]
SignIn = Callable[..., Awaitable[str]]
IN_GRID_A1 = (113.81, 22.51)
IN_COMMUNITY_B = (113.86, 22.51)


@pytest.fixture
def trained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Triage:
    """A triage model that knows waste from noise, in place of `linli cases retrain`'s."""
    model = Triage().fit(
        [(t, "public.noise") for t in ("loud music", "noisy party", "karaoke at night")]
        + [(t, "env.waste") for t in ("rubbish pile", "garbage bin overflowing", "trash bags")]
        + [(t, "traffic.parking") for t in ("car parked on the kerb", "blocked driveway")]
    )
    model.save(tmp_path / "triage.joblib")
    monkeypatch.setattr(intake_service, "TRIAGE_MODEL_PATH", tmp_path / "triage.joblib")
    return model


async def categories(site: Any) -> None:
    async with session_scope() as session:
        await cases_service.upsert_category(
            session,
            code="env.waste",
            name="Waste",
            name_zh="垃圾",
            priority=2,
            step_limits={"register": 60, "dispatch": 60, "accept": 120, "handle": 240},
        )
        await cases_service.upsert_category(session, code="public.noise", name="Noise")
        await cases_service.upsert_category(session, code="traffic.parking", name="Parking")
        await org_service.set_route(
            session, category_code="env.waste", scope=site.district, target=site.grid_a
        )


async def report(
    title: str, *, at: tuple[float, float] = IN_GRID_A1, category: str = "env.waste"
) -> uuid.UUID:
    async with session_scope() as session:
        case = await cases_service.report_case(
            session,
            actor="hotline",
            category_code=category,
            title=title,
            lon=at[0],
            lat=at[1],
            source="hotline",
        )
        return case.id


async def count(model: Any) -> int:
    async with session_scope() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def intake_form(**fields: str) -> dict[str, str]:
    base = {
        "source": "hotline",
        "text": "Garbage bin overflowing at block 12\nSmells bad since Monday.",
        "category_code": "env.waste",
        "lon": str(IN_GRID_A1[0]),
        "lat": str(IN_GRID_A1[1]),
        "caller_name": "Mr Chen",
        "caller_phone": "+86 138 0000 1234",
    }
    return {**base, **fields}


async def test_operator_files_a_hotline_report_with_a_photo_and_sees_it_queued(
    client: httpx.AsyncClient,
    site: Any,
    staff: MakeStaff,
    signed_in: SignIn,
    clock: ManualClock,
    trained: Triage,
) -> None:
    await categories(site)
    await staff("olivia", role="operator", unit=site.street)
    csrf = await signed_in("olivia", next_page="/intake")
    form = await client.get("/intake")
    assert 'action="/intake"' in form.text and 'hx-get="/intake/suggest"' in form.text
    assert '<option value="env.waste">Waste (env.waste)</option>' in form.text

    res = await client.post(
        "/intake",
        data={**intake_form(), "csrf_token": csrf},
        files={"photo": ("bin.png", tiny_png(), "image/png")},
    )
    assert res.status_code == 303, res.text
    case_path = res.headers["location"]
    assert re.fullmatch(r"/cases/[0-9a-f-]{36}", case_path)
    page = (await client.get(case_path)).text
    assert "Garbage bin overflowing at block 12" in page  # first line became the title
    assert "Hotline" in page and "Grid A1" in page
    async with session_scope() as session:
        case = (await session.scalars(select(Case))).one()
        reporter = (await session.scalars(select(CaseReporter))).one()
        photo = (await session.scalars(select(Attachment))).one()
    assert case.source == "hotline" and case.status == "reported"
    assert reporter.phone == "+86 138 0000 1234"  # kept (encrypted at rest) for the handlers
    assert photo.case_id == case.id and photo.uploaded_by == "staff:olivia"

    queue = await client.get("/triage")
    assert queue.status_code == 200
    card = queue.text.split(f'data-case-id="{case.id}"', 1)[1]
    assert "Garbage bin overflowing at block 12" in card
    assert re.search(r'class="suggested-category">\s*<span class="chip agrees">Waste', card)
    assert '<dd class="suggested-unit">Grid A1</dd>' in card
    assert '<form data-action="register"' in card


async def test_bad_intake_comes_back_with_the_reason_and_stores_nothing(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn, clock: ManualClock
) -> None:
    await categories(site)
    await staff("olivia", role="operator", unit=site.street)
    csrf = await signed_in("olivia", next_page="/intake")
    cases = [
        ({"category_code": "no.such"}, "unknown_category"),
        ({"lon": "114.5", "lat": "23.9"}, "outside_boundaries"),
        ({"caller_phone": "call me maybe"}, "bad_contact"),
        ({"text": "   "}, "text_required"),
        ({"lon": "abc"}, "bad_coordinates"),
        ({"source": "resident"}, "unknown_source"),
    ]
    for fields, code in cases:
        res = await client.post("/intake", data={**intake_form(**fields), "csrf_token": csrf})
        assert res.status_code == 422, (fields, res.text[:300])
        assert f'data-code="{code}"' in res.text
        assert "Smells bad since Monday." in res.text or "text" in fields  # what was typed stays
    not_a_photo = await client.post(
        "/intake",
        data={**intake_form(), "csrf_token": csrf},
        files={"photo": ("x.png", b"not an image at all", "image/png")},
    )
    assert not_a_photo.status_code == 422 and 'data-code="not_an_image"' in not_a_photo.text
    assert await count(Case) == 0 and await count(CaseReporter) == 0
    # Without the CSRF token the form is refused outright.
    forged = await client.post("/intake", data=intake_form())
    assert forged.status_code == 403 and forged.json()["code"] == "csrf_failed"
    assert await count(Case) == 0


async def test_suggestions_while_typing_name_category_unit_and_duplicates(
    client: httpx.AsyncClient,
    site: Any,
    staff: MakeStaff,
    signed_in: SignIn,
    clock: ManualClock,
    trained: Triage,
) -> None:
    await categories(site)
    earlier = await report("Garbage bin overflowing near the market")
    await staff("olivia", role="operator", unit=site.street)
    await signed_in("olivia", next_page="/intake")
    lon, lat = IN_GRID_A1
    res = await client.get(
        "/intake/suggest", params={"text": "garbage bin overflowing", "lon": lon, "lat": lat}
    )
    assert res.status_code == 200
    html = res.text
    first = re.search(r'data-pick-category="([a-z.]+)"', html)
    assert first and first.group(1) == "env.waste"
    assert '<strong class="suggested-unit">Grid A1</strong>' in html
    assert f'href="/cases/{earlier}"' in html  # the open case nearby, same kind
    # Far away there is neither a unit nor a duplicate; without text, no suggestion at all.
    far = await client.get(
        "/intake/suggest",
        params={"text": "garbage bin overflowing", "lon": 113.86, "lat": 22.51},
    )
    assert str(earlier) not in far.text
    assert (await client.get("/intake/suggest", params={"text": ""})).text.strip() == ""


async def test_building_search_finds_buildings_in_the_callers_area_only(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn
) -> None:
    async with session_scope() as session:
        for code, name, at in (
            ("B-12", "Block 12 Haibin", IN_GRID_A1),
            ("B-77", "Block 77 Haibin", IN_COMMUNITY_B),
            ("B-5", "Sunrise Tower", (113.815, 22.515)),
        ):
            await registry_service.create_building(
                session,
                data=BuildingCreate(
                    code=code, name=name, address="Xixiang Road", lon=at[0], lat=at[1]
                ),
            )
    await staff("ann", role="operator", unit=site.community_a)
    await signed_in("ann", next_page="/intake")
    html = (await client.get("/intake/buildings", params={"q": "haibin"})).text
    assert "Block 12 Haibin" in html and f'data-lon="{IN_GRID_A1[0]}"' in html
    assert "Block 77" not in html  # community B is not Ann's
    assert "Sunrise Tower" not in html
    assert (
        "No building matches."
        in (await client.get("/intake/buildings", params={"q": "nothing like it"})).text
    )


async def test_triage_queue_rejects_a_duplicate_and_registers_the_rest(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn, clock: ManualClock
) -> None:
    await categories(site)
    original = await report("Rubbish bin overflowing at block 12")
    clock.advance(timedelta(minutes=20))
    repeat = await report("Bin overflowing at block 12 again")
    elsewhere = await report("Rubbish bin overflowing at block 77", at=IN_COMMUNITY_B)
    await staff("ann", role="operator", unit=site.community_a)
    csrf = await signed_in("ann", next_page="/triage")
    html = (await client.get("/triage")).text
    assert "2 reported cases waiting for registration" in html
    assert str(elsewhere) not in html  # community B's report is not Ann's to triage
    repeat_card = html.split(f'data-case-id="{repeat}"', 1)[1].split("</li>\n    <li", 1)[0]
    form = re.search(r'<form data-api="([^"]+)" class="button-row duplicate-form">', repeat_card)
    assert form and form.group(1) == f"/api/cases/{repeat}/reject"
    assert f'name="duplicate_of" value="{original}"' in repeat_card
    reason = re.search(r'name="reason" value="([^"]+)"', repeat_card)
    assert reason
    # What the form posts (governance.js sends its fields as JSON):
    res = await client.post(
        form.group(1),
        json={"duplicate_of": str(original), "reason": reason.group(1)},
        headers={"X-CSRF-Token": csrf},
    )
    assert res.status_code == 200, res.text
    assert res.json()["status"] == "rejected" and res.json()["duplicate_of_id"] == str(original)
    html = (await client.get("/triage")).text
    assert "1 reported case waiting for registration" in html
    assert str(repeat) not in html and str(original) in html


async def test_dispatch_board_columns_overdue_first_and_dispatch_to_a_department(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn, clock: ManualClock
) -> None:
    await categories(site)
    await staff("olivia", role="operator", unit=site.street)
    csrf = await signed_in("olivia", next_page="/dispatch")
    older = await report("Overflowing bin by the school")
    newer = await report("Overflowing bin by the park")
    for case_id in (older, newer):
        res = await client.post(f"/api/cases/{case_id}/register", headers={"X-CSRF-Token": csrf})
        assert res.status_code == 200
    async with session_scope() as session:
        clock.advance(timedelta(hours=3))  # past the one-hour dispatch limit
        await cases_service.escalate_overdue(session)
    html = (await client.get("/dispatch")).text
    column = html.split('data-column="to_dispatch"', 1)[1].split("</section>", 1)[0]
    assert column.count('class="board-card is-overdue"') == 2
    assert '<option value="' + str(site.department.id) + '">Sanitation</option>' in column
    assert '<option value="' + str(site.grid_a.id) + '">Grid A1</option>' in column
    assert f'<form data-api="/api/cases/{older}/dispatch"' in column

    res = await client.post(
        f"/api/cases/{older}/dispatch",
        json={"unit_id": str(site.department.id), "note": "Sanitation truck needed"},
        headers={"X-CSRF-Token": csrf},
    )
    assert res.status_code == 200, res.text
    html = (await client.get("/dispatch")).text
    dispatched = html.split('data-column="dispatched"', 1)[1].split("</section>", 1)[0]
    assert (
        str(older) in dispatched and '<span class="assigned-unit">Sanitation</span>' in dispatched
    )
    to_dispatch = html.split('data-column="to_dispatch"', 1)[1].split("</section>", 1)[0]
    assert str(newer) in to_dispatch and str(older) not in to_dispatch


async def test_supervision_counts_per_unit_and_lists_the_overdue(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn, clock: ManualClock
) -> None:
    await categories(site)
    late = await report("Overflowing bin by the school")
    await report("Noise at night", category="public.noise", at=IN_COMMUNITY_B)
    async with session_scope() as session:
        clock.advance(timedelta(hours=2))  # past the one-hour register limit of waste
        await cases_service.escalate_overdue(session)
    await staff("olivia", role="operator", unit=site.street)
    await signed_in("olivia", next_page="/supervision")
    html = (await client.get("/supervision")).text
    assert "Supervision: Xixiang" in html
    row_a = html.split('data-unit="comm-a"', 1)[1].split("</tr>", 1)[0]
    row_b = html.split('data-unit="comm-b"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="num open">1</td>' in row_a and '<td class="num overdue">1</td>' in row_a
    assert '<td class="num open">1</td>' in row_b and '<td class="num overdue">0</td>' in row_b
    ledger = html.split('id="ledger-title"', 1)[1]
    assert f'href="/cases/{late}"' in ledger
    # Drill down into community A; the district above Olivia's street is not hers to see.
    down = await client.get(f"/supervision?unit={site.community_a.id}")
    assert "Supervision: Community A" in down.text and 'data-unit="grid-a1"' in down.text
    assert f'href="/supervision?unit={site.street.id}"' in down.text
    assert (await client.get(f"/supervision?unit={site.district.id}")).status_code == 404


async def test_pages_need_their_rights(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn
) -> None:
    await staff("dora", role="department_staff", unit=site.department)
    await signed_in("dora", next_page="/workbench")
    for path in ("/intake", "/triage", "/dispatch", "/supervision"):
        res = await client.get(path)
        assert res.status_code == 403, path
    nav = (await client.get("/workbench")).text
    assert 'href="/dispatch"' not in nav and 'href="/intake"' not in nav
    client.cookies.clear()
    res = await client.get("/dispatch")
    assert res.status_code == 303 and res.headers["location"] == "/login?next=/dispatch"


async def test_triage_queue_confirms_or_overrides_the_category(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn, clock: ManualClock
) -> None:
    await categories(site)
    case_id = await report("Karaoke until 2 am in block 12")  # filed as waste by mistake
    await staff("ann", role="operator", unit=site.community_a)
    csrf = await signed_in("ann", next_page="/triage")
    html = (await client.get("/triage")).text
    card = html.split(f'data-case-id="{case_id}"', 1)[1]
    form = re.search(r'<form data-api="([^"]+)" class="button-row category-form">', card)
    assert form and form.group(1) == f"/api/cases/{case_id}/triage"
    assert '<option value="public.noise">Noise</option>' in card
    res = await client.post(
        form.group(1), json={"category_code": "public.noise"}, headers={"X-CSRF-Token": csrf}
    )
    assert res.status_code == 200, res.text
    card = (await client.get("/triage")).text.split(f'data-case-id="{case_id}"', 1)[1]
    assert '<dd class="current-category">Noise</dd>' in card
    bad = await client.post(
        form.group(1), json={"category_code": "no.such"}, headers={"X-CSRF-Token": csrf}
    )
    assert bad.status_code == 422 and bad.json()["code"] == "unknown_category"


async def test_dispatch_board_offers_people_arbitration_and_reassignment(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn, clock: ManualClock
) -> None:
    await categories(site)
    grace = await staff("grace", role="grid_worker", unit=site.grid_a, display_name="Grace Lim")
    dora = await staff("dora", role="department_staff", unit=site.department)
    await staff("olivia", role="operator", unit=site.street)
    case_id = await report("Overflowing bin by the school")
    csrf = await signed_in("olivia", next_page="/dispatch")

    people = (await client.get("/dispatch/people", params={"unit_id": str(site.grid_a.id)})).text
    assert f'<option value="{grace.id}">Grace Lim · 0 open cases</option>' in people
    assert '<option value="auto">' in people
    nobody = (await client.get("/dispatch/people", params={"unit_id": "not-a-unit"})).text
    assert "Grace" not in nobody and '<option value="auto">' in nobody

    async def post(path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        res = await client.post(path, json=body, headers={"X-CSRF-Token": csrf})
        assert res.status_code == 200, res.text
        return res

    await post(f"/api/cases/{case_id}/register")
    await post(f"/api/cases/{case_id}/dispatch", {"unit_id": str(site.department.id)})
    client.cookies.clear()
    dora_csrf = await signed_in("dora", next_page="/workbench")
    res = await client.post(
        f"/api/cases/{case_id}/return",
        json={"reason": "Bins in the grid are the grid's job"},
        headers={"X-CSRF-Token": dora_csrf},
    )
    assert res.status_code == 200, res.text
    client.cookies.clear()
    csrf = await signed_in("olivia", next_page="/dispatch")
    board = (await client.get("/dispatch")).text
    card = board.split(f'data-case-id="{case_id}"', 1)[1].split("</li>", 1)[0]
    assert 'data-status="returned"' in board
    assert f'<form data-api="/api/cases/{case_id}/arbitrate"' in card
    assert "Returned 1 time: rule who is responsible." in card
    assert "Dispatch again to" in card

    await post(
        f"/api/cases/{case_id}/arbitrate",
        {"unit_id": str(site.grid_a.id), "reason": "Street rules: the grid keeps it"},
    )
    board = (await client.get("/dispatch")).text
    card = board.split(f'data-case-id="{case_id}"', 1)[1].split("</li>", 1)[0]
    assert 'data-status="dispatched"' in card
    assert f'<form data-api="/api/cases/{case_id}/assign"' in card
    assert f'<option value="{grace.id}">Grace Lim' in card  # the grid's people to hand it to
    assert str(dora.id) not in card


async def test_supervision_takes_the_units_explanation_of_a_missed_deadline(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn, clock: ManualClock
) -> None:
    await categories(site)
    case_id = await report("Overflowing bin by the school")
    async with session_scope() as session:
        clock.advance(timedelta(hours=2))
        await cases_service.escalate_overdue(session)
    await staff("olivia", role="operator", unit=site.street)
    csrf = await signed_in("olivia", next_page="/supervision")
    html = (await client.get(f"/supervision?unit={site.community_a.id}")).text
    ledger = html.split('id="ledger-title"', 1)[1]
    form = re.search(r'<form data-api="([^"]+)" class="button-row explain-form">', ledger)
    assert form and form.group(1) == f"/api/cases/{case_id}/overdue/explain"
    late = html.split('id="late-title"', 1)[1].split("</section>", 1)[0]
    assert "<em>none given</em>" in late
    res = await client.post(
        form.group(1),
        json={"explanation": "The hotline log was down all morning"},
        headers={"X-CSRF-Token": csrf},
    )
    assert res.status_code == 200, res.text
    html = (await client.get(f"/supervision?unit={site.community_a.id}")).text
    assert "explain-form" not in html
    assert "The hotline log was down all morning" in html.split('id="late-title"', 1)[1]


async def test_triage_queue_pages_with_next_and_first_links_and_a_capped_count(
    client: httpx.AsyncClient,
    site: Any,
    staff: MakeStaff,
    signed_in: SignIn,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from linli.core import pagination
    from linli.web import intake_pages

    await categories(site)
    made = []
    for n in range(3):
        made.append(await report(f"Rubbish pile number {n}", category="public.noise"))
        clock.advance(timedelta(minutes=1))
    await staff("ann", role="operator", unit=site.community_a)
    await signed_in("ann", next_page="/triage")
    monkeypatch.setattr(intake_pages, "QUEUE_LIMIT", 2)

    first = (await client.get("/triage")).text
    assert "3 reported cases waiting for registration" in first
    cards = re.compile(r'<li class="work-card triage-card" data-case-id="([^"]+)"')
    assert cards.findall(first) == [str(made[2]), str(made[1])]  # newest first
    assert 'rel="first"' not in first
    following = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', first)
    assert following and following.group(1).startswith("/triage?cursor=")
    second = (await client.get(following.group(1).replace("&amp;", "&"))).text
    assert cards.findall(second) == [str(made[0])]
    assert 'rel="next"' not in second and '<a href="/triage" rel="first">First page</a>' in second
    assert 'data-refresh="/triage?cursor=' in second  # acting on a card reloads the same page

    monkeypatch.setattr(pagination, "COUNT_CAP", 2)
    assert "2+ reported cases waiting for registration" in (await client.get("/triage")).text
    forged = await client.get("/triage", params={"cursor": "forged"})
    assert forged.status_code == 422


@pytest.fixture
def sensed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Triage:
    """A triage model that knows haze, construction noise and low water pressure."""
    model = Triage().fit(
        [(t, "env.haze") for t in ("haze and smoke in the air", "PM2.5 high", "smoky air")]
        + [(t, "env.noise_construction") for t in ("drilling at night", "piling noise", "works")]
        + [(t, "water.low_pressure") for t in ("low water pressure", "weak tap", "no pressure")]
    )
    model.save(tmp_path / "triage.joblib")
    monkeypatch.setattr(intake_service, "TRIAGE_MODEL_PATH", tmp_path / "triage.joblib")
    return model


async def test_triage_queue_suggests_and_pairs_only_where_it_helps(
    client: httpx.AsyncClient,
    site: Any,
    staff: MakeStaff,
    signed_in: SignIn,
    clock: ManualClock,
    sensed: Triage,
) -> None:
    wanted = {"env", "env.haze", "env.noise_construction", "water", "water.low_pressure"}
    async with session_scope() as session:
        for entry in catalogue.read_catalogue():
            if entry.code in wanted:
                await catalogue.store_entry(session, entry)
    said = "Haze and smoke in the air, PM2.5 high"
    four_km_north = (IN_GRID_A1[0], IN_GRID_A1[1] + 4300 / 111_195)
    far_noise = await report(said, at=four_km_north, category="env.noise_construction")
    near_haze = await report(said, at=(113.8115, 22.5110), category="env.haze")
    clock.advance(timedelta(minutes=10))
    async with session_scope() as session:
        alarm = await cases_service.open_case_from_alarm(
            session,
            alarm_id=uuid.uuid4(),
            category_code="env.haze",
            unit=site.grid_a,
            title="PM2.5 over 75: haze and smoke in the air",
            description="AirQualityObserved AQ-01 pm25 = 96",
            lon=IN_GRID_A1[0],
            lat=IN_GRID_A1[1],
        )
    await staff("ann", role="operator", unit=site.community_a)
    await signed_in("ann", next_page="/triage")
    html = (await client.get("/triage")).text
    cards = {
        cid: html.split(f'data-case-id="{cid}"', 1)[1].split('<li class="work-card', 1)[0]
        for cid in (alarm.id, near_haze, far_noise)
    }
    # The sensor rule named the category: no text guesses on its case, and it says why.
    assert 'class="chip' not in cards[alarm.id]
    assert "Set by the alarm's rule" in cards[alarm.id]
    assert 'class="chip' in cards[near_haze]  # a hotline report still gets suggestions
    # Its possible duplicates: the haze report 150 m away, not a noise case 4.3 km away.
    assert f'href="/cases/{near_haze}"' in cards[alarm.id]
    assert f'href="/cases/{far_noise}"' not in cards[alarm.id]
