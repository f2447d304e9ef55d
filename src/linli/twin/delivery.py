"""Delivering one device's batch to Linli: a POST to the ingest endpoint (authenticated with the
device's token) or one QoS 1 message on its MQTT `up` topic (see `linli.twin.mqtt_sender`).
Connection errors and 5xx answers are retried with backoff, sending the same readings again:
ingest is idempotent on (device, metric, ts). A 429 (the server is busy) is not a failure but a
"later": the batch waits as long as the answer's `Retry-After` asks, as a device keeps its
readings until the server takes them, for up to `BUSY_PATIENCE_S` seconds in all.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from linli.twin.mqtt_sender import MqttSender, MqttSendError
from linli.twin.simulated import DeviceFailure, SimulatedDevice

INGEST_PATH = "/api/ingest"
BUSY_PATIENCE_S = 120.0
"""How long, in all, one batch waits on a busy server's `Retry-After` before it is reported."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one batch: ingest's answer, or why it failed; and the retries it took."""

    answer: dict[str, Any] | None
    failure: DeviceFailure | None
    retries: int


class Delivery:
    """Send batches over HTTP or MQTT, retrying a failure that may pass `retries` times."""

    def __init__(
        self, *, retries: int, backoff_s: float, sleep: Callable[[float], Awaitable[None]]
    ) -> None:
        self._retries, self._backoff_s, self._sleep = retries, backoff_s, sleep

    async def send(
        self,
        client: httpx.AsyncClient | MqttSender,
        gate: asyncio.Semaphore,
        device: SimulatedDevice,
        items: list[dict[str, Any]],
    ) -> Outcome:
        """Deliver one device's batch through `client`, at most as many at once as `gate` lets."""
        if isinstance(client, MqttSender):
            return await self._publish(client, gate, device, items)
        return await self._post(client, gate, device, items)

    async def _post(
        self,
        client: httpx.AsyncClient,
        gate: asyncio.Semaphore,
        device: SimulatedDevice,
        items: list[dict[str, Any]],
    ) -> Outcome:
        headers = {"X-Device-Id": device.code, "Authorization": f"Device {device.token}"}
        body = {"readings": items}
        failure = DeviceFailure(device.code, None, "not sent")
        attempt = busy = 0  # failed tries; "busy" answers, which do not count as failures
        waited = 0.0
        while attempt <= self._retries:
            try:
                # A busy answer's wait keeps the batch's place at the gate: the simulator then
                # sends no more at once than the server takes, instead of asking again and again.
                async with gate:
                    response = await client.post(INGEST_PATH, json=body, headers=headers)
                    pause = _retry_after(response)
                    while response.status_code == 429 and waited + pause <= BUSY_PATIENCE_S:
                        busy, waited = busy + 1, waited + pause
                        await self._sleep(pause)
                        response = await client.post(INGEST_PATH, json=body, headers=headers)
                        pause = _retry_after(response)
            except httpx.TransportError as err:
                failure = DeviceFailure(device.code, None, f"{type(err).__name__}: {err}")
            else:
                if response.status_code == 200:
                    try:
                        answer = response.json()
                    except json.JSONDecodeError:
                        return Outcome(None, _failure(device, response), attempt + busy)
                    return Outcome(answer if isinstance(answer, dict) else {}, None, attempt + busy)
                failure = _failure(device, response)
                if response.status_code < 500 and response.status_code != 429:
                    return Outcome(None, failure, attempt + busy)
            attempt += 1
            if attempt <= self._retries:
                await self._sleep(self._backoff_s * 2 ** (attempt - 1))
        return Outcome(None, failure, self._retries + busy)

    async def _publish(
        self,
        sender: MqttSender,
        gate: asyncio.Semaphore,
        device: SimulatedDevice,
        items: list[dict[str, Any]],
    ) -> Outcome:
        failure = DeviceFailure(device.code, None, "not sent")
        for attempt in range(self._retries + 1):
            if attempt:
                await self._sleep(self._backoff_s * 2 ** (attempt - 1))
            try:
                async with gate:
                    await sender.publish(device, items)
            except MqttSendError as err:
                failure = DeviceFailure(device.code, None, str(err))
                if not err.retry:
                    return Outcome(None, failure, attempt)
                continue
            # Acknowledged by the broker (QoS 1); Linli's verdict goes to the `rejected` topic.
            return Outcome({"accepted": len(items), "duplicates": 0, "rejected": []}, None, attempt)
        return Outcome(None, failure, self._retries)


def _retry_after(response: httpx.Response) -> float:
    """Return the seconds a busy answer asks to wait (1 when it does not say)."""
    try:
        return min(BUSY_PATIENCE_S, max(0.0, float(response.headers.get("Retry-After", "1"))))
    except ValueError:
        return 1.0


def _failure(device: SimulatedDevice, response: httpx.Response) -> DeviceFailure:
    """Describe a refused batch, preferring the problem+json `code` and `detail`."""
    try:
        problem = response.json()
    except json.JSONDecodeError:
        problem = None
    if isinstance(problem, dict) and (problem.get("code") or problem.get("detail")):
        parts = [str(problem[k]) for k in ("code", "detail") if problem.get(k)]
        reason = ": ".join(parts)
    else:
        reason = response.reason_phrase or "unexpected answer"
    return DeviceFailure(device.code, response.status_code, reason)
