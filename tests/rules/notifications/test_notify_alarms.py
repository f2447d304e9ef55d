"""An alarm reaches the right person, on their channels, in their language; quiet hours hold
back what would wake them unless it is urgent; nobody acknowledging in time calls the next."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from babel.dates import format_datetime
from httpx import AsyncClient
from notify_world import NotifyWorld, dispatch, make_notify_world, outbox, sweep

from conftest import Mailbox
from linli.core import events, i18n
from linli.core.clock import ManualClock
from linli.core.localtime import zone
from linli.core.settings import get_settings
from linli.rules.notifications import dispatcher
from linli.rules.notifications.config import NotifySettings


@pytest.fixture
async def nworld(db: str, clock: ManualClock, notify: NotifySettings) -> NotifyWorld:
    return await make_notify_world()


async def test_the_on_call_person_is_told_in_app_by_email_and_sms_in_their_language(
    client: AsyncClient,
    nworld: NotifyWorld,
    clock: ManualClock,
    notify: NotifySettings,
    smtp_server: Mailbox,
) -> None:
    await nworld.set_locale("gw_a", "zh_Hans")
    await nworld.prefer(
        client, "gw_a", email="wang@linli.test", phone="+86 138 1234 5678",
        timezone="Asia/Shanghai",
    )  # fmt: skip
    await nworld.prefer(client, "gw_a2", email="li@linli.test", phone="+8613900000000")
    await nworld.route(client, ["gw_a", "gw_a2"], ack_timeout_minutes=10)
    await nworld.add_rule(severity="major")

    await nworld.send(client, "AQ-A", ("pm25", 120.0, clock.now()))
    read, sent = await dispatch()

    assert read == 1 and sent == 3
    zh = i18n.translations("zh_Hans")
    (note,) = await nworld.inbox(client, "gw_a")
    assert note["kind"] == "alarm.raised" and note["locale"] == "zh_Hans"
    headline = zh.gettext("Poor air: PM2.5 %(value)s") % {"value": "120 µg/m³"}
    assert note["title"] == f"[{zh.gettext('Major')}] {headline} — Air station A"
    assert await nworld.inbox(client, "gw_a2") == [], "only the first on the list is called"

    (mail,) = smtp_server.messages
    assert mail["To"] == "wang@linli.test"
    assert mail["Content-Language"] == "zh-Hans"
    assert zh.gettext("Major") in str(mail["Subject"])
    text = mail.get_content()
    local = format_datetime(clock.now(), "medium", tzinfo=zone("Asia/Shanghai"), locale="zh_Hans")
    assert local in text, "the time is written in the reader's language and zone"
    assert "AQ-A" in text and "pm25" not in text
    device_page = f"{get_settings().base_url}/devices/{nworld.devices['AQ-A'].id}"
    assert f"{zh.gettext('Open it in Linli')}: {device_page}" in text, "a link people can open"

    (sms,) = outbox(notify.outbox_dir, "sms")
    assert sms["to"] == "+8613812345678" and sms["locale"] == "zh_Hans"
    assert sms["subject"] == note["title"]

    deliveries = await nworld.deliveries(client)
    assert sorted(d["channel"] for d in deliveries) == ["email", "inapp", "sms"]
    assert {d["status"] for d in deliveries} == {"sent"}
    by_channel = {d["channel"]: d for d in deliveries}
    assert by_channel["sms"]["address"] == "+86 138****5678", "addresses are shown masked"
    assert by_channel["email"]["receipt_id"] == mail["Message-ID"]


async def test_quiet_hours_hold_back_a_non_urgent_sms_but_not_an_urgent_one(
    client: AsyncClient, nworld: NotifyWorld, clock: ManualClock, notify: NotifySettings
) -> None:
    await nworld.prefer(
        client, "gw_a", email="wang@linli.test", phone="+8613812345678",
        timezone="Asia/Shanghai", quiet_start="22:00", quiet_end="07:00",
    )  # fmt: skip
    await nworld.route(client, ["gw_a"])
    await nworld.add_rule(severity="major")
    await nworld.add_rule(name="PM10 very high", metric="pm10", severity="critical")
    clock.set(clock.now().replace(hour=15))  # 23:00 in Shanghai

    await nworld.send(client, "AQ-A", ("pm25", 120.0, clock.now()))
    await dispatch()
    (major,) = await nworld.inbox(client, "gw_a")
    assert "sms" in major["suppressed"]
    assert outbox(notify.outbox_dir, "sms") == []
    channels = sorted(d["channel"] for d in await nworld.deliveries(client))
    assert channels == ["email", "inapp"], "the silent channels still carry it"

    await nworld.send(client, "AQ-A", ("pm10", 400.0, clock.now()))
    await dispatch()
    critical = next(n for n in await nworld.inbox(client, "gw_a") if n["severity"] == "critical")
    assert critical["suppressed"] == []
    (sms,) = outbox(notify.outbox_dir, "sms")
    assert sms["subject"] == critical["title"]
    voice = outbox(notify.outbox_dir, "voice")
    assert len(voice) == 1, "a critical alarm also rings by voice"

    clock.advance(timedelta(hours=9))  # 08:00 next morning: quiet hours are over
    await nworld.send(client, "AQ-A", ("pm25", 20.0, clock.now()))
    await nworld.send(client, "AQ-A", ("pm25", 130.0, clock.now() + timedelta(minutes=1)))
    await dispatch()
    assert len(outbox(notify.outbox_dir, "sms")) == 2, "by day a major alarm sends an SMS"


async def test_unacknowledged_alarms_escalate_down_the_list_until_acknowledged(
    client: AsyncClient, nworld: NotifyWorld, clock: ManualClock, notify: NotifySettings
) -> None:
    await nworld.route(client, ["gw_a", "gw_a2", "gw_a3"], ack_timeout_minutes=10)
    await nworld.add_rule(severity="minor")
    await nworld.send(client, "AQ-A", ("pm25", 120.0, clock.now()))
    await dispatch()
    assert len(await nworld.inbox(client, "gw_a")) == 1

    clock.advance(timedelta(minutes=9))
    assert await sweep() == 0
    assert await nworld.inbox(client, "gw_a2") == []

    clock.advance(timedelta(minutes=2))
    assert await sweep() == 1
    assert await sweep() == 0, "a fired timer waits for the next timeout"
    await dispatch()
    (escalated,) = await nworld.inbox(client, "gw_a2")
    assert escalated["kind"] == "alarm.escalated"
    assert {d["status"] for d in await nworld.deliveries(client)} == {"sent"}

    alarms = (await client.get("/api/alarms", headers=nworld.auth("op"))).json()["items"]
    response = await client.post(
        f"/api/alarms/{alarms[0]['id']}/acknowledge", headers=nworld.auth("op")
    )
    assert response.status_code == 200, response.text
    await dispatch()

    clock.advance(timedelta(hours=2))
    assert await sweep() == 0
    await dispatch()
    assert await nworld.inbox(client, "gw_a3") == [], "acknowledging stopped the escalation"


async def test_an_alarm_acknowledged_in_time_calls_nobody_else_even_if_the_worker_lags(
    client: AsyncClient, nworld: NotifyWorld, clock: ManualClock, notify: NotifySettings
) -> None:
    await nworld.route(client, ["gw_a", "gw_a2"], ack_timeout_minutes=5)
    await nworld.add_rule(severity="minor")
    await nworld.send(client, "AQ-A", ("pm25", 120.0, clock.now()))
    await dispatch()
    alarms = (await client.get("/api/alarms", headers=nworld.auth("op"))).json()["items"]
    await client.post(f"/api/alarms/{alarms[0]['id']}/acknowledge", headers=nworld.auth("op"))

    clock.advance(timedelta(minutes=30))
    assert await sweep() == 0, "the sweep sees the acknowledgement before the dispatcher does"
    await dispatch()
    assert await nworld.inbox(client, "gw_a2") == []


async def test_without_a_route_the_nearest_staff_who_read_alarms_are_told(
    client: AsyncClient, nworld: NotifyWorld, clock: ManualClock, notify: NotifySettings
) -> None:
    await nworld.add_rule(severity="minor")
    await nworld.send(client, "AQ-B", ("pm25", 120.0, clock.now()))
    await dispatch()
    assert len(await nworld.inbox(client, "op_b")) == 1, "op_b works at community B itself"
    assert await nworld.inbox(client, "op") == [], "the district is further away"
    assert await nworld.inbox(client, "gw_a") == []


async def test_rival_sweeps_fire_a_due_timer_once(
    client: AsyncClient, nworld: NotifyWorld, clock: ManualClock, notify: NotifySettings
) -> None:
    await nworld.route(client, ["gw_a", "gw_a2", "gw_a3"], ack_timeout_minutes=10)
    await nworld.add_rule(severity="minor")
    await nworld.send(client, "AQ-A", ("pm25", 120.0, clock.now()))
    await dispatch()
    clock.advance(timedelta(minutes=10))

    fired = await asyncio.gather(*(sweep() for _ in range(4)))
    assert sorted(fired) == [0, 0, 0, 1]
    assert len(await nworld.inbox(client, "gw_a2")) == 1
    assert await nworld.inbox(client, "gw_a3") == []


async def test_the_running_worker_tells_people_as_alarms_happen(
    client: AsyncClient, nworld: NotifyWorld, clock: ManualClock, notify: NotifySettings
) -> None:
    await nworld.route(client, ["gw_a"])
    await nworld.add_rule(severity="minor")
    told = asyncio.Event()

    async def on_notification(_event: events.Event) -> None:
        told.set()

    subscription = events.get_bus().subscribe("notification.created", on_notification)
    stop = asyncio.Event()
    worker = asyncio.create_task(dispatcher.run_worker(stop))
    try:
        await nworld.send(client, "AQ-A", ("pm25", 120.0, clock.now()))
        await asyncio.wait_for(told.wait(), timeout=10)
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=10)
        subscription.close()
    (note,) = await nworld.inbox(client, "gw_a")
    assert note["kind"] == "alarm.raised"
