from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from linli.core.settings import DEV_FIELD_KEY, DEV_SECRET_KEY, Settings

STRONG_SECRET = "k" * 16 + "9f8e7d6c5b4a3210"
FIELD_KEY = base64.b64encode(os.urandom(32)).decode()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("LINLI_"):
            monkeypatch.delenv(name)


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)


def _production(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "production",
        "secret_key": STRONG_SECRET,
        "field_key": FIELD_KEY,
        "cookie_secure": True,
    }
    return _settings(**{**values, **overrides})


def test_a_properly_configured_production_install_starts() -> None:
    settings = _production()
    assert settings.field_key_bytes() == base64.b64decode(FIELD_KEY)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"secret_key": DEV_SECRET_KEY}, "LINLI_SECRET_KEY"),
        ({"secret_key": "too-short-1234"}, "LINLI_SECRET_KEY"),
        ({"field_key": None}, "LINLI_FIELD_KEY"),
        ({"field_key": DEV_FIELD_KEY}, "LINLI_FIELD_KEY"),
        ({"cookie_secure": False}, "LINLI_COOKIE_SECURE"),
    ],
    ids=["default-secret", "short-secret", "no-field-key", "default-field-key", "plain-cookie"],
)
def test_production_refuses_unsafe_configuration(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _production(**overrides)


def test_development_accepts_the_defaults() -> None:
    settings = _settings()
    assert settings.env == "development"
    assert settings.secret_key == DEV_SECRET_KEY and not settings.cookie_secure
    assert len(settings.field_key_bytes()) == 32
    assert _settings(env="test").env == "test"


def test_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINLI_ENV", "production")
    monkeypatch.setenv("LINLI_SECRET_KEY", STRONG_SECRET)
    monkeypatch.setenv("LINLI_FIELD_KEY", FIELD_KEY)
    monkeypatch.setenv("LINLI_COOKIE_SECURE", "true")
    monkeypatch.setenv("LINLI_SESSION_HOURS", "8")
    settings = _settings()
    assert settings.env == "production" and settings.session_hours == 8


def test_a_field_key_file_works_in_production(tmp_path: Path) -> None:
    key = os.urandom(32)
    key_file = tmp_path / "field.key"
    key_file.write_text(base64.b64encode(key).decode() + "\n")
    settings = _production(field_key=None, field_key_file=key_file)
    assert settings.field_key_bytes() == key


def test_a_key_file_holding_the_development_key_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "field.key"
    key_file.write_text(DEV_FIELD_KEY)
    with pytest.raises(ValidationError, match="LINLI_FIELD_KEY"):
        _production(field_key=None, field_key_file=key_file)


@pytest.mark.parametrize(
    "bad_key",
    [
        base64.b64encode(os.urandom(16)).decode(),  # 16 bytes: AES-128 size, not ours
        base64.b64encode(os.urandom(33)).decode(),
        "not base64 at all!",
    ],
    ids=["16-bytes", "33-bytes", "not-base64"],
)
@pytest.mark.parametrize("env", ["development", "production"])
def test_a_bad_field_key_fails_at_start_with_a_clear_message(bad_key: str, env: str) -> None:
    with pytest.raises(ValidationError, match="field key must be 32 bytes, base64-encoded"):
        _production(env=env, field_key=bad_key)


def test_a_missing_key_file_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="cannot read LINLI_FIELD_KEY_FILE"):
        _production(field_key=None, field_key_file=tmp_path / "absent.key")


def test_session_hours_are_bounded() -> None:
    with pytest.raises(ValidationError):
        _settings(session_hours=0)


def test_a_rotation_keyring_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    old = [base64.b64encode(os.urandom(32)).decode() for _ in range(2)]
    monkeypatch.setenv("LINLI_FIELD_KEYS_RETIRED", f"{old[0]}, {old[1]}")
    monkeypatch.setenv("LINLI_LOOKUP_KEY", old[1])
    settings = _production()
    assert settings.retired_field_keys() == [base64.b64decode(k) for k in old]
    assert settings.lookup_key_bytes() == base64.b64decode(old[1])
    assert _production(field_keys_retired=[]).lookup_key_bytes() == base64.b64decode(old[1])
    assert settings.reporter_contact_days == 180


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"field_keys_retired": [FIELD_KEY]}, "LINLI_LOOKUP_KEY must be set"),
        ({"field_keys_retired": ["not-a-key"]}, "each retired field key must be 32 bytes"),
        ({"lookup_key": DEV_FIELD_KEY}, "LINLI_LOOKUP_KEY must not be the development key"),
        ({"reporter_contact_days": 0}, "reporter_contact_days"),
    ],
    ids=["retired-without-lookup-key", "bad-retired-key", "dev-lookup-key", "no-retention"],
)
def test_a_keyring_that_would_lose_lookups_is_refused(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        _production(**overrides)
