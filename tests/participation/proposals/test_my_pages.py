"""A resident's proposals pages: propose from a form, support and take it back, comment and
withdraw, each a plain form that posts and comes back; refusals in the resident's language."""

from __future__ import annotations

import httpx

from linli.residents.types import Level
from residents.helpers import sign_in_resident

from .conftest import Scene


async def test_a_resident_takes_part_with_plain_forms(
    scene: Scene, client: httpx.AsyncClient
) -> None:
    signed_out = await client.get("/my/proposals")
    assert signed_out.status_code in (302, 303, 307)
    assert signed_out.headers["location"].startswith("/my/sign-in")
    await sign_in_resident(
        client, level=Level.SIGNED_IN, org_unit=scene.tree.unit("S1-C1-G1"), locale="ms"
    )
    form = await client.get("/my/proposals")
    assert form.status_code == 200 and "Street 1" in form.text and "Street 2" not in form.text
    empty = await client.post("/my/proposals", data={"area_id": str(scene.tree.unit("S1").id)})
    assert empty.status_code == 422 and "Sila tulis tajuk" in empty.text
    made = await client.post(
        "/my/proposals",
        data={"area_id": str(scene.tree.unit("S1").id), "title": "Lampu di lorong",
              "body": "Lorong ke pasar gelap pada waktu malam."},
    )  # fmt: skip
    assert made.status_code == 303
    page_url = made.headers["location"]
    ref = page_url.rsplit("/", 1)[1]
    assert (await client.post(f"{page_url}/support")).status_code == 303
    shown = await client.get(page_url)
    assert "1 penyokong" in shown.text and 'id="unsupport-form"' in shown.text
    assert (await client.post(f"{page_url}/unsupport")).status_code == 303
    said = await client.post(f"{page_url}/comments", data={"body": "Setuju!"})
    assert said.status_code == 303
    assert (await client.post(f"{page_url}/withdraw")).status_code == 303
    shown = await client.get(page_url)
    assert "Setuju!" in shown.text and "0 penyokong" in shown.text
    late = await client.post(f"{page_url}/support")
    assert late.status_code == 409 and "tidak lagi menerima sokongan" in late.text
    public = await client.get(f"/proposals/{ref}")
    assert "Lampu di lorong" in public.text


async def test_a_resident_of_another_area_is_told_why_not(
    scene: Scene, client: httpx.AsyncClient
) -> None:
    made = await scene.propose(scene.resident())
    await sign_in_resident(client, level=Level.SIGNED_IN, org_unit=scene.tree.unit("S2-C1-G1"))
    page = await client.get(f"/my/proposals/{made.ref}")
    assert page.status_code == 200 and 'id="support-form"' not in page.text
    refused = await client.post(f"/my/proposals/{made.ref}/support")
    assert refused.status_code == 403 and "only for residents of its area" in refused.text
