"""The live event stream: only what the principal may see, as SSE, without stalling the bus."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, ClassVar

import httpx
import pytest

from linli.core import events
from linli.core.database import session_scope
from linli.security.permissions import Grant, Principal
from linli.web import live

MakeStaff = Callable[..., Awaitable[Any]]
TokenFor = Callable[[Any], Awaitable[str]]


class AlarmSeen(events.Event):
    subject: ClassVar[str] = "alarm.raised"

    alarm_id: uuid.UUID
    device_code: str = "aq-1"
    metric: str = "pm25"
    value: float = 180.0
    severity: str = "major"
    status: str = "active"


class CaseMoved(events.Event):
    subject: ClassVar[str] = "case.changed"

    case_id: uuid.UUID
    status: str = "dispatched"
    assigned_path: str | None = None


def sensor_case(path: str) -> events.Event:
    """Return the event of a bin's case a rule opened, as stored on a Chinese site."""
    from datetime import UTC, datetime

    from linli.cases import service as cases_service
    from linli.cases.events import CaseChanged

    params = cases_service.alarm_params(
        kind="threshold", metric="fill_pct", value=96.0, device_type="WasteContainer",
        device_code="BIN-2", places={"en": "Bldg 1 · Bin 2", "zh_Hans": "1栋 2号垃圾桶"},
        rule="bins", severity="minor", raised_at=datetime(2026, 3, 2, tzinfo=UTC),
        timezone="Asia/Shanghai",
    )  # fmt: skip
    return CaseChanged(
        case_id=uuid.uuid4(), ref="C-1", status="reported", title="垃圾桶满溢 96 % — 1栋 2号垃圾桶",
        text_key="alarm", text_params=params, priority=3, org_path=path,
    )  # fmt: skip


async def emit(*happened: events.Event) -> None:
    """Record events in one unit of work, as a service would: logged, then published."""
    async with session_scope() as session:
        for event in happened:
            events.record(session, event)


async def sse_messages(response: httpx.Response) -> AsyncIterator[dict[str, str]]:
    """Yield each SSE message of a streaming response as {field: value} (comments as `:`)."""
    message: dict[str, str] = {}
    async for line in response.aiter_lines():
        if line == "":
            if message:
                yield message
            message = {}
            continue
        field, _, value = line.partition(":")
        message[field or ":"] = value.removeprefix(" ")


async def next_event(stream: AsyncIterator[dict[str, str]]) -> dict[str, str]:
    """Return the next message that carries an event (skipping comments and heartbeats)."""
    async with asyncio.timeout(5):
        async for message in stream:
            if "event" in message:
                return message
    raise AssertionError("the stream ended")


async def test_stream_delivers_only_events_in_the_principals_subtree(
    live_server: str, site: Any, staff: MakeStaff, token_for: TokenFor
) -> None:
    worker = await staff("grace", role="grid_worker", unit=site.community_a)
    headers = {"Authorization": f"Bearer {await token_for(worker)}"}
    outside, inside = uuid.uuid4(), uuid.uuid4()
    async with (
        httpx.AsyncClient(base_url=live_server) as http,
        http.stream("GET", "/api/events/stream", headers=headers) as res,
    ):
        assert res.status_code == 200
        assert res.headers["content-type"].startswith("text/event-stream")
        stream = sse_messages(res)
        hello = await anext(stream)
        assert hello.get(":") == "connected"
        await emit(AlarmSeen(alarm_id=outside, org_path=site.community_b.path))
        await emit(AlarmSeen(alarm_id=inside, org_path=site.grid_a.path))
        message = await next_event(stream)
        assert message["event"] == "alarm.raised"
        data = json.loads(message["data"])
        assert data["alarm_id"] == str(inside)  # community B's alarm never arrived
        assert data["subject"] == "alarm.raised" and data["device_code"] == "aq-1"
        assert message["id"] == str(data["seq"])  # the resume point is the log position

        # A case that happened elsewhere but was dispatched into the worker's area is seen;
        # one dispatched elsewhere is not.
        hidden, shown = uuid.uuid4(), uuid.uuid4()
        await emit(CaseMoved(case_id=hidden, org_path=site.community_b.path, assigned_path=None))
        await emit(
            CaseMoved(case_id=shown, org_path=site.community_b.path, assigned_path=site.grid_a.path)
        )
        message = await next_event(stream)
        assert message["event"] == "case.changed"
        assert json.loads(message["data"])["case_id"] == str(shown)

        # A sensor's case, stored in the Chinese site's words, reaches this English reader in
        # English (what the words were made from is not sent on).
        await emit(sensor_case(site.grid_a.path))
        data = json.loads((await next_event(stream))["data"])
        assert data["title"] == "Bin 96 % full — Bldg 1 · Bin 2"
        assert "text_params" not in data and "text_key" not in data


async def test_stream_needs_a_signed_in_watcher(live_server: str) -> None:
    async with httpx.AsyncClient(base_url=live_server) as http:
        res = await http.get("/api/events/stream")
    assert res.status_code == 401
    assert res.headers["content-type"].startswith("application/problem+json")


async def test_stream_sends_heartbeats(
    live_server: str,
    site: Any,
    staff: MakeStaff,
    token_for: TokenFor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(live, "HEARTBEAT_SECONDS", 0.05)
    operator = await staff("olivia", role="operator", unit=site.street)
    headers = {"Authorization": f"Bearer {await token_for(operator)}"}
    async with (
        httpx.AsyncClient(base_url=live_server) as http,
        http.stream("GET", "/api/events/stream", headers=headers) as res,
    ):
        stream = sse_messages(res)
        async with asyncio.timeout(5):
            assert (await anext(stream)).get(":") == "connected"
            assert (await anext(stream)).get(":") == "heartbeat"


def principal_at(path: str) -> Principal:
    return Principal(
        account_id=uuid.uuid4(),
        username="p",
        display_name="P",
        grants=(Grant("grid_worker", uuid.uuid4(), path),),
    )


def test_visibility_rules() -> None:
    me = principal_at("/a/b/")
    assert live.visible(me, {"subject": "alarm.raised", "org_path": "/a/b/c/"})
    assert not live.visible(me, {"subject": "alarm.changed", "org_path": "/a/x/"})
    assert not live.visible(me, {"subject": "case.opened", "org_path": "/a/x/"})
    assert live.visible(
        me, {"subject": "case.changed", "org_path": "/a/x/", "assigned_path": "/a/b/d/"}
    )
    assert not live.visible(me, {"subject": "device.seen", "org_path": "/a/b/"})
    assert not live.visible(me, {"subject": "alarm.raised"})
    assert live.visible(me, {"subject": "incident.declared", "org_path": "/a/b/"})
    assert not live.visible(me, {"subject": "incident.updated", "org_path": "/a/x/"})
    # A grid worker inside a street's incident area sees the street's incident.
    assert live.visible(me, {"subject": "incident.updated", "org_path": "/a/"})
    mine = {"subject": "notification.created", "org_path": "/a/", "account_id": str(me.account_id)}
    assert live.visible(me, mine)
    assert not live.visible(principal_at("/a/b/"), mine)


async def test_closing_the_stream_unsubscribes(db: str) -> None:
    bus = events.InProcessBus()
    client = live.LiveClient(principal_at("/a/"))
    client.open(bus)
    stream = client.messages()
    await anext(stream)
    await stream.aclose()
    assert not bus._subscriptions
