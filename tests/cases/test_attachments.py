from __future__ import annotations

import hashlib

import httpx
import pytest
from sqlalchemy import func, select

from linli.cases.models import Attachment
from linli.core.database import session_scope
from linli.core.media import MAX_PHOTO_BYTES

from .conftest import JPEG, PNG, WEBP, Staff, World


async def _stored_attachments() -> int:
    async with session_scope() as session:
        return int(await session.scalar(select(func.count()).select_from(Attachment)) or 0)


async def _upload(
    client: httpx.AsyncClient, case_id: str, who: Staff, name: str, data: bytes, declared: str
) -> httpx.Response:
    return await client.post(
        f"/api/cases/{case_id}/attachments",
        files={"file": (name, data, declared)},
        headers=who.headers,
    )


@pytest.mark.parametrize(
    ("data", "expected"), [(JPEG, "image/jpeg"), (PNG, "image/png"), (WEBP, "image/webp")]
)
async def test_photos_are_kept_and_served_with_the_type_their_bytes_show(
    world: World, client: httpx.AsyncClient, data: bytes, expected: str
) -> None:
    worker = await world.staff("gw", "grid_worker", "C11")
    case = await world.report(worker)
    # The declared type is ignored: what the bytes are decides.
    resp = await _upload(client, str(case.id), worker, "photo.bin", data, "application/pdf")
    assert resp.status_code == 201, resp.text
    meta = resp.json()
    assert meta["content_type"] == expected and meta["size"] == len(data)
    assert meta["sha256"] == hashlib.sha256(data).hexdigest()
    assert meta["uploaded_by"] == "staff:gw"

    served = await client.get(
        f"/api/cases/{case.id}/attachments/{meta['id']}", headers=worker.headers
    )
    assert served.status_code == 200
    assert served.content == data and served.headers["content-type"] == expected
    assert served.headers["x-content-type-options"] == "nosniff"


async def test_text_named_like_a_jpeg_is_refused_and_nothing_is_stored(
    world: World, client: httpx.AsyncClient
) -> None:
    worker = await world.staff("gw", "grid_worker", "C11")
    case = await world.report(worker)
    resp = await _upload(
        client, str(case.id), worker, "photo.jpg", b"just some text, honestly", "image/jpeg"
    )
    assert resp.status_code == 422 and resp.json()["code"] == "not_an_image"
    empty = await _upload(client, str(case.id), worker, "photo.jpg", b"", "image/jpeg")
    assert empty.status_code == 422 and empty.json()["code"] == "not_an_image"
    assert await _stored_attachments() == 0


async def test_a_photo_over_5_mb_is_refused_and_nothing_is_stored(
    world: World, client: httpx.AsyncClient
) -> None:
    worker = await world.staff("gw", "grid_worker", "C11")
    case = await world.report(worker)
    big = JPEG + b"\x00" * (MAX_PHOTO_BYTES + 1 - len(JPEG))
    resp = await _upload(client, str(case.id), worker, "big.jpg", big, "image/jpeg")
    assert resp.status_code == 422 and resp.json()["code"] == "photo_too_large"
    just_fits = big[:MAX_PHOTO_BYTES]
    ok = await _upload(client, str(case.id), worker, "fits.jpg", just_fits, "image/jpeg")
    assert ok.status_code == 201
    assert await _stored_attachments() == 1


async def test_evidence_must_be_this_cases_photos(world: World, client: httpx.AsyncClient) -> None:
    admin = await world.staff("admin", "admin", "D")
    one = await world.report(admin)
    other = await world.report(admin)
    foreign = (await _upload(client, str(other.id), admin, "x.png", PNG, "image/png")).json()
    for action, body in (("register", None), ("dispatch", None), ("accept", None), ("start", None)):
        assert (
            await client.post(f"/api/cases/{one.id}/{action}", json=body, headers=admin.headers)
        ).is_success
    resp = await client.post(
        f"/api/cases/{one.id}/handle",
        json={"note": "done", "evidence": [foreign["id"]]},
        headers=admin.headers,
    )
    assert resp.status_code == 422 and resp.json()["code"] == "unknown_attachment"
    wrong_case = await client.get(
        f"/api/cases/{one.id}/attachments/{foreign['id']}", headers=admin.headers
    )
    assert wrong_case.status_code == 404


async def test_the_closing_roles_may_add_photos_in_their_area_only(
    world: World, client: httpx.AsyncClient
) -> None:
    # Operators and inspectors do not handle, but they verify and close: they may bring proof.
    operator = await world.staff("op", "operator", "C11")
    inspector = await world.staff("insp", "inspector", "D")
    case = await world.report(operator)
    for who in (operator, inspector):
        resp = await _upload(client, str(case.id), who, "x.png", PNG, "image/png")
        assert resp.status_code == 201, resp.text
    # Outside their subtree the case does not exist for them.
    elsewhere = await world.staff("op2", "operator", "C12")
    resp = await _upload(client, str(case.id), elsewhere, "x.png", PNG, "image/png")
    assert resp.status_code == 404 and resp.json()["code"] == "case_not_found"
    assert await _stored_attachments() == 2
