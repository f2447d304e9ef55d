"""The proposals API and pages: public reads show only what is public, staff act in their
subtree, illegal transitions and bad input are clear 4xx answers."""

from __future__ import annotations

import httpx

from linli.core.database import session_scope
from linli.participation.proposals import service

from .conftest import Scene

SECRET = "Ms Lee of flat 3-12"


async def _accepted_with_everything(scene: Scene, client: httpx.AsyncClient) -> tuple[str, str]:
    author = scene.resident()
    made = await scene.propose(author)
    h = scene.operator.headers
    async with session_scope() as session:
        await service.support(session, scene.resident(), made.ref)
        rude = await service.comment(session, scene.resident(), made.ref, body=f"{SECRET} is rude")
        await service.comment(
            session, scene.resident(), made.ref, body="Good idea", display_name="Ah Hock"
        )
    hidden = await client.post(
        f"/api/proposals/{made.id}/comments/{rude.id}/hide", json={"reason": "Names a neighbour"},
        headers=h,
    )  # fmt: skip
    assert hidden.status_code == 200 and hidden.json()["body"] is None
    answered = await client.post(
        f"/api/proposals/{made.id}/answer",
        json={"status": "accepted", "text": "A bench will be installed in April."},
        headers=h,
    )
    assert answered.status_code == 201, answered.text
    progress = await client.put(
        f"/api/proposals/{made.id}/result", json={"percent": 30, "status_text": "Bench ordered"},
        headers=h,
    )  # fmt: skip
    assert progress.status_code == 200, progress.text
    milestone = await client.post(
        f"/api/proposals/{made.id}/milestones",
        json={"title": "Bench installed", "due_on": "2026-04-15"},
        headers=h,
    )
    assert milestone.status_code == 201
    public_case, internal_case = await scene.case(), await scene.case(source="hotline")
    for case in (public_case, internal_case):
        linked = await client.post(
            f"/api/proposals/{made.id}/cases", json={"ref": case.ref}, headers=h
        )
        assert linked.status_code == 201, linked.text
    return made.ref, internal_case.ref


async def test_the_public_reads_only_what_is_public(
    scene: Scene, client: httpx.AsyncClient
) -> None:
    ref, internal_ref = await _accepted_with_everything(scene, client)
    detail = await client.get(f"/api/public/proposals/{ref}")
    assert detail.status_code == 200
    body = detail.json()
    assert body["status"] == "accepted" and body["support_count"] == 1
    assert body["answers"][0]["text"] == "A bench will be installed in April."
    assert body["result"]["percent"] == 30
    assert [m["title"] for m in body["result"]["milestones"]] == ["Bench installed"]
    assert [c["status"] for c in body["result"]["cases"]] == ["reported"]
    comments = (await client.get(f"/api/public/proposals/{ref}/comments")).json()["items"]
    assert [(c["hidden"], c["body"], c["display_name"]) for c in comments] == [
        (True, None, None),
        (False, "Good idea", "Ah Hock"),
    ]
    page = await client.get(f"/proposals/{ref}")
    assert page.status_code == 200
    assert "Names a neighbour" in page.text and "Ah Hock" in page.text
    for text in (detail.text, page.text, str(comments)):
        for leak in (SECRET, internal_ref, "resident:", "staff:", "op1", "author_id", "actor"):
            assert leak not in text, leak
    listing = await client.get("/api/public/proposals", params={"status": "accepted"})
    assert [p["ref"] for p in listing.json()["items"]] == [ref]
    staff_id = (await client.get("/api/proposals", headers=scene.operator.headers)).json()
    staff_view = await client.get(
        f"/api/proposals/{staff_id['items'][0]['id']}", headers=scene.operator.headers
    )
    cases = staff_view.json()["result"]["cases"]
    assert [(c["public"], c["status"]) for c in cases] == [(True, "reported"), (False, None)]
    assert SECRET not in staff_view.text


async def test_lists_filter_by_state_and_area_a_page_at_a_time(
    scene: Scene, client: httpx.AsyncClient
) -> None:
    for i in range(3):
        await scene.propose(scene.resident("S1-C1-G1"), area="S1-C1", title=f"Idea {i}")
    other = await scene.propose(scene.resident("S2-C1-G1"), area="S2", title="Elsewhere")
    first = await client.get("/api/public/proposals", params={"limit": 2, "count": True})
    assert [p["title"] for p in first.json()["items"]] == ["Elsewhere", "Idea 2"]
    assert first.json()["total"] == 4
    rest = await client.get(
        "/api/public/proposals", params={"limit": 2, "cursor": first.json()["next"]}
    )
    assert [p["title"] for p in rest.json()["items"]] == ["Idea 1", "Idea 0"]
    s1 = scene.tree.unit("S1").id
    in_s1 = await client.get("/api/public/proposals", params={"area": str(s1)})
    assert "Elsewhere" not in in_s1.text and len(in_s1.json()["items"]) == 3
    page = await client.get("/proposals", params={"area": str(s1), "status": "not_answered"})
    assert page.status_code == 200 and "Idea 0" in page.text and other.ref not in page.text
    bad = await client.get("/api/public/proposals", params={"status": "approved"})
    assert bad.status_code == 422 and bad.json()["code"] == "bad_status"
    staff = await client.get("/api/proposals", headers=scene.other_operator.headers)
    assert [p["ref"] for p in staff.json()["items"]] == [other.ref]


async def test_illegal_transitions_and_bad_input_are_clear_answers(
    scene: Scene, client: httpx.AsyncClient
) -> None:
    made = await scene.propose(scene.resident())
    h = scene.operator.headers
    url = f"/api/proposals/{made.id}/answer"
    rejected = await client.post(url, json={"status": "rejected", "text": "No space"}, headers=h)
    assert rejected.status_code == 201
    again = await client.post(url, json={"status": "accepted", "text": "Yes after all"}, headers=h)
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"
    assert again.json()["detail"] == "a proposal that is rejected cannot become accepted"
    for body in ({"status": "withdrawn", "text": "x"}, {"status": "accepted", "text": ""}):
        bad = await client.post(url, json=body, headers=h)
        assert bad.status_code == 422, bad.text
    no_result = await client.put(
        f"/api/proposals/{made.id}/result", json={"percent": 10}, headers=h
    )
    assert no_result.status_code == 409 and no_result.json()["code"] == "no_result"
    elsewhere = await client.post(
        url, json={"status": "accepted", "text": "x"}, headers=scene.other_operator.headers
    )
    assert elsewhere.status_code == 404
    reader = await client.post(
        url, json={"status": "accepted", "text": "x"}, headers=scene.inspector.headers
    )
    assert reader.status_code == 403
    missing = await client.get("/proposals/P-000000-000000")
    assert missing.status_code == 404 and "Proposal not found" in missing.text
