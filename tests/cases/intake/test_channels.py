"""Intake channels: resident reports over the public endpoint, camera events, hotline callers."""

from __future__ import annotations

import base64
import io
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select, text

from linli.cases import service as cases
from linli.cases.intake import service as intake_service
from linli.cases.intake.models import Camera, CaseReporter, PublicReport
from linli.cases.models import Attachment, Case, CaseEvent
from linli.cases.triage.classifier import Triage
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.core.media import MAX_PHOTO_BYTES
from linli.security.models import AuditEntry

from ..conftest import World

ALICE: dict[str, Any] = {"reporter_name": "Alice Tan", "reporter_phone": "+65 9123 4567"}


def jpeg_with_exif() -> bytes:
    """Return a real JPEG carrying camera make, a serial number, capture time and GPS."""
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    exif[0x0132] = "2026:03:02 09:00:00"
    exif.get_ifd(0x8769).update({0x9003: "2026:03:02 08:59:00", 0xA431: "SERIAL-123"})
    exif.get_ifd(0x8825).update({1: "N", 2: (22.0, 33.0, 0.0), 3: "E", 4: (113.0, 52.0, 0.0)})
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


async def _count(*models: type[Any]) -> dict[str, int]:
    async with session_scope() as session:
        return {
            m.__name__: int(await session.scalar(select(func.count()).select_from(m)) or 0)
            for m in models
        }


STORED = (Case, Attachment, CaseReporter, PublicReport, CaseEvent)


async def _report(
    client: httpx.AsyncClient,
    world: World,
    *,
    where: str = "C11-G1",
    photo: bytes | None = None,
    key: str | None = None,
    **fields: Any,
) -> httpx.Response:
    lon, lat = world.at(where)
    data = {"text": "Loud music after midnight", "category_code": "public.order.noise"}
    data |= {"lon": str(lon), "lat": str(lat)} | fields
    data = {k: v for k, v in data.items() if v is not None}
    files = {"photo": ("p.jpg", photo, "image/jpeg")} if photo is not None else None
    headers = {"Idempotency-Key": key} if key else {}
    return await client.post("/api/public/reports", data=data, files=files, headers=headers)


async def test_a_resident_reports_and_follows_the_case_without_seeing_staff_or_internal_notes(
    world: World, client: httpx.AsyncClient
) -> None:
    resp = await _report(client, world, **ALICE)
    assert resp.status_code == 201, resp.text
    receipt = resp.json()
    assert receipt["ref"].startswith("C-260302-") and receipt["status"] == "reported"
    assert not receipt["replayed"]

    admin = await world.staff("admin", "admin", "D")
    found = await client.get("/api/cases", params={"q": receipt["ref"]}, headers=admin.headers)
    case = found.json()["items"][0]
    assert case["source"] == "resident" and case["org_unit_id"] == str(world["C11-G1"].id)
    detail = await client.get(f"/api/cases/{case['id']}", headers=admin.headers)
    assert "Alice" not in detail.text and "9123" not in detail.text
    assert detail.json()["timeline"][0]["actor"] == "public"

    cid = case["id"]
    await client.post(
        f"/api/cases/{cid}/register", json={"note": "internal remark"}, headers=admin.headers
    )
    # Staff say which note the public (and so the reporter) may read.
    await client.post(
        f"/api/cases/{cid}/reject",
        json={"reason": "Not ours: private land", "public": True},
        headers=admin.headers,
    )
    follow = await client.get(f"/api/public/reports/{receipt['token']}")
    assert follow.status_code == 200
    body = follow.json()
    assert body["ref"] == receipt["ref"] and body["status"] == "rejected"
    assert [n["note"] for n in body["notes"]] == ["Not ours: private land"]
    assert "internal remark" not in follow.text and "admin" not in follow.text

    wrong = await client.get("/api/public/reports/lnr_nope")
    assert wrong.status_code == 404 and wrong.json()["code"] == "report_not_found"


