"""Public views are projections: anonymous reads over every public surface show only what staff
made public, of cases public views may show, with rounded points and nothing personal."""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass
from xml.etree import ElementTree as ET

import httpx
from PIL import Image
from sqlalchemy import select

from linli.cases import service as cases
from linli.cases.models import Case, Category
from linli.core.database import session_scope
from linli.security.models import AuditEntry

from .conftest import PNG, Staff, World

V2 = "/open311/v2"
SECRET_NOTE = "Caller Alice Tan, flat 12-345, phone 9123 4567"
ALICE = {"reporter_name": "Alice Tan", "reporter_phone": "+65 9123 4567"}
PUBLIC_NOTE = "Spoke to the shop; the music stops at 22:00 from now on"
HIDDEN_TITLE = "Loud music after midnight, Hotline caller words"
PRIVATE_WORDS = ("Alice", "9123", "12-345", "staff:", "internal remark", "Hotline caller words")


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(out, "JPEG")
    return out.getvalue()


async def _categories() -> None:
    async with session_scope() as session:
        care = await cases.upsert_category(session, code="care.elderly", name="Elderly care")
        home = await cases.upsert_category(session, code="housing.renovation", name="Renovation")
        care.public, home.round_location_m = False, 50


async def _resident_report(
    client: httpx.AsyncClient, world: World, *, category: str, where: str = "C11-G1", **extra: str
) -> dict[str, str]:
    lon, lat = world.at(where)
    data = {"text": "Loud music after midnight", "category_code": category}
    data |= {"lon": str(lon + 0.0003), "lat": str(lat + 0.0002)} | extra
    resp = await client.post(
        "/api/public/reports", data=data, files={"photo": ("p.jpg", jpeg(), "image/jpeg")}
    )
    assert resp.status_code == 201, resp.text
    body: dict[str, str] = resp.json()
    return body


async def _case(ref: str) -> Case:
    async with session_scope() as session:
        return (await session.scalars(select(Case).where(Case.ref == ref))).one()


@dataclass
class Scene:
    admin: Staff
    public_ref: str
    public_token: str
    public_photo: uuid.UUID
    resident_photo: uuid.UUID
    hidden: dict[str, str]  # why → ref of a case public views must not show
    care_token: str
    rounded_ref: str


async def _scene(world: World, client: httpx.AsyncClient) -> Scene:
    await _categories()
    admin = await world.staff("admin", "admin", "D")
    h = admin.headers
    # A resident's case in a public category, handled with a public note and a public photo.
    resident = await _resident_report(client, world, category="public.order.noise", **ALICE)
    case = await _case(resident["ref"])
    cid = case.id
    ok = [
        await client.post(f"/api/cases/{cid}/register", json={"note": SECRET_NOTE}, headers=h),
        await client.post(f"/api/cases/{cid}/dispatch", json={}, headers=h),
        await client.post(f"/api/cases/{cid}/accept", json={"note": "internal remark"}, headers=h),
        await client.post(f"/api/cases/{cid}/start", json={}, headers=h),
    ]
    assert all(r.status_code == 200 for r in ok), [r.text for r in ok]
    staff_photo = await client.post(
        f"/api/cases/{cid}/attachments",
        files={"file": ("p.png", PNG, "image/png")},
        data={"public": "true"},
        headers=h,
    )
    assert staff_photo.status_code == 201 and staff_photo.json()["visibility"] == "public"
    handled = await client.post(
        f"/api/cases/{cid}/handle",
        json={"note": PUBLIC_NOTE, "evidence": [staff_photo.json()["id"]], "public": True},
        headers=h,
    )
    assert handled.status_code == 200, handled.text
    files = handled.json()["attachments"]
    resident_photo = next(a["id"] for a in files if a["uploaded_by"] == "public")

    hidden: dict[str, str] = {}
    for source in ("hotline", "alarm", "patrol", "staff"):
        made = await world.report(source=source, title=HIDDEN_TITLE)
        async with session_scope() as session:
            await cases.add_photo(session, made.id, principal=admin.principal, data=PNG)
        hidden[source] = made.ref
    care = await _resident_report(client, world, category="care.elderly", **ALICE)
    hidden["care"] = care["ref"]
    rounded = await _resident_report(client, world, category="housing.renovation")
    return Scene(
        admin,
        resident["ref"],
        resident["token"],
        uuid.UUID(staff_photo.json()["id"]),
        uuid.UUID(resident_photo),
        hidden,
        care["token"],
        rounded["ref"],
    )


