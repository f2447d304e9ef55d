"""Residents answer through the resident API and the no-JS form, signed in as residents."""

from __future__ import annotations

import re

from linli.residents.types import Level
from residents.helpers import sign_in_resident

from .conftest import Site


async def test_a_resident_answers_through_the_api(site: Site) -> None:
    survey = await site.published("S1-C1")
    ids = [q["id"] for q in survey["questions"]]
    actor = await sign_in_resident(
        site.client, level=Level.PHONE, org_unit=site.tree.unit("S1-C1-G1"), locale="zh_Hans"
    )
    listed = (await site.client.get("/api/my/surveys")).json()
    assert [s["id"] for s in listed["items"]] == [survey["id"]]
    assert listed["items"][0]["title"] == "Living in the estate（中文）"
    bad = await site.client.put(
        f"/api/my/surveys/{survey['id']}/response",
        json={
            "answers": [
                {"question_id": ids[0], "choices": ["bus"]},
                {"question_id": ids[2], "value": 9},
            ]
        },
    )
    assert bad.status_code == 422
    body = bad.json()
    assert (body["code"], body["question_id"], body["position"]) == ("out_of_scale", ids[2], 3)
    good = await site.client.put(
        f"/api/my/surveys/{survey['id']}/response",
        json={
            "answers": [
                {"question_id": ids[0], "choices": ["bus"]},
                {"question_id": ids[2], "value": 4},
            ]
        },
    )
    assert good.status_code == 200, good.text
    assert good.json()["answered"] is True and len(good.json()["answers"]) == 2
    results = await site.call("GET", f"/api/surveys/{survey['id']}/results")
    assert results["responses"] == 1
    assert str(actor.account_id) not in str(results)


async def test_the_form_works_without_javascript(site: Site) -> None:
    survey = await site.published("S1-C1")
    await sign_in_resident(site.client, level=Level.PHONE, org_unit=site.tree.unit("S1-C1-G1"))
    page = await site.client.get(f"/my/surveys/{survey['id']}")
    assert page.status_code == 200, page.text
    token = re.search(r'name="csrf_token" value="([^"]*)"', page.text)
    assert token
    wrong = await site.client.post(
        f"/my/surveys/{survey['id']}",
        data={"csrf_token": token.group(1), "q1": "bus", "q5": "Benches please"},
    )
    assert wrong.status_code == 422
    assert 'id="error-3"' in wrong.text and "Benches please" in wrong.text  # kept, not stored
    done = await site.client.post(
        f"/my/surveys/{survey['id']}",
        data={"csrf_token": token.group(1), "q1": "bus", "q2": ["gym", "clinic"], "q3": "5"},
    )
    assert done.status_code == 303
    again = await site.client.get(done.headers["location"])
    assert 'id="saved"' in again.text
    assert re.search(r'value="clinic" checked', again.text)
    results = await site.call("GET", f"/api/surveys/{survey['id']}/results")
    assert results["responses"] == 1 and results["questions"][2]["mean"] == 5


async def test_signed_out_browsers_go_to_sign_in(site: Site) -> None:
    survey = await site.published("S1-C1")
    resp = await site.client.get(f"/my/surveys/{survey['id']}")
    assert resp.status_code in (302, 303) and resp.headers["location"].startswith("/my/sign-in")
    api = await site.client.get("/api/my/surveys")
    assert api.status_code == 401
