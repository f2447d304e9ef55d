"""The simulator's MQTT side: one connection per device (the broker's ACL lets a device publish
only on its own topic), one compact QoS 1 message per device per round.

A message is the compact list `[{"m": metric, "v": value, "t": unix seconds}, …]` that the
listener reads (see `linli.iot.mqtt_messages`); `publish` returns once the broker has
acknowledged it. Credentials come from the device list (`mqtt_password`, `mqtt_site`) or from
the database (`devices_from_database`).
"""

from __future__ import annotations

import contextlib
import json
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiomqtt

from linli.twin.simulated import SimulatedDevice

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


class MqttSendError(Exception):
    """A message not acknowledged; `retry` says whether trying again may help."""

    def __init__(self, reason: str, *, retry: bool) -> None:
        super().__init__(reason)
        self.retry = retry


def compact(items: list[dict[str, Any]]) -> bytes:
    """Encode ingest items in the compact form `{"m", "v", "t"}` (t: Unix seconds)."""
    seconds: dict[str, int] = {}  # a batch holds many readings of each timestamp
    out = []
    for item in items:
        text = str(item["ts"])
        t = seconds.get(text)
        if t is None:
            t = seconds[text] = int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
        out.append({"m": item["metric"], "v": item["value"], "t": t})
    return json.dumps(out, separators=(",", ":")).encode()


class MqttSender:
    """Publishes devices' readings to a broker at `mqtt://host:port` (credentials per device)."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.scheme != "mqtt" or not parts.hostname:
            raise ValueError("the broker URL must look like mqtt://host:1883")
        self.host, self.port = parts.hostname, parts.port or 1883
        self.timeout = timeout
        self._clients: dict[str, aiomqtt.Client] = {}
        self._stack = contextlib.AsyncExitStack()

    async def __aenter__(self) -> MqttSender:
        await self._stack.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        for client in list(self._clients.values()):
            with contextlib.suppress(Exception):
                await client.__aexit__(None, None, None)
        self._clients.clear()
        await self._stack.__aexit__(None, None, None)

    async def _client(self, device: SimulatedDevice) -> aiomqtt.Client:
        client = self._clients.get(device.code)
        if client is not None:
            return client
        if not device.mqtt_password or not device.mqtt_site:
            raise MqttSendError("no MQTT password or site for this device", retry=False)
        client = aiomqtt.Client(
            self.host,
            self.port,
            username=device.code,
            password=device.mqtt_password,
            identifier=f"sim-{device.code}-{uuid.uuid4().hex[:6]}",
            timeout=self.timeout,
        )
        try:
            await client.__aenter__()
        except aiomqtt.MqttError as err:
            refused = "not authori" in str(err).lower() or "bad user" in str(err).lower()
            raise MqttSendError(f"connect: {err}", retry=not refused) from err
        self._clients[device.code] = client
        return client

    async def connect(self, device: SimulatedDevice) -> None:
        """Log `device` in now rather than at its first message."""
        await self._client(device)

    async def publish(self, device: SimulatedDevice, items: list[dict[str, Any]]) -> None:
        """Publish one device's items as one message and wait for the broker's PUBACK."""
        client = await self._client(device)
        topic = f"linli/{device.mqtt_site}/{device.code}/up"
        try:
            await client.publish(topic, compact(items), qos=1)
        except aiomqtt.MqttError as err:
            self._clients.pop(device.code, None)
            with contextlib.suppress(Exception):
                await client.__aexit__(None, None, None)
            raise MqttSendError(f"publish: {err}", retry=True) from err


async def devices_from_database(
    session: AsyncSession, *, codes: list[str] | None = None
) -> list[SimulatedDevice]:
    """Return the active devices with their MQTT credentials (derived, never stored)."""
    from linli.iot import service as iot_service

    return [
        SimulatedDevice(
            code=login.device.code,
            type=login.device.type,
            lon=login.device.lon,
            lat=login.device.lat,
            mqtt_password=login.password,
            mqtt_site=login.site,
        )
        for login in await iot_service.mqtt_logins(session, codes=codes)
    ]
