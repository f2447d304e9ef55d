"""The MQTT listener: readings and command acknowledgements in, commands and rejections out.

The topics and payloads are described in `linli.iot.mqtt_messages`. The broker authenticates
each device (user name = device code, see `linli.iot.broker`) and its ACL lets a device use only
its own topics, so the listener trusts the code in the topic.

Delivery is at-least-once. The listener connects with a fixed client id and a persistent session
(clean_session False) and subscribes with QoS 1, so the broker keeps what devices publish while
Linli is down. A message is acknowledged (PUBACK) only after its transaction has committed: paho's
manual acknowledgement, switched on before connecting because aiomqtt 2.5.1 does not expose it.
Messages that have arrived together (up to `MAX_MESSAGES_PER_COMMIT`) share one transaction and
are acknowledged, in order, once it has committed: under load, one commit serves many devices.
A failure before the PUBACK makes the listener reconnect and the broker redeliver; ingest is
idempotent on (device, metric, ts) and acknowledgements on `command_id`, so nothing is stored twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
from collections import Counter
from dataclasses import dataclass
from typing import Any

import aiomqtt
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import events
from linli.core.database import session_scope
from linli.core.errors import LinliError
from linli.iot import broker, commands, quarantine, repository, service
from linli.iot.broker import BrokerTarget
from linli.iot.models import Device
from linli.iot.mqtt_messages import AckIn, BadPayload, DeviceTopic, parse_topic, reading_items

log = logging.getLogger(__name__)

UP = "linli/+/+/up"
ACK = "linli/+/+/ack"
DEFAULT_CLIENT_ID = "linli-ingest"
RETRY_SECONDS = 5.0
MAX_MESSAGES_PER_COMMIT = 200

_counters: Counter[str] = Counter()


def counters() -> dict[str, int]:
    """Return what the listener has counted since the last reset.

    `received` counts messages as they arrive, `handled` once committed and acknowledged; the
    others say what became of them: stored, duplicates, rejected_items, malformed (unreadable
    payloads), unknown_device, inactive_device, revoked_device, refused, acks, bad_ack,
    bad_topic, commands_sent, reconnects.
    """
    return dict(_counters)


def reset_counters() -> None:
    """Start counting from zero."""
    _counters.clear()


def _refusal(device: Device | None) -> str | None:
    """Return why a device's readings are refused (unknown, inactive, revoked), or None."""
    if device is None:
        return "unknown_device"
    if not device.active:
        return "inactive_device"
    if device.revoked_at is not None:
        return "revoked_device"
    return None


@dataclass(frozen=True)
class _Verdict:
    """What became of a message: counters to add and a rejection to publish, once committed."""

    counts: dict[str, int]
    reject: tuple[DeviceTopic, dict[str, Any]] | None = None