def _refs(resp: httpx.Response) -> set[str]:
    assert resp.status_code == 200, resp.text
    return {r["service_request_id"] for r in resp.json()}


async def test_anonymous_reads_show_only_the_public_projection(
    world: World, client: httpx.AsyncClient
) -> None:
    scene = await _scene(world, client)
    listed = await client.get(f"{V2}/requests.json")
    assert _refs(listed) == {scene.public_ref, scene.rounded_ref}
    assert listed.headers["x-total-count"] == "2"
    xml = await client.get(f"{V2}/requests.xml")
    root = ET.fromstring(xml.content)
    assert {r.findtext("service_request_id") for r in root.findall("request")} == {
        scene.public_ref,
        scene.rounded_ref,
    }

    (one,) = (await client.get(f"{V2}/requests/{scene.public_ref}.json")).json()
    assert one["status_notes"] == PUBLIC_NOTE
    assert [n["description"] for n in one["notes"] if n["description"]] == [PUBLIC_NOTE]
    assert [n["summary"] for n in one["notes"]][:2] == ["report", "register"]
    media_url = one["media_url"].removeprefix("http://linli.test")
    assert media_url == f"{V2}/media/{scene.public_ref}/{scene.public_photo}"
    photo = await client.get(media_url)
    assert photo.status_code == 200 and photo.content == PNG
    # The resident's own photo is internal until staff publish it.
    own = await client.get(f"{V2}/media/{scene.public_ref}/{scene.resident_photo}")
    assert own.status_code == 404
    single_xml = await client.get(f"{V2}/requests/{scene.public_ref}.xml")
    for body in (listed.text, xml.text, single_xml.text, json.dumps(one)):
        assert not any(word in body for word in PRIVATE_WORDS), body
        assert SECRET_NOTE not in body


async def test_hidden_cases_answer_like_missing_ones_and_refs_cannot_be_enumerated(
    world: World, client: httpx.AsyncClient
) -> None:
    scene = await _scene(world, client)
    missing = await client.get(f"{V2}/requests/C-000000-000000.json")
    assert missing.status_code == 404
    for ref in scene.hidden.values():
        for path in (f"requests/{ref}", f"tokens/{ref}"):
            for fmt in ("json", "xml"):
                resp = await client.get(f"{V2}/{path}.{fmt}")
                assert resp.status_code == 404
                gone = await client.get(f"{V2}/{path.split('/')[0]}/C-000000-000000.{fmt}")
                assert resp.text.replace(ref, "X") == gone.text.replace("C-000000-000000", "X")
        assert _refs(await client.get(f"{V2}/requests.json?service_request_id={ref}")) == set()
        case = await _case(ref)
        async with session_scope() as session:
            files = await cases.attachments(session, case)
        for attachment in files:
            resp = await client.get(f"{V2}/media/{ref}/{attachment.id}")
            assert resp.status_code == 404
            assert resp.json() == [{"code": 404, "description": "no such photo"}]
    # Walking every sequential number around the scene's cases finds only the public ones.
    prefix = scene.public_ref.rsplit("-", 1)[0]
    width = len(scene.public_ref.rsplit("-", 1)[1])
    numbers = [int(r.rsplit("-", 1)[1]) for r in (scene.public_ref, *scene.hidden.values())]
    found = set()
    for n in range(max(1, min(numbers) - 3), max(numbers) + 4):
        resp = await client.get(f"{V2}/requests/{prefix}-{n:0{width}d}.json")
        if resp.status_code == 200:
            found.add(resp.json()[0]["service_request_id"])
    assert found == {scene.public_ref, scene.rounded_ref}


async def test_the_point_is_rounded_where_the_category_asks(
    world: World, client: httpx.AsyncClient
) -> None:
    scene = await _scene(world, client)
    case = await _case(scene.rounded_ref)
    (shown,) = (await client.get(f"{V2}/requests/{scene.rounded_ref}.json")).json()
    assert case.lon is not None and case.lat is not None
    assert (shown["long"], shown["lat"]) == cases.public_point(
        case, Category(code="x", name="x", round_location_m=50)
    )
    assert (shown["long"], shown["lat"]) != (case.lon, case.lat)
    assert abs(shown["lat"] - case.lat) * 111_320 <= 25.01
    (exact,) = (await client.get(f"{V2}/requests/{scene.public_ref}.json")).json()
    noise = await _case(scene.public_ref)
    assert (exact["long"], exact["lat"]) == (noise.lon, noise.lat)


