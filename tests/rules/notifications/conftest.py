"""Notification fixtures: settings pointing the gateways at this test, a real SMTP server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from linli.rules.notifications.config import NotifySettings, get_notify_settings


def free_port() -> int:
    """Return a TCP port on the loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Mailbox:
    """What the test's SMTP server received."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) on a free loopback port."""
    mailbox = Mailbox(port=free_port())
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    yield mailbox
    controller.stop()


@pytest.fixture
def notify(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, smtp_server: Mailbox
) -> Iterator[NotifySettings]:
    """Settings for this test: e-mail over the test's SMTP server, SMS and voice to files."""
    env = {
        "LINLI_NOTIFY_EMAIL_GATEWAY": "smtp",
        "LINLI_NOTIFY_SMTP_HOST": "127.0.0.1",
        "LINLI_NOTIFY_SMTP_PORT": str(smtp_server.port),
        "LINLI_NOTIFY_SMTP_FROM": "alarms@linli.test",
        "LINLI_NOTIFY_SMS_GATEWAY": "file",
        "LINLI_NOTIFY_VOICE_GATEWAY": "file",
        "LINLI_NOTIFY_PUSH_GATEWAY": "none",
        "LINLI_NOTIFY_OUTBOX_DIR": str(tmp_path / "outbox"),
        "LINLI_NOTIFY_RECEIPT_TOKEN": "gateway-secret-token",
        "LINLI_NOTIFY_MAX_ATTEMPTS": "3",
        "LINLI_NOTIFY_BACKOFF_SECONDS": "60",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_notify_settings.cache_clear()
    yield get_notify_settings()
    get_notify_settings.cache_clear()


def use(monkeypatch: pytest.MonkeyPatch, **values: str) -> NotifySettings:
    """Change some notification settings for the rest of the test and return them."""
    for name, value in values.items():
        monkeypatch.setenv(f"LINLI_NOTIFY_{name.upper()}", value)
    get_notify_settings.cache_clear()
    return get_notify_settings()
