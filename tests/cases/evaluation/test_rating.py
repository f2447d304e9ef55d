"""The reporter confirms or refuses a fix with the follow-up token, and rates the case once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from linli.core import clock as clock_mod

from ..conftest import JPEG, Staff, World


class Flow:
    """Reports through the public endpoint and moves the case with staff through the API."""

    def __init__(self, world: World, client: httpx.AsyncClient) -> None:
        self.world, self.client = world, client

    async def public_report(self, where: str, category: str) -> tuple[str, str]:
        lon, lat = self.world.at(where)
        resp = await self.client.post(
            "/api/public/reports",
            data={"text": "Rubbish by the lift", "lon": lon, "lat": lat, "category_code": category},
        )
        assert resp.status_code == 201, resp.text
        return resp.json()["token"], resp.json()["ref"]

    async def case_id(self, ref: str, who: Staff) -> str:
        resp = await self.client.get("/api/cases", params={"q": ref}, headers=who.headers)
        return str(resp.json()["items"][0]["id"])

    async def act(
        self, cid: str, action: str, who: Staff, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        resp = await self.client.post(f"/api/cases/{cid}/{action}", json=body, headers=who.headers)
        assert resp.status_code == 200, resp.text
        data: dict[str, Any] = resp.json()
        return data

    async def get(self, cid: str, who: Staff) -> dict[str, Any]:
        resp = await self.client.get(f"/api/cases/{cid}", headers=who.headers)
        assert resp.status_code == 200, resp.text
        data: dict[str, Any] = resp.json()
        return data


@pytest.fixture
def flow(world: World, client: httpx.AsyncClient) -> Flow:
    return Flow(world, client)


async def grid_case_handled(flow: Flow, operator: Staff, worker: Staff) -> tuple[str, str]:
    """Return the token and id of a resident's noise report in C11, handled by its grid."""
    token, ref = await flow.public_report("C11-G1", "public.order.noise")
    cid = await flow.case_id(ref, operator)
    await flow.act(cid, "register", operator)
    await flow.act(cid, "dispatch", operator)
    for action in ("accept", "start"):
        await flow.act(cid, action, worker)
    await flow.act(cid, "handle", worker, {"note": "asked them to turn it down"})
    return token, cid


async def test_in_a_town_the_reporters_confirmation_verifies_the_case(
    world: World, flow: Flow, client: httpx.AsyncClient
) -> None:
    officer = await world.staff("tc_officer", "department_staff", "T-TC")
    manager = await world.staff("tc_manager", "operator", "T")
    token, ref = await flow.public_report("Z1", "env.waste")
    cid = await flow.case_id(ref, manager)
    assert (await flow.get(cid, manager))["status"] == "dispatched"  # routed on arrival
    early = await client.post(f"/api/public/reports/{token}/confirm")
    assert early.status_code == 409 and early.json()["code"] == "illegal_transition"
    for action in ("accept", "start"):
        await flow.act(cid, action, officer)
    photo = await client.post(  # the town asks for the photo of the work at handle
        f"/api/cases/{cid}/attachments",
        files={"file": ("clean.jpg", JPEG, "image/jpeg")},
        headers=officer.headers,
    )
    assert photo.status_code == 201, photo.text
    await flow.act(cid, "handle", officer, {"note": "bags collected"})

    before = (await client.get(f"/api/public/reports/{token}/feedback")).json()
    assert (before["can_confirm"], before["can_refuse"], before["can_rate"]) == (True, True, True)
    confirmed = await client.post(f"/api/public/reports/{token}/confirm", json={"note": "clean"})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "verified"
    assert (confirmed.json()["can_confirm"], confirmed.json()["can_refuse"]) == (False, False)
    case = await flow.get(cid, manager)
    assert case["status"] == "verified"
    last = case["timeline"][-1]
    assert (last["action"], last["actor"], last["note"]) == ("verify", "reporter", "clean")
    again = await client.post(f"/api/public/reports/{token}/confirm")
    assert again.status_code == 409