class _Connection:
    """One connected session: handles messages and publishes commands until it fails."""

    def __init__(self, client: aiomqtt.Client) -> None:
        self.client = client

    async def publish(self, topic: str, payload: bytes) -> None:
        await self.client.publish(topic, payload, qos=1)

    async def receive(self) -> None:
        messages = self.client.messages
        async for first in messages:
            # What has already arrived is stored in one transaction: one commit for many.
            batch = [first]
            while len(messages) and len(batch) < MAX_MESSAGES_PER_COMMIT:
                batch.append(await anext(messages))
            _counters["received"] += len(batch)
            await self.handle_batch(batch)
            # Only now, with the work committed, may the broker forget the messages (in order).
            for message in batch:
                self.client._client.ack(message.mid, message.qos)
            _counters["handled"] += len(batch)

    async def handle_batch(self, messages: list[aiomqtt.Message]) -> None:
        """Process messages in one transaction; raise only if they should be redelivered.

        A message refused by a service (a `LinliError`) makes the batch be done again one
        message per transaction, so that only the refused one is dropped.
        """
        if len(messages) == 1:
            await self.handle(messages[0])
            return
        try:
            async with session_scope() as session:
                verdicts = [await self._judge(session, message) for message in messages]
        except LinliError:
            for message in messages:
                await self.handle(message)
            return
        for verdict in verdicts:
            await self._apply(verdict)

    async def handle(self, message: aiomqtt.Message) -> None:
        """Process one message in its own transaction; raise only if it should be redelivered."""
        try:
            async with session_scope() as session:
                verdict = await self._judge(session, message)
        except LinliError as err:
            if message.topic.value.endswith("/ack"):
                _counters["bad_ack"] += 1
                return
            # Refused by a service: redelivering would be refused again, so it is dropped.
            log.warning("MQTT message on %s refused: %s (%s)", message.topic, err.detail, err.code)
            _counters["refused"] += 1
            return
        await self._apply(verdict)

    async def _judge(self, session: AsyncSession, message: aiomqtt.Message) -> _Verdict:
        """Do a message's work in `session`; say what to count and publish once committed."""
        where = parse_topic(message.topic.value)
        payload = message.payload if isinstance(message.payload, bytes) else b""
        if where is None or where.kind not in ("up", "ack"):
            return _Verdict({"bad_topic": 1})
        if where.kind == "ack":
            return await self._ack(session, where, payload)
        return await self._readings(session, where, payload)

    async def _apply(self, verdict: _Verdict) -> None:
        _counters.update(verdict.counts)
        if verdict.reject is not None:
            where, body = verdict.reject
            payload = json.dumps(body, separators=(",", ":")).encode()
            await self.publish(broker.topic(where.site, where.code, "rejected"), payload)

    async def _readings(
        self, session: AsyncSession, where: DeviceTopic, payload: bytes
    ) -> _Verdict:
        device = await repository.device_by_code(session, where.code)
        try:
            items = reading_items(payload)
        except BadPayload as err:
            quarantine.record(
                session,
                channel="mqtt",
                reason=err.code,
                detail=err.reason,
                raw=payload,
                device=device,
                device_code=where.code,
            )
            return _Verdict({"malformed": 1}, (where, {"code": err.code, "reason": err.reason}))
        refusal = _refusal(device)
        if refusal is not None:
            quarantine.record(
                session,
                channel="mqtt",
                reason=refusal,
                detail=f"readings of {refusal.replace('_', ' ')} '{where.code}' refused",
                raw=payload,
                device=device,
                device_code=where.code,
            )
            return _Verdict({refusal: 1})
        assert device is not None
        result = await service.ingest_items(session, device=device, items=items)
        quarantine.record_rejections(
            session, channel="mqtt", device=device, items=items, rejected=result.rejected
        )
        counts = {
            "stored": result.accepted,
            "duplicates": result.duplicates,
            "rejected_items": len(result.rejected),
        }
        reject = (where, result.model_dump(mode="json")) if result.rejected else None
        return _Verdict(counts, reject)

    async def _ack(self, session: AsyncSession, where: DeviceTopic, payload: bytes) -> _Verdict:
        try:
            ack = AckIn.model_validate_json(payload)
        except ValidationError:
            return _Verdict({"malformed": 1})
        device = await repository.device_by_code(session, where.code)
        if device is None:
            return _Verdict({"unknown_device": 1})
        await commands.record_ack(
            session,
            device=device,
            command_id=ack.command_id,
            status=ack.status,
            detail=ack.detail,
        )
        return _Verdict({"acks": 1})

    async def dispatch(self, wake: asyncio.Event, poll_seconds: float) -> None:
        """Publish pending commands whenever woken, and every `poll_seconds` anyway."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), poll_seconds)
            wake.clear()
            async with session_scope() as session:
                sent = await commands.dispatch_pending(session, publish=self.publish)
            _counters["commands_sent"] += sent


def _client(target: BrokerTarget, identifier: str) -> aiomqtt.Client:
    client = aiomqtt.Client(
        target.host,
        target.port,
        username=target.username,
        password=target.password,
        identifier=identifier,
        clean_session=False,
        tls_context=ssl.create_default_context() if target.tls else None,
    )
    # Before connecting: the broker sends what it kept for us right after CONNACK.
    client._client.manual_ack_set(True)
    return client


async def _run_connection(
    target: BrokerTarget,
    identifier: str,
    stop: asyncio.Event,
    poll_seconds: float,
    ready: asyncio.Event | None,
) -> None:
    wake = asyncio.Event()
    wake.set()  # publish whatever waited while we were away

    async def on_command(_event: events.Event) -> None:
        wake.set()

    subscription = events.get_bus().subscribe(commands.CommandRequested.subject, on_command)
    try:
        async with _client(target, identifier) as client:
            connection = _Connection(client)
            await client.subscribe([(UP, 1), (ACK, 1)])
            log.info(
                "MQTT listener subscribed at %s:%s as %s", target.host, target.port, identifier
            )
            if ready is not None:
                ready.set()
            tasks = [
                asyncio.create_task(connection.receive()),
                asyncio.create_task(connection.dispatch(wake, poll_seconds)),
                asyncio.create_task(stop.wait()),
            ]
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for task in done:
                if not task.cancelled() and (error := task.exception()) is not None:
                    raise error
    finally:
        subscription.close()
        if ready is not None:
            ready.clear()


async def run_listener(
    url: str,
    *,
    stop: asyncio.Event,
    identifier: str | None = None,
    poll_seconds: float = 5.0,
    ready: asyncio.Event | None = None,
) -> None:
    """Ingest readings and acknowledgements and publish commands until `stop` is set.

    `ready` is set while subscribed. Lost connections and failed messages are retried after
    `RETRY_SECONDS` on a new connection, which makes the broker redeliver what was not acked.
    """
    target = broker.parse_broker_url(url)
    identifier = identifier or target.client_id or DEFAULT_CLIENT_ID
    while not stop.is_set():
        try:
            await _run_connection(target, identifier, stop, poll_seconds, ready)
        except Exception:
            log.exception("MQTT listener lost its connection to %s:%s", target.host, target.port)
            _counters["reconnects"] += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RETRY_SECONDS)
