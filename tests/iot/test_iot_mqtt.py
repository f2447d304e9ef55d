"""MQTT against a real Mosquitto: generated credentials and ACL, ingest, rejections, commands."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiomqtt
import pytest
from iot_world import World
from mqtt_broker import WAIT, Broker, Listener, linli_broker, until
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from factories import run_linli
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.iot import broker, commands, mqtt
from linli.iot import service as iot_service
from linli.iot.models import Device, Reading
from linli.iot.mqtt import counters, reset_counters

SITE = "T"  # the code of the test district, the root of every device's org path


@pytest.fixture
async def mosquitto(world: World, tmp_path: Path) -> AsyncIterator[Broker]:
    """A private broker holding the credentials and ACL Linli generates for the world."""
    async with linli_broker(tmp_path / "broker") as running:
        yield running


@pytest.fixture
async def listener(mosquitto: Broker) -> AsyncIterator[Listener]:
    reset_counters()
    running = Listener(mosquitto.service_url)
    await running.start()
    yield running
    await running.stop()


def device_client(mosquitto: Broker, world: World, code: str) -> aiomqtt.Client:
    return mosquitto.client(code, broker.mqtt_password(world.devices[code]))


def up(code: str) -> str:
    return broker.topic(SITE, code, "up")


async def stored(code: str) -> list[tuple[str, datetime, float]]:
    async with session_scope() as session:
        rows = await session.execute(
            select(Reading.metric, Reading.ts, Reading.value)
            .join(Device, Device.id == Reading.device_id)
            .where(Device.code == code)
            .order_by(Reading.ts, Reading.metric)
        )
        return [(m, ts, v) for m, ts, v in rows]


async def next_message(client: aiomqtt.Client) -> dict[str, object]:
    message = await asyncio.wait_for(anext(aiter(client.messages)), WAIT)
    assert isinstance(message.payload, bytes)
    body: dict[str, object] = json.loads(message.payload)
    return body


async def test_published_readings_are_stored_once_even_when_redelivered(
    world: World, mosquitto: Broker, listener: Listener, clock: ManualClock
) -> None:
    now = clock.now()
    earlier = now - timedelta(minutes=10)
    batch = json.dumps(
        {"readings": [{"metric": "pm25", "value": 80.5, "ts": earlier.isoformat()}]}
    ).encode()
    compact = json.dumps([{"m": "pm10", "v": 41, "t": now.timestamp()}, {"m": "no2", "v": 7}])
    async with device_client(mosquitto, world, "AQ-A") as device:
        await device.publish(up("AQ-A"), batch, qos=1)
        await device.publish(up("AQ-A"), compact, qos=1)
        await until(lambda: counters().get("handled") == 2, what="both messages are handled")
        expected = [("pm25", earlier, 80.5), ("no2", now, 7.0), ("pm10", now, 41.0)]
        assert await stored("AQ-A") == expected

        await device.publish(up("AQ-A"), batch, qos=1)  # a redelivery, as after a lost PUBACK
        await until(lambda: counters().get("handled") == 3, what="the redelivery is handled")
    assert await stored("AQ-A") == expected
    assert counters()["stored"] == 3 and counters()["duplicates"] == 1


async def test_readings_sent_while_linli_is_down_arrive_when_it_is_back(
    world: World, mosquitto: Broker, listener: Listener, clock: ManualClock
) -> None:
    await listener.stop()
    async with device_client(mosquitto, world, "AQ-B") as device:
        for minutes in (1, 2):
            ts = (clock.now() - timedelta(minutes=minutes)).isoformat()
            body = {"readings": [{"metric": "pm25", "value": 10 * minutes, "ts": ts}]}
            await device.publish(up("AQ-B"), json.dumps(body), qos=1)
    assert await stored("AQ-B") == []

    await listener.start()  # same client id: the broker kept the session and its messages
    await until(lambda: counters().get("stored") == 2, what="the kept messages are stored")
    assert [v for _, _, v in await stored("AQ-B")] == [20.0, 10.0]


async def test_a_device_cannot_publish_on_another_devices_topic(
    world: World, mosquitto: Broker, listener: Listener
) -> None:
    reading = json.dumps({"m": "pm25", "v": 66})
    async with device_client(mosquitto, world, "AQ-B") as intruder:
        await intruder.publish(up("AQ-A"), reading, qos=1)  # dropped by the broker's ACL
        await intruder.publish(broker.topic("X", "AQ-B", "up"), reading, qos=1)  # wrong site
        await intruder.publish(up("AQ-B"), reading, qos=1)  # its own topic: allowed
        # One connection's messages are handled in order: once the allowed one is in, the
        # refused ones would have been too.
        await until(lambda: counters().get("stored") == 1, what="the allowed reading is stored")
    assert await stored("AQ-A") == []
    assert [v for _, _, v in await stored("AQ-B")] == [66.0]
    assert counters()["received"] == 1


async def test_wrong_credentials_are_refused_by_the_broker(world: World, mosquitto: Broker) -> None:
    attempts = [
        ("AQ-A", "not-the-password"),
        ("AQ-A", world.device_tokens["AQ-A"]),  # the HTTP token is not the MQTT password
        ("AQ-A", broker.mqtt_password(world.devices["AQ-B"])),
        ("AQ-Z", "anything"),
    ]
    for username, password in attempts:
        with pytest.raises(aiomqtt.MqttError):
            async with mosquitto.client(username, password):
                pass
    async with device_client(mosquitto, world, "AQ-A"):
        pass  # the right one gets in


async def test_a_command_reaches_its_device_and_the_acknowledgement_is_recorded(
    world: World, mosquitto: Broker, listener: Listener, clock: ManualClock
) -> None:
    async with device_client(mosquitto, world, "AQ-A") as device:
        await device.subscribe(broker.topic(SITE, "AQ-A", "down"), qos=1)
        async with session_scope() as session:
            target = await session.get(Device, world.devices["AQ-A"].id)
            assert target is not None
            sent = await commands.send_command(
                session, device=target, name="set_interval", params={"seconds": 60}, actor="op"
            )
        received = await next_message(device)
        assert received == {
            "command_id": str(sent.id),
            "name": "set_interval",
            "params": {"seconds": 60},
        }
        async with session_scope() as session:
            row = await commands.get_command(session, sent.id)
            assert (row.status, row.sent_at) == ("sent", clock.now())

        clock.advance(timedelta(seconds=3))
        ack = {"command_id": str(sent.id), "status": "ok", "detail": "interval is 60 s"}
        await device.publish(broker.topic(SITE, "AQ-A", "ack"), json.dumps(ack), qos=1)
        await until(lambda: counters().get("acks") == 1, what="the ack is recorded")

    async with session_scope() as session:
        row = await commands.get_command(session, sent.id)
        assert (row.status, row.acknowledged_at, row.detail, row.actor) == (
            "acknowledged",
            clock.now(),
            "interval is 60 s",
            "op",
        )


async def test_an_unacknowledged_command_times_out(
    world: World, mosquitto: Broker, listener: Listener, clock: ManualClock
) -> None:
    async with session_scope() as session:
        target = await session.get(Device, world.devices["AQ-B"].id)
        assert target is not None
        command = await commands.send_command(session, device=target, name="reboot", actor="op")
    await until(lambda: counters().get("commands_sent") == 1, what="the command is published")
    clock.advance(commands.DEFAULT_TIMEOUT - timedelta(seconds=1))
    async with session_scope() as session:
        assert await commands.expire_commands(session) == 0
    clock.advance(timedelta(seconds=2))
    async with session_scope() as session:
        assert await commands.expire_commands(session) == 1
    async with session_scope() as session:
        assert (await commands.get_command(session, command.id)).status == "timed_out"


async def test_malformed_payloads_are_counted_and_rejections_sent_back(
    world: World, mosquitto: Broker, listener: Listener, clock: ManualClock
) -> None:
    async with device_client(mosquitto, world, "AQ-A") as device:
        await device.subscribe(broker.topic(SITE, "AQ-A", "rejected"), qos=1)
        await device.publish(up("AQ-A"), b"{nope", qos=1)
        assert await next_message(device) == {
            "code": "bad_json",
            "reason": "the payload is not valid JSON",
        }
        await device.publish(up("AQ-A"), b"42", qos=1)
        assert (await next_message(device))["code"] == "bad_batch"
        assert counters()["malformed"] == 2
        assert await stored("AQ-A") == []

        mixed = [{"m": "pm25", "v": 12}, {"m": "co2", "v": 400}, {"m": "pm10", "v": "high"}]
        await device.publish(up("AQ-A"), json.dumps(mixed), qos=1)
        answer = await next_message(device)
    assert answer["accepted"] == 1
    assert answer["rejected"] == [
        {"index": 1, "code": "unknown_metric", "reason": "AirQualityObserved has no metric 'co2'"},
        {"index": 2, "code": "bad_value", "reason": "'value' must be a number"},
    ]
    assert await stored("AQ-A") == [("pm25", clock.now(), 12.0)]


async def test_acks_for_unknown_commands_change_nothing(
    world: World, mosquitto: Broker, listener: Listener
) -> None:
    async with device_client(mosquitto, world, "AQ-A") as device:
        ack_topic = broker.topic(SITE, "AQ-A", "ack")
        await device.publish(ack_topic, json.dumps({"command_id": str(uuid.uuid4())}), qos=1)
        ack = {"command_id": str(uuid.uuid4()), "status": "ok"}
        await device.publish(ack_topic, json.dumps(ack), qos=1)
        await until(lambda: counters().get("handled") == 2, what="both acks are handled")
    assert (counters().get("malformed"), counters().get("bad_ack")) == (1, 1)


def _has_user(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


async def test_broker_config_command_writes_the_files(
    db: str, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "mosquitto"
    monkeypatch.delenv("LINLI_MQTT_URL", raising=False)
    code, stdout = await run_linli(
        db, "iot", "broker-config", "--out", str(out), "--service-password", "pw"
    )
    assert code == 0, stdout
    assert "for 2 devices" in " ".join(stdout.split())
    users = [line.split(":")[0] for line in (out / "passwd").read_text().splitlines()]
    assert users == ["linli", "AQ-A", "AQ-B"]
    for name in ("passwd", "acl"):  # Mosquitto's own user reads them, nobody else
        mode = (out / name).stat().st_mode & 0o777
        assert mode == 0o640, oct(mode)
        if os.geteuid() == 0 and _has_user("mosquitto"):
            assert (out / name).owner() == "mosquitto"
    include = (out / "conf.d" / "linli.conf").read_text()
    assert f"password_file {out / 'passwd'}\n" in include and "allow_anonymous false" in include
    main = (out / "mosquitto.conf").read_text()  # a whole broker: `mosquitto -c` runs it
    assert f"pid_file {out / 'run' / 'mosquitto.pid'}\n" in main and "listener 1883\n" in main
    assert f"include_dir {out / 'conf.d'}\n" in main
    acl = (out / "acl").read_text()
    assert "user AQ-A\ntopic write linli/T/AQ-A/up\ntopic write linli/T/AQ-A/ack\n" in acl
    assert "topic read linli/T/AQ-A/down\n" in acl


async def test_a_message_whose_work_failed_is_redelivered_and_stored(
    world: World,
    mosquitto: Broker,
    listener: Listener,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_ingest = iot_service.ingest_items
    failures: list[str] = []

    async def crash_once(session: AsyncSession, *, device: Device, items: Sequence[object]) -> Any:
        if not failures:
            failures.append(device.code)
            raise ConnectionError("database went away")  # before the commit, so no PUBACK
        return await real_ingest(session, device=device, items=items)

    monkeypatch.setattr(iot_service, "ingest_items", crash_once)
    monkeypatch.setattr(mqtt, "RETRY_SECONDS", 0.01)
    async with device_client(mosquitto, world, "AQ-A") as device:
        await device.publish(up("AQ-A"), json.dumps({"m": "pm25", "v": 33}), qos=1)
        await until(lambda: counters().get("stored") == 1, what="the redelivered message is stored")
    assert failures == ["AQ-A"] and counters()["reconnects"] == 1
    assert counters()["received"] == 2  # the broker sent it again on the new connection
    assert await stored("AQ-A") == [("pm25", clock.now(), 33.0)]


async def test_a_device_never_receives_another_devices_commands(
    world: World, mosquitto: Broker, listener: Listener
) -> None:
    async def send(code: str) -> uuid.UUID:
        async with session_scope() as session:
            target = await session.get(Device, world.devices[code].id)
            assert target is not None
            command = await commands.send_command(session, device=target, name="ping", actor="op")
        return command.id

    async with (
        device_client(mosquitto, world, "AQ-A") as owner,
        device_client(mosquitto, world, "AQ-B") as snoop,
    ):
        await owner.subscribe(broker.topic(SITE, "AQ-A", "down"), qos=1)
        # Mosquitto grants the subscription but its ACL filters every delivery on it.
        await snoop.subscribe(broker.topic(SITE, "AQ-A", "down"), qos=1)
        await snoop.subscribe(broker.topic(SITE, "AQ-B", "down"), qos=1)
        for_a = await send("AQ-A")
        assert (await next_message(owner))["command_id"] == str(for_a)
        for_b = await send("AQ-B")
        # Delivered in order: had AQ-A's command reached the snoop, it would come first.
        assert (await next_message(snoop))["command_id"] == str(for_b)