async def test_in_a_grid_the_confirmation_is_a_note_and_staff_still_verify(
    world: World, flow: Flow, client: httpx.AsyncClient
) -> None:
    operator = await world.staff("op", "operator", "D")
    worker = await world.staff("gw", "grid_worker", "C11")
    inspector = await world.staff("insp", "inspector", "C11")
    token, cid = await grid_case_handled(flow, operator, worker)

    confirmed = await client.post(f"/api/public/reports/{token}/confirm")
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "handled" and confirmed.json()["confirmed"] is True
    assert confirmed.json()["can_confirm"] is False
    case = await flow.get(cid, operator)
    assert case["status"] == "handled"
    assert [(e["action"], e["actor"]) for e in case["timeline"][-2:]] == [
        ("handle", "staff:gw"),
        ("reporter_confirm", "reporter"),
    ]
    twice = await client.post(f"/api/public/reports/{token}/confirm")
    assert twice.status_code == 409 and twice.json()["code"] == "already_confirmed"
    page = await client.get(f"/cases/{cid}", headers=operator.headers)
    assert "Reporter confirmed the fix" in page.text
    verified = await flow.act(cid, "verify", inspector, {"passed": True})
    assert verified["status"] == "verified"


async def test_a_refusal_sends_the_case_back_to_work_with_the_reason(
    world: World, flow: Flow, client: httpx.AsyncClient
) -> None:
    operator = await world.staff("op", "operator", "D")
    worker = await world.staff("gw", "grid_worker", "C11")
    token, cid = await grid_case_handled(flow, operator, worker)

    blank = await client.post(f"/api/public/reports/{token}/refuse", json={"reason": "   "})
    assert blank.status_code == 422 and blank.json()["code"] == "reason_required"
    missing = await client.post(f"/api/public/reports/{token}/refuse", json={})
    assert missing.status_code == 422 and missing.json()["code"] == "validation_failed"
    assert (await flow.get(cid, operator))["status"] == "handled"  # nothing stored

    refused = await client.post(
        f"/api/public/reports/{token}/refuse", json={"reason": "still loud at 1 am"}
    )
    assert refused.status_code == 200, refused.text
    assert refused.json()["status"] == "in_progress" and refused.json()["can_confirm"] is False
    case = await flow.get(cid, operator)
    last = case["timeline"][-1]
    assert (last["action"], last["actor"], last["to_status"], last["note"]) == (
        "fail_verification",
        "reporter",
        "in_progress",
        "still loud at 1 am",
    )
    assert case["step"] == "handle"
    twice = await client.post(f"/api/public/reports/{token}/refuse", json={"reason": "again"})
    assert twice.status_code == 409 and twice.json()["code"] == "illegal_transition"

    # Handled again: the reporter may confirm this new fix.
    await flow.act(cid, "handle", worker, {"note": "speaker taken away"})
    feedback = (await client.get(f"/api/public/reports/{token}/feedback")).json()
    assert feedback["can_confirm"] is True and feedback["confirmed"] is False


