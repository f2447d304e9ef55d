"""The case page and the workbench, driven the way the browser drives them."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from factories import tiny_png
from linli.cases import service as cases_service
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.org import service as org_service

MakeStaff = Callable[..., Awaitable[Any]]
SignIn = Callable[..., Awaitable[str]]


async def open_case(site: Any, *, title: str = "Overflowing bin at block 12") -> uuid.UUID:
    """Report a waste case in grid A1 (routed to the grid) and return its id."""
    async with session_scope() as session:
        await cases_service.upsert_category(
            session,
            code="env.waste",
            name="Waste",
            name_zh="垃圾",
            priority=2,
            step_limits={"register": 60, "dispatch": 60, "accept": 120, "handle": 240},
        )
        await org_service.set_route(
            session, category_code="env.waste", scope=site.district, target=site.grid_a
        )
        case = await cases_service.report_case(
            session,
            actor="hotline",
            category_code="env.waste",
            title=title,
            description="Reported by a resident on the hotline.",
            lon=113.81,
            lat=22.51,
            source="hotline",
        )
        return case.id


def forms_of(html: str) -> set[str]:
    """Return the actions offered on a page (the data-action of each form)."""
    return set(re.findall(r'<form data-action="([a-z_]+)"', html))


async def act(
    client: httpx.AsyncClient, csrf: str, case_id: uuid.UUID, action: str, **body: Any
) -> httpx.Response:
    res = await client.post(
        f"/api/cases/{case_id}/{action}", json=body or None, headers={"X-CSRF-Token": csrf}
    )
    assert res.status_code == 200, res.text
    return res


async def test_operator_sees_the_case_and_its_next_steps(
    client: httpx.AsyncClient,
    site: Any,
    staff: MakeStaff,
    signed_in: SignIn,
    clock: ManualClock,
) -> None:
    case_id = await open_case(site)
    await staff("olivia", role="operator", unit=site.street)
    csrf = await signed_in("olivia")
    page = await client.get(f"/cases/{case_id}")
    assert page.status_code == 200
    html = page.text
    assert "Overflowing bin at block 12" in html and "C-260302-" in html
    assert "Reported by a resident on the hotline." in html
    assert "Waste" in html and "Grid A1" in html
    assert 'class="badge status-reported"' in html
    assert forms_of(html) == {"register", "reject"}
    # The timeline is in the viewer's zone (the district works in Asia/Shanghai: 01:00 UTC).
    assert "Mar 2, 2026, 9:00:00\u202fAM" in html
    assert 'datetime="2026-03-02T01:00:00+00:00"' in html
    assert '<span class="actor">hotline</span>' in html

    await act(client, csrf, case_id, "register", note="Checked the photo from the resident")
    await act(client, csrf, case_id, "dispatch")
    html = (await client.get(f"/cases/{case_id}")).text
    assert 'class="badge status-dispatched"' in html
    assert "Checked the photo from the resident" in html
    assert re.search(r"Assigned to</dt><dd>Grid A1</dd>", html)
    assert 'class="case-deadline"><time' in html  # the accept step has a deadline
    assert forms_of(html) == set()  # an operator does not accept work


async def test_grid_worker_accepts_and_handles_with_a_photo(
    client: httpx.AsyncClient,
    site: Any,
    staff: MakeStaff,
    signed_in: SignIn,
    clock: ManualClock,
) -> None:
    case_id = await open_case(site)
    await staff("olivia", role="operator", unit=site.street)
    csrf = await signed_in("olivia")
    await act(client, csrf, case_id, "register")
    await act(client, csrf, case_id, "dispatch")
    client.cookies.clear()

    await staff("grace", role="grid_worker", unit=site.community_a, display_name="Grace Lim")
    csrf = await signed_in("grace", next_page="/workbench")
    bench = await client.get("/workbench")
    assert bench.status_code == 200
    assert "1 case waiting for you" in bench.text
    assert f'href="/cases/{case_id}"' in bench.text
    assert forms_of(bench.text) == {"accept", "return"}
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in bench.text

    await act(client, csrf, case_id, "accept")
    await act(client, csrf, case_id, "start")
    bench = await client.get("/workbench")
    assert forms_of(bench.text) == {"handle"}
    assert 'accept="image/*" capture="environment"' in bench.text
    assert 'type="checkbox" name="public"' in bench.text  # the note may be shown publicly

    upload = await client.post(
        f"/api/cases/{case_id}/attachments",
        files={"file": ("bin.png", tiny_png(), "image/png")},
        headers={"X-CSRF-Token": csrf},
    )
    assert upload.status_code == 201, upload.text
    photo_id = upload.json()["id"]
    await act(
        client,
        csrf,
        case_id,
        "handle",
        note="Bin emptied, area swept",
        evidence=[photo_id],
        public=True,
    )

    page = await client.get(f"/cases/{case_id}")
    html = page.text
    assert 'class="badge status-handled"' in html
    assert 'Bin emptied, area swept <span class="muted">· Public</span>' in html
    assert f'<img src="/api/cases/{case_id}/attachments/{photo_id}"' in html
    assert "Grace Lim" in html  # the handler
    # Steps are signed with the handler's name, their role and unit beside it, never a username.
    grace = (
        '<span class="actor">Grace Lim</span>'
        ' <span class="person-role">(Grid worker · Community A)</span>'
    )
    assert f'class="case-handler">{grace}</dd>' in html
    timeline = html[html.index('id="timeline"') : html.index("</ol>", html.index('id="timeline"'))]
    assert timeline.count(grace) == 3  # accept, start, handle
    assert "Olivia</span>" in timeline and "(Command-centre operator · Xixiang)" in timeline
    assert "grace" not in timeline and "olivia" not in timeline
    photo = await client.get(f"/api/cases/{case_id}/attachments/{photo_id}")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/png"
    # Handled work waits for verification: it has left the workbench.
    assert "0 cases waiting for you" in (await client.get("/workbench")).text


async def test_cases_of_another_community_stay_hidden(
    client: httpx.AsyncClient,
    site: Any,
    staff: MakeStaff,
    signed_in: SignIn,
    clock: ManualClock,
) -> None:
    case_id = await open_case(site)
    await staff("bob", role="grid_worker", unit=site.community_b)
    await signed_in("bob", next_page="/workbench")
    res = await client.get(f"/cases/{case_id}")
    assert res.status_code == 404
    bench = await client.get("/workbench")
    assert str(case_id) not in bench.text
    assert "Nothing to do right now" in bench.text


async def test_case_page_in_chinese(
    client: httpx.AsyncClient,
    site: Any,
    staff: MakeStaff,
    signed_in: SignIn,
    clock: ManualClock,
) -> None:
    case_id = await open_case(site)
    await staff("wang", role="operator", unit=site.district, locale="zh_Hans", display_name="王芳")
    csrf = await signed_in("wang")
    await act(client, csrf, case_id, "register")
    html = (await client.get(f"/cases/{case_id}")).text
    assert '<html lang="zh-Hans">' in html
    assert "时间线" in html and "已上报" in html
    assert "垃圾" in html  # the category's Chinese name
    assert "2026年3月2日 09:00:00" in html
    # Who registered it, by name, with their role and unit in Chinese; the top bar too.
    assert (
        '<span class="actor">王芳</span> <span class="person-role">（指挥中心值班员 · 宝安区）'
        in html
    )
    assert '<span class="user-role">· 指挥中心值班员</span>' in html


async def test_a_case_that_needs_a_photo_asks_for_it_at_handle_and_takes_one_at_close(
    client: httpx.AsyncClient,
    site: Any,
    staff: MakeStaff,
    signed_in: SignIn,
    clock: ManualClock,
) -> None:
    async with session_scope() as session:
        await cases_service.upsert_category(
            session, code="env.dust", name="Construction dust", requires_photo=True
        )
        await org_service.set_route(
            session, category_code="env.dust", scope=site.district, target=site.grid_a
        )
        case = await cases_service.report_case(
            session,
            actor="hotline",
            category_code="env.dust",
            title="Dust from the site at block 3",
            lon=113.81,
            lat=22.51,
            source="hotline",
        )
    case_id = case.id
    await staff("olivia", role="operator", unit=site.street)
    csrf = await signed_in("olivia")
    await act(client, csrf, case_id, "register")
    await act(client, csrf, case_id, "dispatch")
    client.cookies.clear()

    await staff("grace", role="grid_worker", unit=site.community_a)
    csrf = await signed_in("grace", next_page="/workbench")
    await act(client, csrf, case_id, "accept")
    await act(client, csrf, case_id, "start")
    bench = (await client.get("/workbench")).text
    # Said before anything is sent, and the photo input will not submit empty.
    assert "A photo of the work is needed." in bench
    assert re.search(
        rf'<input type="file" name="photo"[^>]* required aria-describedby="photo-needed-handle-'
        rf'{case_id}"',
        bench,
    )
    refused = await client.post(
        f"/api/cases/{case_id}/handle",
        json={"note": "Sprayed water"},
        headers={"X-CSRF-Token": csrf},
    )
    assert refused.status_code == 409 and refused.json()["code"] == "photo_required"
    upload = await client.post(
        f"/api/cases/{case_id}/attachments",
        files={"file": ("dust.png", tiny_png(), "image/png")},
        headers={"X-CSRF-Token": csrf},
    )
    assert upload.status_code == 201, upload.text
    # With a photo on the case, the form no longer insists.
    assert "A photo of the work is needed." not in (await client.get("/workbench")).text
    await act(client, csrf, case_id, "handle", note="Sprayed water", evidence=[upload.json()["id"]])
    client.cookies.clear()

    # The inspector verifies and closes; both forms take a photo of their own.
    await staff("ivy", role="inspector", unit=site.street)
    csrf = await signed_in("ivy")
    html = (await client.get(f"/cases/{case_id}")).text
    assert forms_of(html) == {"verify"}
    assert f'id="photo-verify-{case_id}"' in html
    await act(client, csrf, case_id, "verify", passed=True)
    html = (await client.get(f"/cases/{case_id}")).text
    assert forms_of(html) == {"close"}
    assert f'id="photo-close-{case_id}"' in html
    assert "A photo of the work is needed." not in html
    proof = await client.post(
        f"/api/cases/{case_id}/attachments",
        files={"file": ("after.png", tiny_png(), "image/png")},
        headers={"X-CSRF-Token": csrf},
    )
    assert proof.status_code == 201, proof.text
    closed = await act(client, csrf, case_id, "close", evidence=[proof.json()["id"]])
    assert closed.json()["status"] == "closed"