async def test_the_reporters_contact_is_encrypted_and_shown_only_to_pii_holders_on_the_case(
    world: World, client: httpx.AsyncClient, db: str
) -> None:
    await _report(client, world, reporter_email="alice@example.sg", **ALICE)
    async with session_scope() as session:
        case = (await session.scalars(select(Case))).one()
        raw = (await session.execute(text("SELECT name, phone, email FROM case_reporter"))).one()
    assert all(b"Alice" not in bytes(v) and b"9123" not in bytes(v) for v in raw)

    operator = await world.staff("op", "operator", "C11")
    seen = await client.get(f"/api/cases/{case.id}/reporter", headers=operator.headers)
    assert seen.status_code == 200
    assert seen.json() == {
        "channel": "resident",
        "name": "Alice Tan",
        "phone": "+65 9123 4567",
        "email": "alice@example.sg",
    }
    inspector = await world.staff("insp", "inspector", "D")  # reads cases, no personal data
    assert (
        await client.get(f"/api/cases/{case.id}/reporter", headers=inspector.headers)
    ).status_code == 403
    elsewhere = await world.staff("gw22", "grid_worker", "C22")
    hidden = await client.get(f"/api/cases/{case.id}/reporter", headers=elsewhere.headers)
    assert hidden.status_code == 404
    async with session_scope() as session:
        reads = await session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "case.reporter_read", AuditEntry.actor == "staff:op")
        )
    assert reads == 1


async def test_a_photo_keeps_only_its_capture_time_and_place(
    world: World, client: httpx.AsyncClient
) -> None:
    resp = await _report(client, world, photo=jpeg_with_exif())
    assert resp.status_code == 201, resp.text
    admin = await world.staff("admin", "admin", "D")
    async with session_scope() as session:
        case = (await session.scalars(select(Case))).one()
    attachments = (await client.get(f"/api/cases/{case.id}", headers=admin.headers)).json()[
        "attachments"
    ]
    assert [a["content_type"] for a in attachments] == ["image/jpeg"]
    served = await client.get(
        f"/api/cases/{case.id}/attachments/{attachments[0]['id']}", headers=admin.headers
    )
    assert b"SpyCam" not in served.content and b"SERIAL" not in served.content
    exif = Image.open(io.BytesIO(served.content)).getexif()
    assert set(exif) - {0x8769, 0x8825} == {0x0132}
    assert dict(exif.get_ifd(0x8769)) == {0x9003: "2026:03:02 08:59:00"}
    assert exif.get_ifd(0x8825)[1] == "N"


@pytest.mark.parametrize(
    ("fields", "photo", "status", "code"),
    [
        ({}, b"GIF89a" + b"\x00" * 64, 422, "not_an_image"),
        ({}, b"\xff\xd8\xff\xe0 not really a jpeg" * 4, 422, "not_an_image"),
        ({}, b"\xff\xd8\xff" + b"\x00" * MAX_PHOTO_BYTES, 422, "photo_too_large"),
        ({"text": "x" * 4001}, None, 422, "validation_failed"),
        ({"text": "   "}, None, 422, "text_required"),
        ({"lon": "10.0", "lat": "10.0"}, None, 422, "outside_boundaries"),
        ({"category_code": "no.such.thing"}, None, 422, "unknown_category"),
        ({"category_code": ""}, None, 422, "category_required"),
        ({"reporter_email": "not-an-address"}, None, 422, "bad_contact"),
    ],
)
async def test_bad_reports_are_refused_with_a_clear_code_and_store_nothing(
    world: World,
    client: httpx.AsyncClient,
    fields: dict[str, str],
    photo: bytes | None,
    status: int,
    code: str,
) -> None:
    resp = await _report(client, world, photo=photo, key="k-1", **fields)
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["code"] == code
    assert set((await _count(*STORED)).values()) == {0}


async def test_an_idempotency_key_returns_the_same_case_and_refuses_a_different_body(
    world: World, client: httpx.AsyncClient
) -> None:
    first = await _report(client, world, key="abc-123", photo=jpeg_with_exif(), **ALICE)
    again = await _report(client, world, key="abc-123", photo=jpeg_with_exif(), **ALICE)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["replayed"] is True
    assert again.json()["ref"] == first.json()["ref"]
    assert again.json()["token"] == first.json()["token"]
    changed = await _report(client, world, key="abc-123", text="Someone else's report")
    assert changed.status_code == 409 and changed.json()["code"] == "idempotency_key_reused"
    counts = await _count(Case, Attachment, CaseReporter, PublicReport)
    assert counts == {"Case": 1, "Attachment": 1, "CaseReporter": 1, "PublicReport": 1}


