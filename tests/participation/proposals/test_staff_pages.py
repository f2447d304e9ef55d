"""Staff's proposals pages: the unanswered queue of their subtree, and the forms that answer,
hide comments and track the result, posting and coming back (no script needed)."""

from __future__ import annotations

import httpx

from linli.core.database import session_scope
from linli.participation.proposals import service

from .conftest import Scene


async def test_the_queue_answers_and_tracks_with_plain_forms(
    scene: Scene, client: httpx.AsyncClient
) -> None:
    made = await scene.propose(scene.resident(), title="Shade over the bus stop")
    elsewhere = await scene.propose(scene.resident("S2-C1-G1"), area="S2", title="Far idea")
    async with session_scope() as session:
        rude = await service.comment(session, scene.resident(), made.ref, body="Rubbish idea, Lee")
    h = scene.operator.headers
    queue = await client.get("/community/proposals", headers=h)
    assert queue.status_code == 200
    assert "Shade over the bus stop" in queue.text and "Far idea" not in queue.text
    page_url = f"/community/proposals/{made.id}"
    empty = await client.post(f"{page_url}/answer", data={"status": "accepted"}, headers=h)
    assert empty.status_code == 422 and "Please write the answer" in empty.text
    answered = await client.post(
        f"{page_url}/answer", data={"status": "accepted", "text": "Roof in May."}, headers=h
    )
    assert answered.status_code == 303 and answered.headers["location"] == page_url
    late = await client.post(
        f"{page_url}/answer", data={"status": "rejected", "text": "No"}, headers=h
    )
    assert late.status_code == 409 and "cannot become rejected" in late.text
    for url, data in (
        (f"{page_url}/result", {"percent": "55", "status_text": "Posts set"}),
        (f"{page_url}/milestones", {"title": "Roof fitted", "due_on": "2026-05-20"}),
        (f"{page_url}/cases", {"ref": (await scene.case()).ref}),
        (f"{page_url}/comments/{rude.id}/hide", {"reason": "Names a neighbour"}),
    ):
        done = await client.post(url, data=data, headers=h)
        assert done.status_code == 303, (url, done.text)
    shown = await client.get(page_url, headers=h)
    assert "Posts set" in shown.text and "Roof fitted" in shown.text
    assert "Hidden: Names a neighbour" in shown.text and 'value="55"' in shown.text
    unknown = await client.post(f"{page_url}/cases", data={"ref": "C-000000-999999"}, headers=h)
    assert unknown.status_code == 422 and "C-000000-999999" in unknown.text
    queue = await client.get("/community/proposals?status=accepted", headers=h)
    assert "Shade over the bus stop" in queue.text
    outside = await client.get(f"/community/proposals/{elsewhere.id}", headers=h)
    assert outside.status_code == 404
    reader = await client.post(
        f"/community/proposals/{elsewhere.id}/answer", data={"status": "accepted", "text": "x"},
        headers=scene.inspector.headers,
    )  # fmt: skip
    assert reader.status_code == 403
    signed_out = await client.get("/community/proposals")
    assert signed_out.status_code in (302, 303, 307)
