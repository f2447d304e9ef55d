"""Webhooks refuse what is not from a configured gateway, malformed or oversized messages, and
numbers texting too often, with a clear problem+json and nothing stored."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import func, select

from linli.core.database import session_scope
from linli.residents.messaging import webhooks
from linli.residents.messaging.config import get_messaging_settings
from linli.residents.messaging.models import Conversation, InboundMessage

from .conftest import SMS_SECRET, Site, text


async def _stored() -> tuple[int, int]:
    async with session_scope() as session:
        conversations = await session.scalar(select(func.count()).select_from(Conversation))
        inbound = await session.scalar(select(func.count()).select_from(InboundMessage))
    return int(conversations or 0), int(inbound or 0)


def _signed(body: bytes, secret: str = SMS_SECRET) -> dict[str, str]:
    return {"X-Linli-Signature": webhooks.sign_json(secret, body)}


@pytest.mark.parametrize(
    ("path", "headers", "status", "code"),
    [
        ("/api/messaging/sms/nobody", "signed", 403, "gateway_unknown"),
        ("/api/messaging/ivr/main", "signed", 403, "gateway_unknown"),  # an SMS gateway's name
        ("/api/messaging/sms/main", "none", 401, "bad_signature"),
        ("/api/messaging/sms/main", "other secret", 401, "bad_signature"),
    ],
)
async def test_unauthenticated_posts_are_refused(
    site: Site, client: httpx.AsyncClient, path: str, headers: str, status: int, code: str
) -> None:
    body = json.dumps({"message_id": "x1", "from": "+6591234567", "text": "Loud music"}).encode()
    sent = {"signed": _signed(body), "none": {},
            "other secret": _signed(body, "another-secret-of-16")}[headers]  # fmt: skip
    resp = await client.post(path, content=body, headers=sent)
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["code"] == code
    assert await _stored() == (0, 0)


@pytest.mark.parametrize(
    "message",
    [
        {"message_id": "x1", "from": "+6591234567"},  # no text
        {"message_id": "", "from": "+6591234567", "text": "hi"},
        {"message_id": "x1", "from": "+65" + "9" * 80, "text": "hi"},
        {"message_id": "x1", "from": "+6591234567", "text": "x" * 1601},
        ["not", "an", "object"],
    ],
)
async def test_malformed_or_oversized_messages_get_422(
    site: Site, client: httpx.AsyncClient, message: object
) -> None:
    body = json.dumps(message).encode()
    resp = await client.post("/api/messaging/sms/main", content=body, headers=_signed(body))
    assert resp.status_code == 422, resp.text
    assert resp.json()["code"] == "bad_message"
    assert await _stored() == (0, 0)


async def test_a_number_texting_too_often_is_refused_until_its_budget_refills(
    site: Site, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINLI_MESSAGING_PER_NUMBER_PER_HOUR", "3")
    get_messaging_settings.cache_clear()
    for n in range(3):
        ok = await text(client, "+6591234567", "HELP", message_id=f"h{n}")
        assert ok.status_code == 200, ok.text
    refused = await text(client, "+6591234567", "HELP", message_id="h3")
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    other = await text(client, "+6598765432", "HELP", message_id="o1")
    assert other.status_code == 200  # another number has its own budget
    assert await _stored() == (2, 4)
