"""Resuming the live stream from the event log: no gap, no duplicate, in order."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, ClassVar

import httpx
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from linli.core import events
from linli.core.database import get_engine, session_scope
from linli.security.permissions import Grant, Principal
from linli.web import live

MakeStaff = Callable[..., Awaitable[Any]]
TokenFor = Callable[[Any], Awaitable[str]]


class AlarmSeen(events.Event):
    subject: ClassVar[str] = "alarm.raised"

    alarm_id: uuid.UUID
    note: str = ""


class IncidentDeclared(events.Event):
    subject: ClassVar[str] = "incident.declared"

    incident_id: uuid.UUID


async def emit(*happened: events.Event) -> None:
    """Record events in one unit of work, as a service would: logged, then published."""
    async with session_scope() as session:
        for event in happened:
            events.record(session, event)


async def alarms(path: str, *notes: str) -> list[AlarmSeen]:
    """Emit one alarm per note at `path`, each in its own unit of work; return them."""
    made = [AlarmSeen(alarm_id=uuid.uuid4(), org_path=path, note=n) for n in notes]
    for event in made:
        await emit(event)
    return made


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


async def take(stream: AsyncIterator[dict[str, str]], count: int) -> list[dict[str, Any]]:
    """Return the next `count` event messages as {id, event, data} (data decoded)."""
    got: list[dict[str, Any]] = []
    async with asyncio.timeout(10):
        async for message in stream:
            if "event" in message:
                got.append({**message, "data": json.loads(message["data"])})
                if len(got) == count:
                    return got
    raise AssertionError(f"the stream ended after {len(got)} of {count} events")


def notes(messages: list[dict[str, Any]]) -> list[str]:
    return [m["data"]["note"] for m in messages]


async def test_a_reconnecting_client_gets_what_it_missed_once_then_live_events(
    live_server: str, site: Any, staff: MakeStaff, token_for: TokenFor
) -> None:
    worker = await staff("grace", role="grid_worker", unit=site.community_a)
    auth = {"Authorization": f"Bearer {await token_for(worker)}"}
    inside, outside = site.grid_a.path, site.community_b.path
    async with httpx.AsyncClient(base_url=live_server) as http:
        async with http.stream("GET", "/api/events/stream", headers=auth) as res:
            stream = sse_messages(res)
            assert (await anext(stream)).get(":") == "connected"
            await alarms(inside, "a1", "a2")
            seen = await take(stream, 2)
        assert notes(seen) == ["a1", "a2"]
        last_id = seen[-1]["id"]
        assert last_id == str(seen[-1]["data"]["seq"])

        # Offline: things happen, some of them elsewhere.
        await alarms(inside, "b1")
        await alarms(outside, "hidden")
        await alarms(inside, "b2", "b3")

        resume = {**auth, "Last-Event-ID": last_id}
        async with http.stream("GET", "/api/events/stream", headers=resume) as res:
            stream = sse_messages(res)
            missed = await take(stream, 3)
            await alarms(inside, "c1")
            await alarms(outside, "hidden too")
            await alarms(inside, "c2")
            now = await take(stream, 2)
    received = seen + missed + now
    assert notes(received) == ["a1", "a2", "b1", "b2", "b3", "c1", "c2"]
    seqs = [int(m["id"]) for m in received]
    assert seqs == sorted(set(seqs))  # in commit order, none twice
    assert len({m["data"]["id"] for m in received}) == len(received)


async def test_a_first_connection_can_ask_for_the_backlog_after_a_seq(
    live_server: str, site: Any, staff: MakeStaff, token_for: TokenFor
) -> None:
    watcher = await staff("grace", role="grid_worker", unit=site.community_a)
    auth = {"Authorization": f"Bearer {await token_for(watcher)}"}
    await alarms(site.grid_a.path, "one")
    await alarms(site.community_b.path, "elsewhere")
    incident = IncidentDeclared(incident_id=uuid.uuid4(), org_path=site.community_a.path)
    await emit(incident)
    await alarms(site.grid_a.path, "two")
    async with (
        httpx.AsyncClient(base_url=live_server) as http,
        http.stream("GET", "/api/events/stream?after=0", headers=auth) as res,
    ):
        backlog = await take(sse_messages(res), 3)
    assert [m["event"] for m in backlog] == ["alarm.raised", "incident.declared", "alarm.raised"]
    assert backlog[1]["data"]["incident_id"] == str(incident.incident_id)
    assert [backlog[0]["data"]["note"], backlog[2]["data"]["note"]] == ["one", "two"]

    # The header of a reconnect wins over the URL's first resume point.
    resume = {**auth, "Last-Event-ID": backlog[1]["id"]}
    async with (
        httpx.AsyncClient(base_url=live_server) as http,
        http.stream("GET", "/api/events/stream?after=0", headers=resume) as res,
    ):
        assert notes(await take(sse_messages(res), 1)) == ["two"]


async def test_a_bad_resume_point_is_refused_or_ignored(
    live_server: str, site: Any, staff: MakeStaff, token_for: TokenFor
) -> None:
    operator = await staff("olivia", role="operator", unit=site.street)
    auth = {"Authorization": f"Bearer {await token_for(operator)}"}
    await alarms(site.grid_a.path, "before")
    async with httpx.AsyncClient(base_url=live_server) as http:
        res = await http.get("/api/events/stream?after=-1", headers=auth)
        assert res.status_code == 422
        assert res.headers["content-type"].startswith("application/problem+json")
        assert res.json()["code"] == "validation_failed"
        # An id from before the log (a UUID) cannot be resumed from: the stream starts now.
        stale = {**auth, "Last-Event-ID": str(uuid.uuid4())}
        async with http.stream("GET", "/api/events/stream", headers=stale) as res:
            assert res.status_code == 200
            stream = sse_messages(res)
            assert (await anext(stream)).get(":") == "connected"
            await alarms(site.grid_a.path, "after")
            assert notes(await take(stream, 1)) == ["after"]


def principal_at(path: str) -> Principal:
    return Principal(
        account_id=uuid.uuid4(),
        username="p",
        display_name="P",
        grants=(Grant("grid_worker", uuid.uuid4(), path),),
    )


async def collect(stream: AsyncIterator[str], count: int) -> list[dict[str, Any]]:
    """Return the next `count` events of a client's raw SSE text, decoded."""
    got: list[dict[str, Any]] = []
    async with asyncio.timeout(10):
        async for text in stream:
            if text.startswith("id:"):
                data = text.split("\ndata: ", 1)[1]
                got.append(json.loads(data))
                if len(got) == count:
                    return got
    raise AssertionError(f"the stream ended after {len(got)} of {count} events")