async def test_a_reporter_rates_once_after_the_case_is_handled(
    world: World, flow: Flow, client: httpx.AsyncClient
) -> None:
    operator = await world.staff("op", "operator", "D")
    worker = await world.staff("gw", "grid_worker", "C11")
    token, ref = await flow.public_report("C11-G1", "public.order.noise")
    cid = await flow.case_id(ref, operator)

    early = await client.post(f"/api/public/reports/{token}/rating", json={"score": 4})
    assert early.status_code == 409 and early.json()["code"] == "not_rateable"
    await flow.act(cid, "register", operator)
    await flow.act(cid, "dispatch", operator)
    for action in ("accept", "start"):
        await flow.act(cid, action, worker)
    await flow.act(cid, "handle", worker, {"note": "done"})

    for score in (0, 6, 2.5, "five"):
        bad = await client.post(f"/api/public/reports/{token}/rating", json={"score": score})
        assert bad.status_code == 422, score
    long = await client.post(
        f"/api/public/reports/{token}/rating", json={"score": 4, "comment": "x" * 1001}
    )
    assert long.status_code == 422
    assert (await client.get(f"/api/cases/{cid}/ratings", headers=operator.headers)).json() == []

    rated = await client.post(
        f"/api/public/reports/{token}/rating", json={"score": 4, "comment": " Quick, polite. "}
    )
    assert rated.status_code == 201, rated.text
    assert rated.json()["score"] == 4 and rated.json()["comment"] == "Quick, polite."
    assert rated.json()["via"] == "token"
    twice = await client.post(f"/api/public/reports/{token}/rating", json={"score": 1})
    assert twice.status_code == 409 and twice.json()["code"] == "already_rated"

    feedback = (await client.get(f"/api/public/reports/{token}/feedback")).json()
    assert feedback["can_rate"] is False and feedback["rating"]["score"] == 4
    listed = (await client.get(f"/api/cases/{cid}/ratings", headers=operator.headers)).json()
    assert [(r["score"], r["comment"], r["via"]) for r in listed] == [
        (4, "Quick, polite.", "token")
    ]
    case = await flow.get(cid, operator)
    last = case["timeline"][-1]
    assert (last["action"], last["actor"], last["detail"]) == ("rate", "reporter", {"score": 4})
    page = await client.get(f"/cases/{cid}", headers=operator.headers)
    assert page.status_code == 200
    assert "Rated by the reporter" in page.text and "★★★★☆ Quick, polite." in page.text


async def test_a_staff_reporter_rates_the_case_they_reported(
    world: World, flow: Flow, client: httpx.AsyncClient
) -> None:
    operator = await world.staff("op", "operator", "D")
    worker = await world.staff("gw", "grid_worker", "C11")
    stranger = await world.staff("gw21", "grid_worker", "C21")
    case = await world.report(worker)
    cid = str(case.id)
    await flow.act(cid, "register", operator)
    await flow.act(cid, "dispatch", operator)
    for action in ("accept", "start"):
        await flow.act(cid, action, worker)
    await flow.act(cid, "handle", worker, {"note": "done"})

    not_theirs = await client.post(
        f"/api/cases/{cid}/rating", json={"score": 5}, headers=operator.headers
    )
    assert not_theirs.status_code == 403 and not_theirs.json()["code"] == "not_reporter"
    unseen = await client.post(
        f"/api/cases/{cid}/rating", json={"score": 5}, headers=stranger.headers
    )
    assert unseen.status_code == 404
    rated = await client.post(
        f"/api/cases/{cid}/rating", json={"score": 3, "comment": "slow"}, headers=worker.headers
    )
    assert rated.status_code == 201 and rated.json()["via"] == "staff"
    twice = await client.post(f"/api/cases/{cid}/rating", json={"score": 3}, headers=worker.headers)
    assert twice.status_code == 409
    timeline = (await flow.get(cid, operator))["timeline"]
    assert (timeline[-1]["action"], timeline[-1]["actor"]) == ("rate", "staff:gw")


async def test_unknown_tokens_are_not_found(world: World, client: httpx.AsyncClient) -> None:
    token = "lnr_no-such-token"
    for method, path, body in (
        ("GET", "feedback", None),
        ("POST", "confirm", None),
        ("POST", "refuse", {"reason": "broken"}),
        ("POST", "rating", {"score": 3}),
    ):
        resp = await client.request(method, f"/api/public/reports/{token}/{path}", json=body)
        assert resp.status_code == 404, path
        assert resp.json()["code"] == "report_not_found"


async def test_the_reporters_endpoints_are_rate_limited_per_address(
    world: World, client: httpx.AsyncClient, clock: clock_mod.ManualClock
) -> None:
    url = "/api/public/reports/lnr_guess/rating"
    for _ in range(10):
        assert (await client.post(url, json={"score": 3})).status_code == 404
    limited = await client.post(url, json={"score": 3})
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1
    clock.advance(timedelta(minutes=1))
    assert (await client.post(url, json={"score": 3})).status_code == 404
