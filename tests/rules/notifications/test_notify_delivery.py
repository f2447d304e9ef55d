"""Delivery: failing gateways are retried with backoff and end dead; receipts come back;
Web Push is really encrypted; the dispatcher never handles an event twice."""

from __future__ import annotations

import asyncio
import base64
import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import http_ece  # type: ignore[import-untyped]
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from httpx import AsyncClient
from notify_world import NOTIFY_STAFF, NotifyWorld, dispatch, make_notify_world, outbox
from py_vapid import Vapid  # type: ignore[import-untyped]
from sqlalchemy import func, select

from conftest import free_port, use
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.core.eventlog import EventLogCursor, EventLogEntry
from linli.rules.models import Alarm
from linli.rules.notifications import dispatcher
from linli.rules.notifications.config import NotifySettings
from linli.rules.notifications.models import Notification


@pytest.fixture
async def nworld(db: str, clock: ManualClock, notify: NotifySettings) -> NotifyWorld:
    return await make_notify_world()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@dataclass
class FakeService:
    """A local HTTP endpoint standing in for a push service or an SMS provider."""

    url: str
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
async def http_endpoint() -> AsyncIterator[FakeService]:
    """A real HTTP server on a free loopback port that records what it is sent."""
    port = free_port()
    service = FakeService(url=f"http://127.0.0.1:{port}/push/abc")

    async def take(request: web.Request) -> web.Response:
        service.requests.append((dict(request.headers), await request.read()))
        number = len(service.requests)
        return web.json_response(
            {"id": f"provider-{number}"}, status=201, headers={"Location": f"/msg/{number}"}
        )

    app = web.Application()
    app.router.add_post("/push/abc", take)
    app.router.add_post("/sms", take)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield service
    await runner.cleanup()