async def test_a_client_that_falls_behind_reads_the_log_instead_of_being_dropped(
    db: str,
) -> None:
    client = live.LiveClient(principal_at("/a/"), size=4)
    client.open(events.get_bus())
    stream = client.messages()
    try:
        assert (await anext(stream)).startswith("retry:")
        first = asyncio.create_task(collect(stream, 1))  # the stream now waits for live events
        await alarms("/a/b/", "0")
        assert [e["note"] for e in await first] == ["0"]
        # Nobody reads while 40 events are published: the queue of 4 overflows many times.
        await alarms("/a/b/", *(str(n) for n in range(1, 41)))
        assert client._subs  # still subscribed: not dropped
        rest = await collect(stream, 40)
    finally:
        await stream.aclose()
    assert [e["note"] for e in rest] == [str(n) for n in range(1, 41)]
    assert [e["seq"] for e in rest] == sorted({e["seq"] for e in rest})
    assert client.log_reads >= 2  # the initial backlog, then the catch-up after the overflow


async def commit_elsewhere(path: str, note: str) -> None:
    """Commit an event as another process would: logged, never published on this bus."""
    async with async_sessionmaker(get_engine())() as session:
        events.record(session, AlarmSeen(alarm_id=uuid.uuid4(), org_path=path, note=note))
        await session.commit()


async def test_an_event_the_bus_skipped_is_read_from_the_log_in_order(
    live_server: str, site: Any, staff: MakeStaff, token_for: TokenFor
) -> None:
    operator = await staff("olivia", role="operator", unit=site.street)
    auth = {"Authorization": f"Bearer {await token_for(operator)}"}
    async with (
        httpx.AsyncClient(base_url=live_server) as http,
        http.stream("GET", "/api/events/stream", headers=auth) as res,
    ):
        stream = sse_messages(res)
        assert (await anext(stream)).get(":") == "connected"
        await alarms(site.grid_a.path, "here 1")
        assert notes(await take(stream, 1)) == ["here 1"]
        await commit_elsewhere(site.grid_a.path, "there")
        await alarms(site.grid_a.path, "here 2")
        assert notes(await take(stream, 2)) == ["there", "here 2"]


async def test_events_committed_by_another_process_arrive_by_the_next_heartbeat(
    live_server: str,
    site: Any,
    staff: MakeStaff,
    token_for: TokenFor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(live, "HEARTBEAT_SECONDS", 0.05)
    operator = await staff("olivia", role="operator", unit=site.street)
    auth = {"Authorization": f"Bearer {await token_for(operator)}"}
    async with (
        httpx.AsyncClient(base_url=live_server) as http,
        http.stream("GET", "/api/events/stream", headers=auth) as res,
    ):
        stream = sse_messages(res)
        assert (await anext(stream)).get(":") == "connected"
        await commit_elsewhere(site.grid_a.path, "there")  # nothing reaches this bus at all
        assert notes(await take(stream, 1)) == ["there"]