async def test_the_public_endpoint_is_rate_limited_per_client(
    world: World, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    for _ in range(10):
        assert (await _report(client, world, text="   ")).status_code == 422  # counts too
    refused = await _report(client, world)
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert refused.headers["retry-after"] == "6"
    assert refused.headers["content-type"].startswith("application/problem+json")

    from linli.web.app import create_app

    other = httpx.ASGITransport(app=create_app(), client=("203.0.113.9", 4000))
    async with httpx.AsyncClient(transport=other, base_url="http://linli.test") as neighbour:
        assert (await _report(neighbour, world)).status_code == 201

    clock.advance(timedelta(seconds=6))
    assert (await _report(client, world)).status_code == 201
    assert (await _report(client, world)).status_code == 429
    assert (await _count(Case))["Case"] == 2


async def test_without_a_category_the_trained_triage_model_picks_one(
    world: World, client: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = Triage().fit(
        [(t, "public.order.noise") for t in ("loud music", "noisy party", "karaoke at night")]
        + [(t, "env.waste") for t in ("rubbish pile", "garbage dumped", "trash bags left")]
    )
    model.save(tmp_path / "triage.joblib")
    monkeypatch.setattr(intake_service, "TRIAGE_MODEL_PATH", tmp_path / "triage.joblib")
    resp = await _report(client, world, text="garbage dumped at the corner", category_code=None)
    assert resp.status_code == 201, resp.text
    async with session_scope() as session:
        case = (await session.scalars(select(Case))).one()
        events = (await session.scalars(select(CaseEvent.action))).all()
    assert case.category_code == "env.waste"
    assert "triage" in events


# --- cameras ------------------------------------------------------------------------------


async def _camera(client: httpx.AsyncClient, world: World, where: str = "C11-G1") -> str:
    admin = await world.staff("camadmin", "admin", "D")
    lon, lat = world.at(where)
    resp = await client.post(
        "/api/cameras",
        json={"code": "CAM-1", "name": "Void deck", "lon": lon, "lat": lat},
        headers=admin.headers,
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["org_unit_id"] == str(world[where].id)
    return str(resp.json()["token"])


async def _event(client: httpx.AsyncClient, token: str, **fields: Any) -> httpx.Response:
    body = {
        "event_type": "illegal_dumping",
        "camera_id": "CAM-1",
        "time": "2026-03-02T00:59:00Z",
        "confidence": 0.9,
    } | fields
    return await client.post(
        "/api/intake/camera", json=body, headers={"Authorization": f"Camera {token}"}
    )


@pytest.fixture
async def dumping(world: World) -> World:
    async with session_scope() as session:
        await cases.upsert_category(
            session, code="env.illegal_dumping", name="Illegal dumping", name_zh="乱倒垃圾"
        )
    return world


async def test_camera_registration_needs_devices_write_over_the_place(
    dumping: World, client: httpx.AsyncClient
) -> None:
    worker = await dumping.staff("gw", "grid_worker", "C11")
    lon, lat = dumping.at("C11-G1")
    body = {"code": "CAM-9", "lon": lon, "lat": lat}
    assert (await client.post("/api/cameras", json=body, headers=worker.headers)).status_code == 403
    token = await _camera(client, dumping)
    assert token.startswith("lnc_")
    admin = await dumping.staff("admin2", "admin", "D")
    again = await client.post("/api/cameras", json=body | {"code": "CAM-1"}, headers=admin.headers)
    assert again.status_code == 409 and again.json()["code"] == "camera_exists"
    outside = await client.post(
        "/api/cameras", json=body | {"lon": 10.0, "lat": 10.0}, headers=admin.headers
    )
    assert outside.status_code == 422 and outside.json()["code"] == "outside_boundaries"


async def test_camera_events_open_one_case_and_repeats_join_it_within_the_window(
    dumping: World, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    token = await _camera(client, dumping)
    snapshot = base64.b64encode(jpeg_with_exif()).decode()
    first = await _event(client, token, snapshot=snapshot)
    assert first.status_code == 200, first.text
    assert first.json()["action"] == "opened"
    clock.advance(timedelta(minutes=20))
    second = await _event(client, token, time="2026-03-02T01:19:00Z")
    assert second.json() == first.json() | {"action": "joined"}
    clock.advance(timedelta(minutes=25))  # 25 min after the last sighting: still the same case
    assert (await _event(client, token)).json()["action"] == "joined"
    clock.advance(timedelta(minutes=31))
    later = await _event(client, token, time="2026-03-02T02:15:00Z")
    assert later.json()["action"] == "opened" and later.json()["ref"] != first.json()["ref"]

    async with session_scope() as session:
        case = await session.get(Case, uuid.UUID(first.json()["case_id"]))
        assert case is not None
        actions = (
            await session.scalars(
                select(CaseEvent.action).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
            )
        ).all()
        photos = await session.scalar(
            select(func.count()).select_from(Attachment).where(Attachment.case_id == case.id)
        )
    assert case.category_code == "env.illegal_dumping" and case.source == "alarm"
    assert case.org_unit_id == dumping["C11-G1"].id
    assert actions.count("camera_event") == 2 and photos == 1
    # Worded in the (grid, Chinese) site's language, read in each reader's; no event-type code.
    assert case.title == "乱倒垃圾（摄像头 CAM-1）"
    assert cases.title_in(case, "en") == "Illegal dumping (camera CAM-1)"
    said = cases.description_in(case, "en")  # the time in the site's zone (Asia/Shanghai)
    assert said.startswith("Illegal dumping seen by camera CAM-1 at Mar 2, 2026, 8:59:00")
    assert said.endswith(" (confidence 90%).")


@pytest.mark.parametrize(
    ("fields", "auth", "status", "code"),
    [
        ({}, "Camera wrong-token", 401, "bad_camera_token"),
        ({"camera_id": "CAM-X"}, None, 401, "bad_camera_token"),
        ({}, "Bearer x", 401, "bad_auth_header"),
        ({"event_type": "alien_landing"}, None, 422, "unknown_event_type"),
        ({"time": "2026-03-02T02:00:00Z"}, None, 422, "bad_event_time"),
        ({"snapshot": "%%%not base64"}, None, 422, "bad_snapshot"),
        ({"snapshot": base64.b64encode(b"hello").decode()}, None, 422, "not_an_image"),
        ({"confidence": 2}, None, 422, "validation_failed"),
    ],
)
async def test_bad_camera_events_are_refused_and_store_nothing(
    dumping: World,
    client: httpx.AsyncClient,
    fields: dict[str, Any],
    auth: str | None,
    status: int,
    code: str,
) -> None:
    token = await _camera(client, dumping)
    body = {
        "event_type": "illegal_dumping",
        "camera_id": "CAM-1",
        "time": "2026-03-02T00:59:00Z",
    } | fields
    resp = await client.post(
        "/api/intake/camera", json=body, headers={"Authorization": auth or f"Camera {token}"}
    )
    assert resp.status_code == status, resp.text
    assert resp.json()["code"] == code
    assert (await _count(Case, Attachment))["Case"] == 0


async def test_low_confidence_camera_events_open_nothing(
    dumping: World, client: httpx.AsyncClient
) -> None:
    token = await _camera(client, dumping)
    resp = await _event(client, token, confidence=0.2)
    assert resp.json() == {"action": "ignored", "case_id": None, "ref": None}
    assert (await _count(Case))["Case"] == 0
    assert (await _count(Camera))["Camera"] == 1


# --- hotline ------------------------------------------------------------------------------


async def test_a_hotline_operator_keeps_the_callers_contact_and_a_bad_one_stores_nothing(
    world: World, client: httpx.AsyncClient
) -> None:
    operator = await world.staff("desk", "operator", "D")
    lon, lat = world.at("C21-G2")
    body = {
        "category_code": "public.order.noise",
        "title": "Caller reports karaoke",
        "lon": lon,
        "lat": lat,
        "source": "hotline",
        "caller": {"name": "Mr Lee", "phone": "0755-1234567"},
    }
    bad = await client.post(
        "/api/cases",
        json=body | {"caller": {"email": "nope"}},
        headers=operator.headers,
    )
    assert bad.status_code == 422 and bad.json()["code"] == "bad_contact"
    assert (await _count(Case, CaseReporter)) == {"Case": 0, "CaseReporter": 0}

    made = await client.post("/api/cases", json=body, headers=operator.headers)
    assert made.status_code == 201, made.text
    assert made.json()["source"] == "hotline" and "Mr Lee" not in made.text
    caller = await client.get(f"/api/cases/{made.json()['id']}/reporter", headers=operator.headers)
    assert caller.json() == {
        "channel": "hotline",
        "name": "Mr Lee",
        "phone": "0755-1234567",
        "email": None,
    }
