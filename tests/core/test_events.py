from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import pytest

from linli.core import events
from linli.core.database import session_scope


class Probe(events.Event):
    subject: ClassVar[str] = "probe.seen"
    note: str


@pytest.fixture
def received() -> Iterator[list[events.Event]]:
    seen: list[events.Event] = []

    async def handler(event: events.Event) -> None:
        seen.append(event)

    subscription = events.get_bus().subscribe("probe.*", handler)
    yield seen
    subscription.close()


async def test_events_are_published_after_the_commit(db: str, received: list[events.Event]) -> None:
    async with session_scope() as session:
        events.record(session, Probe(org_path="/a/", note="one"))
        events.record(session, Probe(org_path="/a/", note="two"))
        assert received == []  # nothing leaves before the commit
    assert [e.note for e in received if isinstance(e, Probe)] == ["one", "two"]
    assert received[0].envelope()["subject"] == "probe.seen"


async def test_events_of_a_rolled_back_unit_of_work_are_never_published(
    db: str, received: list[events.Event]
) -> None:
    with pytest.raises(RuntimeError):
        async with session_scope() as session:
            events.record(session, Probe(org_path="/a/", note="lost"))
            raise RuntimeError("boom")
    assert received == []


async def test_a_failing_subscriber_does_not_stop_the_others(
    db: str, received: list[events.Event]
) -> None:
    async def broken(event: events.Event) -> None:
        raise ValueError("subscriber bug")

    subscription = events.get_bus().subscribe("probe.seen", broken)
    try:
        async with session_scope() as session:
            events.record(session, Probe(org_path="/a/", note="still delivered"))
    finally:
        subscription.close()
    assert len(received) == 1


async def test_subjects_match_by_pattern(received: list[events.Event]) -> None:
    class Other(events.Event):
        subject: ClassVar[str] = "other.thing"

    await events.get_bus().publish(Other(org_path="/a/"))
    await events.get_bus().publish(Probe(org_path="/a/", note="x"))
    assert [e.subject for e in received] == ["probe.seen"]
