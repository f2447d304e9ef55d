"""Residents' fixtures: a world of buildings and staff, and an outbox the codes land in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from linli.core.clock import ManualClock
from linli.rules.notifications.config import get_notify_settings

from .world import ResidentWorld, make_resident_world


class Outbox:
    """The file gateway's messages, read as a person would read their phone or mail."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def messages(self, channel: str) -> list[dict[str, Any]]:
        path = self.directory / f"{channel}.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    def last_code(self, to: str) -> str:
        """Return the code of the latest message sent to `to`."""
        import re

        sent = [m for c in ("sms", "email") for m in self.messages(c) if m["to"] == to]
        assert sent, f"nothing was sent to {to}"
        found = re.search(r"\b(\d{6})\b", sent[-1]["body"])
        assert found, sent[-1]
        return found.group(1)


@pytest.fixture
def outbox(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Outbox]:
    """Send every SMS and e-mail to files under a temporary directory."""
    for name, value in {
        "SMS_GATEWAY": "file",
        "EMAIL_GATEWAY": "file",
        "OUTBOX_DIR": str(tmp_path / "outbox"),
    }.items():
        monkeypatch.setenv(f"LINLI_NOTIFY_{name}", value)
    get_notify_settings.cache_clear()
    yield Outbox(tmp_path / "outbox")
    get_notify_settings.cache_clear()


@pytest.fixture
async def world(db: str, clock: ManualClock) -> ResidentWorld:
    """The test district with staff, buildings and registered households (see `world`)."""
    return await make_resident_world()
