"""One interface for every way of telling someone: `Channel.send(message) -> Receipt`.

Gateways are chosen per channel by settings (`LINLI_NOTIFY_<CHANNEL>_GATEWAY`): in-app (the inbox
row itself), Web Push (VAPID), e-mail over SMTP, SMS and voice calls through an HTTP gateway, and a
file gateway that appends JSON lines under var/ for development and tests.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import aiosmtplib
import httpx
from pywebpush import WebPushException, webpush_async

from linli.core import clock
from linli.core.errors import LinliError
from linli.core.i18n import html_lang
from linli.core.settings import get_settings
from linli.rules.notifications.config import NotifySettings


class DeliveryFailed(LinliError):
    """A gateway refused or could not take a message; the delivery is retried later."""

    code = "delivery_failed"
    status = 502
    title = "Delivery failed"


@dataclass(frozen=True, slots=True)
class Message:
    """What one delivery sends: to whom, in which language, and the words."""

    delivery_id: uuid.UUID
    notification_id: uuid.UUID
    channel: str
    to: str | None
    subject: str
    body: str
    locale: str = "en"
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Receipt:
    """The gateway's word that it took the message, with its id for delivery callbacks."""

    gateway: str
    receipt_id: str


class Channel(Protocol):
    """A way of sending messages; `send` raises DeliveryFailed when it cannot."""

    gateway: str

    async def send(self, message: Message) -> Receipt: ...


class InAppChannel:
    """The inbox: the notification row is the message, and its live event went out with it."""

    gateway = "inapp"

    async def send(self, message: Message) -> Receipt:
        return Receipt(self.gateway, str(message.notification_id))


class FileGateway:
    """Append each message as a JSON line to `<directory>/<channel>.jsonl` (development, tests)."""

    gateway = "file"

    def __init__(self, directory: Path, channel: str) -> None:
        self.path = directory / f"{channel}.jsonl"

    async def send(self, message: Message) -> Receipt:
        line = json.dumps(
            {
                "id": str(message.delivery_id),
                "at": clock.now().isoformat(),
                "channel": message.channel,
                "to": message.to,
                "locale": message.locale,
                "subject": message.subject,
                "body": message.body,
                "data": message.data,
            },
            ensure_ascii=False,
        )
        await asyncio.to_thread(self._append, line)
        return Receipt(self.gateway, str(message.delivery_id))

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


class SmtpChannel:
    """Send e-mail through an SMTP server (STARTTLS and login when configured)."""

    gateway = "smtp"

    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings

    async def send(self, message: Message) -> Receipt:
        if not message.to:
            raise DeliveryFailed("no e-mail address", code="no_address")
        s = self.settings
        email = EmailMessage()
        email["From"] = s.smtp_from
        email["To"] = message.to
        email["Subject"] = message.subject
        email["Message-ID"] = make_msgid(idstring=str(message.delivery_id), domain="linli")
        email.set_content(message.body)  # before Content-Language: it resets Content-* headers
        email["Content-Language"] = html_lang(message.locale)
        try:
            await aiosmtplib.send(
                email,
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_username,
                password=s.smtp_password,
                start_tls=s.smtp_starttls,
                timeout=s.smtp_timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as err:
            raise DeliveryFailed(f"SMTP: {err}") from err
        return Receipt(self.gateway, str(email["Message-ID"]))


class WebPushChannel:
    """Send an encrypted (aes128gcm) Web Push message signed with the install's VAPID key."""

    gateway = "webpush"

    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings

    async def send(self, message: Message) -> Receipt:
        if not message.to or not self.settings.vapid_private_key:
            raise DeliveryFailed("no push subscription or VAPID key", code="no_address")
        sub = json.loads(message.to)
        payload = {"title": message.subject, "body": message.body, **message.data}
        try:
            response = await webpush_async(
                subscription_info={
                    "endpoint": sub["endpoint"],
                    "keys": {"p256dh": sub["p256dh"], "auth": sub["auth"]},
                },
                data=json.dumps(payload, ensure_ascii=False),
                vapid_private_key=self.settings.vapid_private_key,
                vapid_claims={"sub": self.settings.vapid_subject},
                ttl=3600,
                timeout=10,
            )
        except (WebPushException, aiohttp.ClientError, OSError, ValueError) as err:
            raise DeliveryFailed(f"push: {err}") from err
        location = "" if isinstance(response, str) else response.headers.get("Location", "")
        return Receipt(self.gateway, location or str(message.delivery_id))


class HttpGateway:
    """Hand SMS or voice calls to a provider's HTTP API; it may call back with receipts."""

    gateway = "http"

    def __init__(self, settings: NotifySettings, channel: str, url: str | None) -> None:
        self.settings, self.channel, self.url = settings, channel, url

    async def send(self, message: Message) -> Receipt:
        if not self.url or not message.to:
            raise DeliveryFailed(f"no {self.channel} gateway URL or number", code="no_address")
        callback = f"{get_settings().base_url.rstrip('/')}/api/notifications/receipts/http"
        headers = {}
        if self.settings.http_token:
            headers["Authorization"] = f"Bearer {self.settings.http_token}"
        body = {
            "id": str(message.delivery_id),
            "to": message.to,
            "text": f"{message.subject}\n{message.body}",
            "language": html_lang(message.locale),
            "callback": callback,
        }
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                response = await client.post(self.url, json=body, headers=headers)
                response.raise_for_status()
        except httpx.HTTPError as err:
            raise DeliveryFailed(f"{self.channel} gateway: {err}") from err
        try:
            receipt = str(response.json().get("id") or message.delivery_id)
        except (ValueError, AttributeError):
            receipt = str(message.delivery_id)
        return Receipt(self.gateway, receipt)


def build_gateways(settings: NotifySettings) -> dict[str, Channel]:
    """Return the channel → gateway table the settings choose; "none" leaves a channel out."""
    table: dict[str, Channel] = {"inapp": InAppChannel()}
    chosen = {
        "email": settings.email_gateway,
        "push": settings.push_gateway,
        "sms": settings.sms_gateway,
        "voice": settings.voice_gateway,
    }
    for channel, name in chosen.items():
        if name == "file":
            table[channel] = FileGateway(settings.outbox_dir, channel)
        elif name == "smtp":
            table[channel] = SmtpChannel(settings)
        elif name == "webpush":
            table[channel] = WebPushChannel(settings)
        elif name == "http":
            url = settings.sms_url if channel == "sms" else settings.voice_url
            table[channel] = HttpGateway(settings, channel, url)
    return table
