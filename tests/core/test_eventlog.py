"""The durable event log: written with the data it describes, numbered in commit order."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import ClassVar

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.cases.events import CaseChanged
from linli.core import eventlog, events
from linli.core.clock import ManualClock
from linli.core.database import get_engine, session_scope
from linli.core.eventlog import EventLogEntry
from linli.core.settings import Settings
from linli.rules.events import AlarmRaised


class Probe(events.Event):
    subject: ClassVar[str] = "probe.seen"
    note: str = ""


class Other(events.Event):
    subject: ClassVar[str] = "other_kind.seen"


@pytest.fixture
def published() -> Iterator[list[events.Event]]:
    seen: list[events.Event] = []

    async def collect(event: events.Event) -> None:
        seen.append(event)

    subscription = events.get_bus().subscribe("*", collect)
    yield seen
    subscription.close()


async def _log(patterns: tuple[str, ...] = ("*",)) -> list[EventLogEntry]:
    async with session_scope() as session:
        return await eventlog.read_after(session, 0, patterns=patterns, limit=10_000)


def _alarm(org_path: str = "/t/") -> AlarmRaised:
    return AlarmRaised(
        org_path=org_path,
        alarm_id=uuid.uuid4(),
        rule_id=uuid.uuid4(),
        device_code="AQ-A",
        device_type="AirQualityObserved",
        metric="pm25",
        value=120.0,
        severity="major",
        status="active",
        lon=None,
        lat=None,
    )


async def test_recorded_events_are_logged_with_their_data_and_published_with_their_seq(
    db: str, published: list[events.Event]
) -> None:
    first, second = Probe(org_path="/a/", note="one"), Probe(org_path="/a/b/", note="two")
    async with session_scope() as session:
        events.record(session, first)
        events.record(session, second)
    entries = await _log()
    assert [e.id for e in entries] == [first.id, second.id]
    assert entries[0].seq < entries[1].seq
    assert [(e.subject, e.org_path, e.at) for e in entries] == [
        ("probe.seen", "/a/", first.at),
        ("probe.seen", "/a/b/", second.at),
    ]
    # What subscribers get is what the log holds: the envelope, stamped with the seq.
    assert [e.envelope() for e in published] == [e.payload for e in entries]
    assert [e.seq for e in published] == [e.seq for e in entries]
    assert entries[1].payload["note"] == "two" and entries[1].payload["seq"] == entries[1].seq


async def test_a_rolled_back_unit_of_work_logs_nothing(
    db: str, published: list[events.Event]
) -> None:
    with pytest.raises(RuntimeError):
        async with session_scope() as session:
            events.record(session, Probe(org_path="/a/", note="lost"))
            raise RuntimeError("boom")
    async with session_scope() as session:
        events.record(session, Probe(org_path="/a/", note="kept"))
    assert [e.payload["note"] for e in await _log()] == ["kept"]
    assert [e.seq for e in published] == [e.seq for e in await _log()]


async def test_events_around_a_savepoint_are_logged_once_with_the_real_commit(db: str) -> None:
    async with session_scope() as session:
        events.record(session, Probe(org_path="/a/", note="before"))
        async with session.begin_nested():
            events.record(session, Probe(org_path="/a/", note="inside"))
        assert await eventlog.read_after(session, 0) == []  # nothing logged early
        events.record(session, Probe(org_path="/a/", note="after"))
    assert [e.payload["note"] for e in await _log()] == ["before", "inside", "after"]


async def test_the_source_names_what_the_event_is_about(db: str) -> None:
    alarm = _alarm()
    case = CaseChanged(
        org_path="/t/", case_id=uuid.uuid4(), ref="C-1", status="dispatched", title="x", priority=2
    )
    probe, other = Probe(org_path="/t/"), Other(org_path="/t/")
    async with session_scope() as session:
        for event in (alarm, case, probe, other):
            events.record(session, event)
    assert [e.source for e in await _log()] == [
        f"alarm:{alarm.alarm_id}",
        f"case:{case.case_id}",
        f"probe:{probe.id}",  # no probe_id field: the event itself
        f"other_kind:{other.id}",
    ]


async def test_read_after_filters_by_subject_pattern_and_pages_in_seq_order(db: str) -> None:
    async with session_scope() as session:
        for n in range(5):
            events.record(session, Probe(org_path="/a/", note=str(n)))
            events.record(session, Other(org_path="/a/"))
    everything = await _log()
    assert len(everything) == 10
    async with session_scope() as session:
        probes = await eventlog.read_after(session, 0, patterns=("probe.*",), limit=3)
        rest = await eventlog.read_after(session, probes[-1].seq, patterns=("probe.*",))
        both = await eventlog.read_after(session, 0, patterns=("probe.*", "other_?ind.*"))
        none = await eventlog.read_after(session, 0, patterns=("other%",))  # no SQL wildcard
        head = await eventlog.head(session)
    assert [e.payload["note"] for e in probes + rest] == ["0", "1", "2", "3", "4"]
    assert [e.seq for e in both] == [e.seq for e in everything]
    assert none == []
    assert head == everything[-1].seq
    with pytest.raises(ValueError):
        await eventlog.read_after(session, 0, patterns=("[ab]*",))


async def test_old_entries_are_pruned_but_numbering_never_restarts(
    db: str, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert Settings().event_log_days == 7  # the default
    monkeypatch.setenv("LINLI_EVENT_LOG_DAYS", "3")
    three_days = Settings()
    assert three_days.event_log_days == 3
    monkeypatch.setattr(eventlog, "get_settings", lambda: three_days)
    for note in ("old", "older"):
        async with session_scope() as session:
            events.record(session, Probe(org_path="/a/", note=note))
    clock.advance(timedelta(days=2))
    async with session_scope() as session:
        events.record(session, Probe(org_path="/a/", note="recent"))
    clock.advance(timedelta(days=1, minutes=1))
    assert await eventlog.prune_expired() == 2
    assert [e.payload["note"] for e in await _log()] == ["recent"]
    clock.advance(timedelta(days=30))
    # Everything is old now: the newest entry stays so the next seq follows it.
    assert await eventlog.prune_expired() == 0
    (kept,) = await _log()
    async with session_scope() as session:
        events.record(session, Probe(org_path="/a/", note="next"))
    assert [e.payload["note"] for e in await _log()] == ["recent", "next"]
    assert (await _log())[-1].seq == kept.seq + 1


async def test_a_reader_following_seq_never_misses_an_event_of_concurrent_writers(
    db: str,
) -> None:
    """Writers commit concurrently; a follower that only ever asks for `seq > last` gets all."""
    writers, per_writer = 4, 25
    done = asyncio.Event()
    followed: list[int] = []

    async def write(w: int) -> None:
        for n in range(per_writer):
            async with session_scope() as session:
                events.record(session, Probe(org_path="/a/", note=f"{w}.{n}"))

    async def follow() -> None:
        last = 0
        while True:
            finished = done.is_set()
            async with session_scope() as session:
                page = await eventlog.read_after(session, last, patterns=("probe.*",))
            for entry in page:
                followed.append(entry.seq)
                last = entry.seq
            if finished and not page:
                return

    follower = asyncio.create_task(follow())
    await asyncio.gather(*(write(w) for w in range(writers)))
    done.set()
    await follower
    logged = [e.seq for e in await _log(("probe.*",))]
    assert len(logged) == writers * per_writer
    assert followed == logged  # nothing skipped, nothing twice, in order


async def test_on_postgresql_a_later_writer_waits_for_the_earlier_commit(db: str) -> None:
    """The gap a reader could see: A numbered its event, B commits first. B must wait for A."""
    if get_engine().dialect.name != "postgresql":
        pytest.skip("SQLite serializes every write transaction already")
    sessions = async_sessionmaker(get_engine(), expire_on_commit=False)
    slow_event, fast_event = Probe(org_path="/a/", note="A"), Probe(org_path="/a/", note="B")
    async with sessions() as slow, sessions() as watcher:
        # A: numbers its event (taking the log's lock) and has not committed yet.
        (stamped,) = await slow.run_sync(lambda s: eventlog.append(s, [slow_event]))

        async def commit_fast() -> None:
            async with session_scope() as session:
                events.record(session, fast_event)

        fast = asyncio.create_task(commit_fast())
        await _until_waiting_for_the_log_lock(watcher)
        assert not fast.done()
        async with session_scope() as reader:
            assert await eventlog.read_after(reader, 0) == []  # neither is visible yet
        await slow.commit()
        await fast
    entries = await _log()
    assert [e.id for e in entries] == [slow_event.id, fast_event.id]
    assert stamped.seq is not None
    assert entries[0].seq == stamped.seq < entries[1].seq


async def _until_waiting_for_the_log_lock(watcher: AsyncSession) -> None:
    """Return once another connection waits on the event log's advisory lock."""
    query = text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    async with asyncio.timeout(10):
        while not await watcher.scalar(query):
            await watcher.rollback()  # a fresh snapshot of pg_locks each time
