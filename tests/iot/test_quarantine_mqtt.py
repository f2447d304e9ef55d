"""MQTT side of quarantine and revocation, against a real Mosquitto: refused messages and items
are kept and counted per channel; a revoked device is shut out of the broker at once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiomqtt
import pytest
from iot_world import World
from mqtt_broker import SERVICE_PASSWORD, SERVICE_USER, Listener, until
from mqtt_faults import DurableBroker
from sqlalchemy import select

from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.core.settings import Settings
from linli.iot import broker, provisioning, quarantine
from linli.iot.models import Device, QuarantinedInput
from linli.iot.mqtt import counters, reset_counters

SITE = "T"


@pytest.fixture(autouse=True)
def _fresh_metrics() -> Iterator[None]:
    quarantine.reset_rejections()
    reset_counters()
    yield
    quarantine.reset_rejections()


@pytest.fixture
async def mosquitto(world: World, tmp_path: Path) -> AsyncIterator[DurableBroker]:
    """A broker that writes its pid file, so Linli can make it reload its credentials."""
    async with session_scope() as session:
        files = await broker.broker_files(
            session, service_user=SERVICE_USER, service_password=SERVICE_PASSWORD
        )
    (tmp_path / "broker").mkdir()
    running = DurableBroker(tmp_path / "broker")
    running.configure(files)
    await running.start()
    yield running
    await running.stop()


def _client(mosquitto: DurableBroker, code: str, password: str) -> aiomqtt.Client:
    return aiomqtt.Client(
        "127.0.0.1", mosquitto.port, username=code, password=password, identifier=f"t-{code}"
    )


async def _rows() -> list[tuple[str, str | None, str]]:
    async with session_scope() as session:
        rows = await session.execute(
            select(QuarantinedInput.channel, QuarantinedInput.device_code, QuarantinedInput.reason)
        )
        return sorted((c, d, r) for c, d, r in rows)


async def test_refused_mqtt_input_is_quarantined_and_counted(
    world: World, mosquitto: DurableBroker, clock: ManualClock
) -> None:
    listener = Listener(mosquitto.service_url)
    await listener.start()
    try:
        password = broker.mqtt_password(world.devices["AQ-A"])
        async with _client(mosquitto, "AQ-A", password) as device:
            up = broker.topic(SITE, "AQ-A", "up")
            await device.publish(up, b"\xff not json", qos=1)
            mixed = [{"m": "pm25", "v": 44}, {"m": "pm25", "v": -5}, {"m": "co2", "v": 1}]
            await device.publish(up, json.dumps(mixed), qos=1)
            await device.publish(up, b"[" * 100_000 + b"]" * 100_000, qos=1)
            await until(lambda: counters().get("handled") == 3, what="all three are handled")
    finally:
        await listener.stop()
    assert counters()["stored"] == 1
    assert await _rows() == [
        ("mqtt", "AQ-A", "bad_json"),
        ("mqtt", "AQ-A", "json_too_deep"),
        ("mqtt", "AQ-A", "out_of_range"),
        ("mqtt", "AQ-A", "unknown_metric"),
    ]
    assert quarantine.rejections() == {
        ("mqtt", "bad_json"): 1,
        ("mqtt", "json_too_deep"): 1,
        ("mqtt", "out_of_range"): 1,
        ("mqtt", "unknown_metric"): 1,
    }


async def test_revocation_shuts_the_device_out_of_the_broker(
    world: World, mosquitto: DurableBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    configured = Settings(mqtt_url=mosquitto.service_url, mqtt_broker_dir=mosquitto.directory)
    monkeypatch.setattr(broker, "get_settings", lambda: configured)
    old_password = broker.mqtt_password(world.devices["AQ-A"])
    async with _client(mosquitto, "AQ-A", old_password):
        pass  # gets in before the revocation

    async with session_scope() as session:
        device = await session.get(Device, world.devices["AQ-A"].id)
        assert device is not None
        await provisioning.revoke_credentials(session, device)

    async def shut_out() -> bool:
        try:
            async with _client(mosquitto, "AQ-A", old_password):
                return False
        except aiomqtt.MqttError:
            return True

    await until(shut_out, what="the broker reloads and refuses the revoked device")
    async with _client(mosquitto, "AQ-B", broker.mqtt_password(world.devices["AQ-B"])):
        pass  # the others are untouched

    async with session_scope() as session:
        device = await session.get(Device, world.devices["AQ-A"].id)
        assert device is not None
        fresh = await provisioning.rotate_credentials(session, device)
    assert fresh.mqtt_password != old_password

    async def let_in() -> bool:
        try:
            async with _client(mosquitto, "AQ-A", fresh.mqtt_password):
                return True
        except aiomqtt.MqttError:
            return False

    await until(let_in, what="the rotated password works")
