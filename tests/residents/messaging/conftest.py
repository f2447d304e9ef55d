"""Messaging fixtures: gateways configured for this test (SMS and chat replies to files), a
small triage model, the case tests' district with two buildings, and texting helpers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from cases.conftest import World, build_world
from linli.cases.intake import service as intake_service
from linli.cases.triage import service as triage_service
from linli.cases.triage.classifier import Triage
from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.registry import service as registry_service
from linli.registry.schemas import BuildingCreate
from linli.residents.messaging import tasks, webhooks
from linli.residents.messaging.config import get_messaging_settings
from linli.rules.notifications.config import get_notify_settings

SMS_SECRET = "sms-gateway-shared-secret"
TWILIO_SECRET = "twilio-auth-token-0123"
CHAT_SECRET = "telegram-webhook-secret"
IVR_SECRET = "ivr-gateway-shared-secret"

TRAINING = (
    [(t, "public.order.noise") for t in ("loud music", "noisy party at night", "karaoke",
                                         "音乐很吵", "噪音太大", "muzik bising", "bising malam")]
    + [(t, "env.air") for t in ("black smoke", "diesel fumes", "burning smell", "烟很大")]
    + [(t, "env.waste") for t in ("rubbish pile", "garbage dumped", "trash bags", "垃圾很多",
                                  "sampah bertimbun")]
)  # fmt: skip


@dataclass
class Site:
    """The district of the case tests, with Block 101 and Block 102 in grid C11-G1."""

    world: World
    outbox: Path
    block_101: tuple[float, float]


@pytest.fixture
def gateways(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Configure the webhooks' gateways and send replies to files under `tmp_path`."""
    env = {
        "LINLI_MESSAGING_SMS": json.dumps(
            {"main": {"kind": "json", "secret": SMS_SECRET},
             "twilio": {"kind": "twilio", "secret": TWILIO_SECRET}}
        ),
        "LINLI_MESSAGING_CHAT": json.dumps({"bot": {"kind": "telegram", "secret": CHAT_SECRET},
                                            "app": {"kind": "json", "secret": SMS_SECRET}}),
        "LINLI_MESSAGING_IVR": json.dumps(
            {"voice": {"kind": "json", "secret": IVR_SECRET},
             "twilio": {"kind": "twilio", "secret": TWILIO_SECRET}}
        ),
        "LINLI_MESSAGING_CHAT_GATEWAY": "file",
        "LINLI_MESSAGING_OUTBOX_DIR": str(tmp_path / "outbox"),
        "LINLI_NOTIFY_SMS_GATEWAY": "file",
        "LINLI_NOTIFY_OUTBOX_DIR": str(tmp_path / "outbox"),
    }  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_messaging_settings.cache_clear()
    get_notify_settings.cache_clear()
    yield tmp_path / "outbox"
    get_messaging_settings.cache_clear()
    get_notify_settings.cache_clear()


@pytest.fixture
async def site(
    db: str,
    clock: clock_mod.ManualClock,
    gateways: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Site:
    """The world, its buildings, and a triage model trained on a few words in four languages."""
    triage_service.forget_loaded_model()
    Triage().fit(TRAINING).save(tmp_path / "triage.joblib")
    monkeypatch.setattr(intake_service, "TRIAGE_MODEL_PATH", tmp_path / "triage.joblib")
    world = await build_world()
    lon, lat = world.at("C11-G1")
    async with session_scope() as session:
        for n, (dlon, name_zh) in enumerate(((0.0, "101栋"), (0.004, "102栋"))):
            await registry_service.create_building(
                session,
                data=BuildingCreate(
                    code=f"D-{101 + n}", name=f"Block {101 + n}", name_zh=name_zh,
                    address=f"{101 + n} Xixiang Road, 518{101 + n}", lon=lon + dlon, lat=lat,
                ),
            )  # fmt: skip
    return Site(world, gateways, (lon, lat))


def outbox(directory: Path, channel: str = "sms") -> list[dict[str, Any]]:
    """Return what the file gateway sent on `channel`."""
    path = directory / f"{channel}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


async def text(
    client: httpx.AsyncClient, number: str, words: str, *, message_id: str
) -> httpx.Response:
    """Post one SMS to the JSON gateway `main`, signed as the gateway signs it."""
    body = json.dumps({"message_id": message_id, "from": number, "text": words}).encode()
    headers = {"X-Linli-Signature": webhooks.sign_json(SMS_SECRET, body),
               "Content-Type": "application/json"}  # fmt: skip
    return await client.post("/api/messaging/sms/main", content=body, headers=headers)


async def replies(directory: Path, number: str, channel: str = "sms") -> list[str]:
    """Send what is due and return every message `number` has received so far."""
    await tasks.run_once()
    return [m["body"] for m in outbox(directory, channel) if m["to"] == number]
