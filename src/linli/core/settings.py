"""One validated configuration, read from `LINLI_*` environment variables."""

from __future__ import annotations

import base64
import binascii
import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEV_SECRET_KEY = "linli-development-secret-key-do-not-use"
# 32 zero-ish bytes, base64: fine on a laptop, refused anywhere else.
DEV_FIELD_KEY = base64.b64encode(b"linli-dev-field-key-0123456789ab").decode()


class Settings(BaseSettings):
    """Linli configuration; every field can be set as `LINLI_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="LINLI_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///var/linli.db"
    secret_key: str = DEV_SECRET_KEY
    field_key: str | None = None
    field_key_file: Path | None = None
    # Keys that still decrypt (comma-separated, base64) while `linli keys rotate` moves every
    # personal field to the current key; drop them once it reports nothing left under them.
    field_keys_retired: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # The key of lookup hashes (base64, 32 bytes); default: the field key. It does not rotate:
    # set it to the first field key before the first rotation.
    lookup_key: str | None = None
    # Reporters' name, phone and e-mail are erased this many days after their case closes.
    reporter_contact_days: int = Field(default=180, ge=1)
    host: str = "127.0.0.1"
    port: int = 8000
    base_url: str = "http://127.0.0.1:8000"
    tile_url: str = ""
    tile_attribution: str = ""
    default_locale: str = "en"
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    cookie_secure: bool = False
    max_ingest_batch: int = Field(default=5000, ge=1)
    max_request_bytes: int = Field(default=8_000_000, ge=1024)
    max_json_depth: int = Field(default=32, ge=2, le=1000)
    escalation_sweep_seconds: int = Field(default=60, ge=1)
    event_log_days: int = Field(default=7, ge=1)
    mqtt_url: str | None = None
    # Scale-out: the process role (`linli serve --role`) and the NATS JetStream event bus.
    role: Literal["api", "ingest", "worker", "scheduler", "all"] = "all"
    bus_url: str | None = None
    bus_stream: str = Field(default="LINLI", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    # Where `linli iot broker-config` writes Mosquitto's passwd/ACL; set, and credential
    # rotation or revocation rewrites them at once (and signals the broker to reload).
    mqtt_broker_dir: Path | None = None
    # Reverse proxies whose X-Forwarded-For / Forwarded headers are believed (addresses or
    # networks, comma-separated); from any other peer those headers are ignored.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Backstop on every public write route, per route and client address (0: off); the
    # routes' own limits (public reports, login back-off) are tighter.
    public_write_rate: float = Field(default=2.0, ge=0)
    public_write_burst: int = Field(default=120, ge=1)
    # Connection budgets: the connections each workload class of a process may hold at once
    # (unset: 10 / 5 / 5 on PostgreSQL, 3 / 2 / 2 on SQLite; see `linli.core.database`).
    db_pool_api: int | None = Field(default=None, ge=1)
    db_pool_ingest: int | None = Field(default=None, ge=1)
    db_pool_background: int | None = Field(default=None, ge=1)
    # Admission control: per class, requests beyond its budget wait for a slot (at most
    # `admission_queue` waiters per slot, at most `admission_wait` seconds), else get a 429.
    admission_queue: int = Field(default=4, ge=0)
    admission_wait: float = Field(default=1.0, gt=0, le=30)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            for item in value:
                ipaddress.ip_network(str(item), strict=False)  # a typo fails at start
        return value

    @field_validator("field_keys_retired", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        # A bad field key fails here, at start, not at the first encrypted write.
        key = self.field_key_bytes()
        self.retired_field_keys()
        lookup = self.lookup_key_bytes()
        if self.field_keys_retired and self.lookup_key is None:
            raise ValueError(
                "LINLI_LOOKUP_KEY must be set while field keys are retired: set it to the key "
                "the lookup hashes were made with (the field key before the first rotation)"
            )
        if self.env != "production":
            return self
        if self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 32:
            raise ValueError("LINLI_SECRET_KEY must be set to a random value of 32+ characters")
        if key == base64.b64decode(DEV_FIELD_KEY):
            raise ValueError("LINLI_FIELD_KEY or LINLI_FIELD_KEY_FILE must be set in production")
        if lookup == base64.b64decode(DEV_FIELD_KEY):
            raise ValueError("LINLI_LOOKUP_KEY must not be the development key in production")
        if not self.cookie_secure:
            raise ValueError("LINLI_COOKIE_SECURE must be true in production")
        return self

    def field_key_bytes(self) -> bytes:
        """Return the 32-byte key for personal-data encryption."""
        if self.field_key_file is not None:
            try:
                raw = self.field_key_file.read_text().strip()
            except OSError as err:
                raise ValueError(f"cannot read LINLI_FIELD_KEY_FILE: {err}") from err
        else:
            raw = self.field_key or DEV_FIELD_KEY
        return _key(raw, "the field key")

    def retired_field_keys(self) -> list[bytes]:
        """Return the retired field keys, which still decrypt but no longer encrypt."""
        return [_key(raw, "each retired field key") for raw in self.field_keys_retired]

    def lookup_key_bytes(self) -> bytes:
        """Return the 32-byte key of lookup hashes (the field key unless set apart)."""
        if self.lookup_key is None:
            return self.field_key_bytes()
        return _key(self.lookup_key, "LINLI_LOOKUP_KEY")


def _key(raw: str, what: str) -> bytes:
    try:
        key = base64.b64decode(raw, validate=True)
    except binascii.Error as err:
        raise ValueError(f"{what} must be 32 bytes, base64-encoded") from err
    if len(key) != 32:
        raise ValueError(f"{what} must be 32 bytes, base64-encoded")
    return key


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings."""
    return Settings()