async def test_the_reporters_page_shows_public_notes_and_me_too_finds_only_public_cases(
    world: World, client: httpx.AsyncClient
) -> None:
    scene = await _scene(world, client)
    follow = await client.get(f"/api/public/reports/{scene.public_token}")
    assert [n["note"] for n in follow.json()["notes"]] == [PUBLIC_NOTE]
    page = await client.get(f"/report/status/{scene.public_token}")
    assert page.status_code == 200 and PUBLIC_NOTE in page.text
    for body in (follow.text, page.text):
        assert SECRET_NOTE not in body and "internal remark" not in body and "Alice" not in body
    # The care case's reporter still follows it (status only: no note was made public).
    care = await client.get(f"/api/public/reports/{scene.care_token}")
    assert care.status_code == 200 and care.json()["notes"] == []

    lon, lat = world.at("C11-G1")
    similar = await client.post(
        "/api/public/reports/similar",
        data={
            "text": "Loud music after midnight",
            "lon": str(lon),
            "lat": str(lat),
            "category_code": "public.order.noise",
        },
    )
    assert similar.status_code == 200, similar.text
    refs = {s["ref"] for s in similar.json()}
    assert scene.public_ref in refs and not refs & set(scene.hidden.values())
    form = {"text": "me too", "lon": str(lon), "lat": str(lat)}
    gone = await client.post("/api/public/reports/C-000000-000000/me-too", data=form)
    for ref in scene.hidden.values():
        joined = await client.post(f"/api/public/reports/{ref}/me-too", data=form)
        assert joined.status_code == 404
        assert joined.json()["code"] == gone.json()["code"] == "case_not_open"


async def test_publishing_needs_register_rights_on_the_subtree_and_is_audited(
    world: World, client: httpx.AsyncClient
) -> None:
    scene = await _scene(world, client)
    hotline = await _case(scene.hidden["hotline"])
    worker = await world.staff("worker", "grid_worker", "C11-G1")
    sibling = await world.staff("other", "operator", "C12")
    operator = await world.staff("op", "operator", "C11")
    async with session_scope() as session:
        photo = (await cases.attachments(session, hotline))[0]
        events = await cases.timeline(session, hotline)
    routes = [
        (f"/api/cases/{hotline.id}/published", {"published": True}),
        (f"/api/cases/{hotline.id}/timeline/{events[0].seq}/visibility", {"visibility": "public"}),
        (f"/api/cases/{hotline.id}/attachments/{photo.id}/visibility", {"visibility": "public"}),
    ]
    for path, body in routes:
        assert (await client.put(path, json=body)).status_code == 401
        assert (await client.put(path, json=body, headers=worker.headers)).status_code == 403
        assert (await client.put(path, json=body, headers=sibling.headers)).status_code == 404
    assert (await client.get(f"{V2}/requests/{hotline.ref}.json")).status_code == 404

    for path, body in routes:
        resp = await client.put(path, json=body, headers=operator.headers)
        assert resp.status_code == 200, resp.text
    (shown,) = (await client.get(f"{V2}/requests/{hotline.ref}.json")).json()
    assert shown["description"] == HIDDEN_TITLE  # published: staff have read it
    assert shown["notes"][0]["summary"] == "report"
    photo_resp = await client.get(f"{V2}/media/{hotline.ref}/{photo.id}")
    assert photo_resp.status_code == 200

    async with session_scope() as session:
        trail = (
            await session.scalars(select(AuditEntry).where(AuditEntry.target_id == str(hotline.id)))
        ).all()
    actions = {(e.action, e.actor) for e in trail}
    assert {
        ("case.publish", operator.principal.actor),
        ("case.note_visibility", operator.principal.actor),
        ("case.attachment_visibility", operator.principal.actor),
    } <= actions

    # Taking it back hides it again.
    back = await client.put(
        f"/api/cases/{hotline.id}/published", json={"published": False}, headers=operator.headers
    )
    assert back.status_code == 200 and back.json()["published"] is False
    assert (await client.get(f"{V2}/requests/{hotline.ref}.json")).status_code == 404
