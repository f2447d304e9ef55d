"""Notification settings (`LINLI_NOTIFY_*`): which gateway serves each channel, and how."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

Gateway = Literal["file", "smtp", "webpush", "http", "none"]


class NotifySettings(BaseSettings):
    """Gateways per channel; development and tests default to the file gateway under var/."""

    model_config = SettingsConfigDict(env_prefix="LINLI_NOTIFY_", env_file=".env", extra="ignore")

    email_gateway: Gateway = "file"
    push_gateway: Gateway = "file"
    sms_gateway: Gateway = "file"
    voice_gateway: Gateway = "file"
    outbox_dir: Path = Path("var/notifications")
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_from: str = "linli@localhost"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout: float = 10.0
    vapid_private_key: str | None = None  # base64url raw key or PEM, from `vapid --gen`
    vapid_subject: str = "mailto:linli@localhost"
    sms_url: str | None = None  # the `http` gateway POSTs {"to", "text", "callback"} here
    voice_url: str | None = None
    http_token: str | None = None  # sent as a bearer token to `http` gateways
    receipt_token: str | None = None  # gateways calling back must send it as X-Gateway-Token
    max_attempts: int = Field(default=5, ge=1, le=50)
    backoff_seconds: float = Field(default=30.0, ge=0)
    poll_seconds: float = Field(default=2.0, gt=0)
    escalation_sweep_seconds: float = Field(default=30.0, gt=0)
    # Severities that break through quiet hours.
    urgent_severities: tuple[str, ...] = ("critical",)


@lru_cache
def get_notify_settings() -> NotifySettings:
    """Return the process-wide notification settings."""
    return NotifySettings()
