"""Sending holds no transaction: deliveries are claimed, sent with nothing open, and recorded;
a send cut short by a crash is retried when its claim's lease runs out."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from httpx import AsyncClient
from notify_world import NotifyWorld, make_notify_world
from sqlalchemy import select

from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.rules.notifications import dispatcher
from linli.rules.notifications.channels import Channel, Message, Receipt, build_gateways
from linli.rules.notifications.config import NotifySettings
from linli.rules.notifications.models import Delivery
from linli.rules.notifications.notice_delivery import LEASE_SECONDS


@pytest.fixture
async def nworld(db: str, clock: ManualClock, notify: NotifySettings) -> NotifyWorld:
    return await make_notify_world()


class Crash(BaseException):
    """The process dies in the middle of a gateway call."""


class WritingGateway:
    """An SMS gateway that, while it holds a message, has another unit of work change that
    very delivery: possible only if the dispatcher holds no transaction (no SQLite write lock,
    no PostgreSQL row lock) during the call."""

    gateway = "fake-sms"

    def __init__(self) -> None:
        self.written_during_send: list[bool] = []

    async def send(self, message: Message) -> Receipt:
        async def touch() -> None:
            async with session_scope() as session:
                row = await session.scalar(
                    select(Delivery)
                    .where(Delivery.id == message.delivery_id)
                    .with_for_update(nowait=True)
                )
                assert row is not None
                row.last_error = "written while the gateway held the message"

        try:
            await asyncio.wait_for(asyncio.create_task(touch()), timeout=5)
        except Exception:
            self.written_during_send.append(False)
        else:
            self.written_during_send.append(True)
        return Receipt(self.gateway, f"sms-{message.delivery_id}")


class CrashingGateway:
    gateway = "fake-sms"

    async def send(self, message: Message) -> Receipt:
        raise Crash


def gateways_with(sms: Channel, settings: NotifySettings) -> dict[str, Channel]:
    return {**build_gateways(settings), "sms": sms}


async def sms_deliveries() -> list[Delivery]:
    async with session_scope() as session:
        return list(await session.scalars(select(Delivery).where(Delivery.channel == "sms")))


async def alarm_with_sms(client: AsyncClient, nworld: NotifyWorld, clock: ManualClock) -> None:
    await nworld.prefer(client, "gw_a", phone="+8613812345678")
    await nworld.route(client, ["gw_a"])
    await nworld.add_rule(severity="major")
    await nworld.send(client, "AQ-A", ("pm25", 120.0, clock.now()))


async def test_no_transaction_is_open_while_a_gateway_holds_a_message(
    client: AsyncClient, nworld: NotifyWorld, clock: ManualClock, notify: NotifySettings
) -> None:
    await alarm_with_sms(client, nworld, clock)
    sms = WritingGateway()
    await dispatcher.run_once(gateways_with(sms, notify))

    assert sms.written_during_send == [True], "another writer got through during the send"
    (delivery,) = await sms_deliveries()
    assert (delivery.status, delivery.attempts, delivery.receipt_id) == (
        "sent",
        1,
        f"sms-{delivery.id}",
    )
    assert delivery.last_error is None, "the result was recorded after the send"


async def test_a_send_cut_short_is_retried_once_its_lease_runs_out(
    client: AsyncClient, nworld: NotifyWorld, clock: ManualClock, notify: NotifySettings
) -> None:
    await alarm_with_sms(client, nworld, clock)
    with pytest.raises(Crash):
        await dispatcher.run_once(gateways_with(CrashingGateway(), notify))
    (delivery,) = await sms_deliveries()
    assert (delivery.status, delivery.attempts, delivery.sent_at) == ("queued", 1, None)

    working = gateways_with(WritingGateway(), notify)
    await dispatcher.run_once(working)
    (delivery,) = await sms_deliveries()
    assert delivery.attempts == 1, "still claimed by the attempt that died: not sent twice yet"

    clock.advance(timedelta(seconds=LEASE_SECONDS))
    await dispatcher.run_once(working)
    (delivery,) = await sms_deliveries()
    assert (delivery.status, delivery.attempts) == ("sent", 2), "sent at least once"


async def test_a_claim_that_lost_its_lease_records_nothing(
    client: AsyncClient, nworld: NotifyWorld, clock: ManualClock, notify: NotifySettings
) -> None:
    await alarm_with_sms(client, nworld, clock)
    async with session_scope() as session:
        await dispatcher.dispatch_events(session)  # the alarm's deliveries, queued
    async with session_scope() as session:
        (slow,) = [c for c in await dispatcher.claim_due(session) if c.message.channel == "sms"]
    clock.advance(timedelta(seconds=LEASE_SECONDS))
    async with session_scope() as session:
        (fast,) = [c for c in await dispatcher.claim_due(session) if c.message.channel == "sms"]
    async with session_scope() as session:
        await dispatcher.record_result(session, fast, Receipt("fake-sms", "ok-1"), notify)
    async with session_scope() as session:
        late = dispatcher.DeliveryFailed("the slow attempt timed out")
        await dispatcher.record_result(session, slow, late, notify)

    (delivery,) = await sms_deliveries()
    assert (delivery.status, delivery.receipt_id, delivery.attempts) == ("sent", "ok-1", 2)
