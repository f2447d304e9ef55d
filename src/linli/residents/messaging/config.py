"""Messaging settings (`LINLI_MESSAGING_*`): the gateways allowed to post to the webhooks, each
with its shared secret, and the outbound chat gateway (SMS replies go through the notification
channels' SMS gateway, `LINLI_NOTIFY_SMS_GATEWAY`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# json: a JSON body signed with HMAC-SHA256 (`X-Linli-Signature: sha256=<hex>`);
# twilio: Twilio-style form fields signed as Twilio signs them (`X-Twilio-Signature`);
# telegram: a Telegram bot update with the secret token header.
WebhookKind = Literal["json", "twilio", "telegram"]


class Webhook(BaseModel):
    """One gateway allowed to post to a webhook: its form and its shared secret."""

    kind: WebhookKind = "json"
    secret: str = Field(min_length=16, max_length=512)


class MessagingSettings(BaseSettings):
    """Webhook gateways by name (`/api/messaging/<channel>/<name>`), e.g.
    `LINLI_MESSAGING_SMS='{"main": {"kind": "json", "secret": "…"}}'`."""

    model_config = SettingsConfigDict(
        env_prefix="LINLI_MESSAGING_", env_file=".env", extra="ignore"
    )

    sms: dict[str, Webhook] = Field(default_factory=dict)
    chat: dict[str, Webhook] = Field(default_factory=dict)
    ivr: dict[str, Webhook] = Field(default_factory=dict)
    # Where chat replies go: `file` (JSON lines in outbox_dir/chat.jsonl), `http` (a JSON POST
    # of {"to", "text", "language"} to chat_url), `telegram` (the Bot API's sendMessage).
    chat_gateway: Literal["file", "http", "telegram", "none"] = "file"
    chat_url: str | None = None
    chat_token: str | None = None  # the bot token (telegram) or a bearer token (http)
    outbox_dir: Path = Path("var/notifications")
    # Messages a number may send in an hour (bursts included); more are refused with 429.
    per_number_per_hour: int = Field(default=30, ge=1, le=10_000)
    max_attempts: int = Field(default=5, ge=1, le=50)
    backoff_seconds: float = Field(default=30.0, ge=0)
    poll_seconds: float = Field(default=2.0, gt=0)


@lru_cache
def get_messaging_settings() -> MessagingSettings:
    """Return the process-wide messaging settings."""
    return MessagingSettings()