async def test_a_failing_gateway_is_retried_with_backoff_then_marked_dead(
    client: AsyncClient,
    nworld: NotifyWorld,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    closed = free_port()  # nothing listens there: every attempt is refused
    use(monkeypatch, sms_gateway="http", sms_url=f"http://127.0.0.1:{closed}/sms")
    await nworld.prefer(client, "gw_a", email="wang@linli.test", phone="+8613812345678")
    await nworld.route(client, ["gw_a"])
    await nworld.add_rule(severity="major")
    await nworld.send(client, "AQ-A", ("pm25", 120.0, clock.now()))

    await dispatch()
    (sms,) = await nworld.deliveries(client, channel="sms")
    assert (sms["status"], sms["attempts"]) == ("failed", 1)
    assert sms["last_error"]
    (mail,) = await nworld.deliveries(client, channel="email")
    assert mail["status"] == "sent", "one channel failing does not hold back the others"

    await dispatch()
    (sms,) = await nworld.deliveries(client, channel="sms")
    assert sms["attempts"] == 1, "not retried before its backoff is over"

    clock.advance(timedelta(seconds=60))
    await dispatch()
    (sms,) = await nworld.deliveries(client, channel="sms")
    assert (sms["status"], sms["attempts"]) == ("failed", 2)

    clock.advance(timedelta(seconds=119))
    await dispatch()
    assert (await nworld.deliveries(client, channel="sms"))[0]["attempts"] == 2, "backoff doubled"
    clock.advance(timedelta(seconds=1))
    await dispatch()
    (sms,) = await nworld.deliveries(client, channel="sms")
    assert (sms["status"], sms["attempts"]) == ("dead", 3)

    clock.advance(timedelta(days=1))
    await dispatch()
    (sms,) = await nworld.deliveries(client, channel="sms", status="dead")
    assert sms["attempts"] == 3, "a dead delivery is left alone"


async def test_an_sms_gateway_takes_the_message_and_calls_back_with_a_receipt(
    client: AsyncClient,
    nworld: NotifyWorld,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    http_endpoint: FakeService,
) -> None:
    use(monkeypatch, sms_gateway="http", sms_url=http_endpoint.url.replace("/push/abc", "/sms"))
    await nworld.prefer(client, "gw_a", phone="+8613812345678")
    await nworld.route(client, ["gw_a"])
    await nworld.add_rule(severity="major")
    await nworld.send(client, "AQ-A", ("pm25", 120.0, clock.now()))
    await dispatch()

    ((_, body),) = http_endpoint.requests
    sent = json.loads(body)
    assert sent["to"] == "+8613812345678"
    assert sent["callback"].endswith("/api/notifications/receipts/http")
    (sms,) = await nworld.deliveries(client, channel="sms")
    assert (sms["status"], sms["receipt_id"], sms["delivered_at"]) == ("sent", "provider-1", None)

    url = "/api/notifications/receipts/http"
    receipt = {"receipt_id": "provider-1", "status": "delivered"}
    wrong = await client.post(url, json=receipt, headers={"X-Gateway-Token": "guess"})
    assert (wrong.status_code, wrong.json()["code"]) == (401, "bad_gateway_token")
    unknown = await client.post(
        url,
        json={**receipt, "receipt_id": "provider-9"},
        headers={"X-Gateway-Token": "gateway-secret-token"},
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "receipt_not_found")
    bad = await client.post(
        url, json={"receipt_id": "provider-1", "status": "lost"},
        headers={"X-Gateway-Token": "gateway-secret-token"},
    )  # fmt: skip
    assert bad.status_code == 422

    ok = await client.post(url, json=receipt, headers={"X-Gateway-Token": "gateway-secret-token"})
    assert ok.status_code == 200, ok.text
    (sms,) = await nworld.deliveries(client, channel="sms")
    assert sms["delivered_at"] is not None


async def test_a_web_push_reaches_the_push_service_encrypted_for_the_subscriber_only(
    client: AsyncClient,
    nworld: NotifyWorld,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    http_endpoint: FakeService,
) -> None:
    vapid = Vapid()
    vapid.generate_keys()
    raw_private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    vapid_public = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    use(monkeypatch, push_gateway="webpush", vapid_private_key=b64url(raw_private))
    browser_key = ec.generate_private_key(ec.SECP256R1())
    auth_secret = os.urandom(16)
    p256dh = browser_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    subscription = {
        "endpoint": http_endpoint.url,
        "keys": {"p256dh": b64url(p256dh), "auth": b64url(auth_secret)},
    }
    await nworld.prefer(client, "gw_a", push=subscription)
    await nworld.route(client, ["gw_a"])
    await nworld.add_rule(severity="major")
    await nworld.send(client, "AQ-A", ("pm25", 120.0, clock.now()))
    await dispatch()

    ((headers, body),) = http_endpoint.requests
    assert headers["Content-Encoding"] == "aes128gcm"
    assert b"AQ-A" not in body, "the push service sees only ciphertext"
    assert f"k={b64url(vapid_public)}" in headers["Authorization"]
    payload: dict[str, Any] = json.loads(
        http_ece.decrypt(body, private_key=browser_key, auth_secret=auth_secret)
    )
    (note,) = await nworld.inbox(client, "gw_a")
    assert payload["title"] == note["title"] and payload["notification_id"] == note["id"]
    (push,) = await nworld.deliveries(client, channel="push")
    assert (push["status"], push["receipt_id"]) == ("sent", "/msg/1")
    assert push["address"] == f"push:127.0.0.1:{http_endpoint.url.split(':')[2].split('/')[0]}"


async def _counts() -> tuple[int, int]:
    async with session_scope() as session:
        notes = await session.scalar(select(func.count()).select_from(Notification))
        cursor = await session.get(EventLogCursor, dispatcher.CURSOR)
        return int(notes or 0), cursor.seq if cursor else 0


async def test_the_dispatcher_handles_each_event_once_across_crashes_and_rivals(
    client: AsyncClient, nworld: NotifyWorld, clock: ManualClock
) -> None:
    await nworld.add_rule(severity="minor")
    await nworld.send(client, "AQ-A", ("pm25", 120.0, clock.now()))
    await nworld.send(client, "AQ-B", ("pm25", 120.0, clock.now()))

    class Crash(Exception):
        pass

    with pytest.raises(Crash):
        async with session_scope() as session:
            assert await dispatcher.dispatch_events(session) == 2
            raise Crash  # the process dies before its commit
    assert await _counts() == (0, 0), "nothing of the crashed run remains, cursor included"

    results = await asyncio.gather(*(dispatch() for _ in range(3)))
    assert sorted(read for read, _ in results) == [0, 0, 2], "rivals wait for the cursor"
    notes, cursor = await _counts()
    community_a = [u for u, (_, unit) in NOTIFY_STAFF.items() if unit == "S1-C1"]
    assert notes == len(community_a) + 1, "community A's grid workers and op_b of community B"
    await dispatch()
    assert await _counts() == (notes, cursor), "a restart reads on from the cursor"
    async with session_scope() as session:
        last_alarm_event = await session.scalar(
            select(func.max(EventLogEntry.seq)).where(EventLogEntry.subject.like("alarm.%"))
        )
    assert cursor == last_alarm_event


async def test_a_burst_of_transitions_is_logged_once_each_in_order_and_read_once(
    client: AsyncClient, nworld: NotifyWorld, clock: ManualClock, notify: NotifySettings
) -> None:
    await nworld.add_rule(severity="minor")
    start = clock.now()
    readings = [
        ("pm25", 120.0 if i % 2 == 0 else 10.0, start + timedelta(seconds=i)) for i in range(40)
    ]
    for chunk in range(0, 40, 8):
        await nworld.send(client, "AQ-A", *readings[chunk : chunk + 8])
    async with session_scope() as session:
        alarms = list(await session.scalars(select(Alarm)))
        entries = list(
            await session.scalars(
                select(EventLogEntry)
                .where(EventLogEntry.subject.like("alarm.%"))
                .order_by(EventLogEntry.seq)
            )
        )
    assert len(alarms) == 20
    assert len(entries) == 40, "one log entry per transition (20 raised, 20 cleared)"
    for alarm in alarms:
        mine = [e for e in entries if e.source == f"alarm:{alarm.id}"]
        assert [e.subject for e in mine] == ["alarm.raised", "alarm.changed"]
        assert [e.payload["status"] for e in mine] == ["active", "cleared"]

    read, _ = await dispatch()
    assert read == 40
    assert (await dispatch())[0] == 0
    notes, cursor = await _counts()
    assert cursor == entries[-1].seq
    assert notes == 0, "every alarm had cleared before anyone could be told: nobody is woken"
    assert outbox(notify.outbox_dir, "sms") == []
