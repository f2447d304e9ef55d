"""`linli simulate`: options, one round against a stand-in server, exit codes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
import typer
from typer.testing import CliRunner

from linli.core.clock import ManualClock
from linli.twin import cli, stored
from linli.twin.extension import extension

DEVICES = [
    {"code": "BA-AQ-1", "token": "a", "type": "AirQualityObserved", "site": "baoan",
     "lon": 113.9, "lat": 22.6},
    {"code": "BA-BIN-1", "token": "b", "type": "WasteContainer", "site": "baoan",
     "lon": 113.9, "lat": 22.6},
    {"code": "SK-NOISE-1", "token": "c", "type": "NoiseLevelObserved", "site": "sengkang",
     "lon": 103.9, "lat": 1.39},
]  # fmt: skip


@pytest.fixture
def app() -> typer.Typer:
    root = typer.Typer()

    @root.command()
    def version() -> None:
        """Keep `simulate` a sub-command, as under the real `linli`."""

    for name, sub in extension.cli():
        root.add_typer(sub, name=name)
    return root


@pytest.fixture
def devices_file(tmp_path: Path) -> Path:
    path = tmp_path / "demo-devices.json"
    path.write_text(json.dumps(DEVICES), encoding="utf-8")
    return path


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> list[httpx.Request]:
    """Route the command's HTTP traffic to a stand-in that refuses the token of BA-BIN-9."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.headers["X-Device-Id"] == "BA-BIN-9":
            return httpx.Response(401, json={"code": "bad_device_token", "status": 401})
        items = json.loads(request.content)["readings"]
        return httpx.Response(200, json={"accepted": len(items), "duplicates": 0, "rejected": []})

    monkeypatch.setattr(cli, "_transport", lambda: httpx.MockTransport(answer))
    return seen


def _run(app: typer.Typer, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["simulate", *args])
    return result.exit_code, " ".join(result.output.split())


def test_help_lists_the_options(app: typer.Typer) -> None:
    code, output = _run(app, "--help")
    assert code == 0
    for option in ("--url", "--devices", "--interval", "--once", "--speed", "--limit",
                   "--incident-rate"):  # fmt: skip
        assert option in output


def test_once_sends_one_round_and_prints_its_status(
    app: typer.Typer, clock: ManualClock, devices_file: Path, server: list[httpx.Request]
) -> None:
    code, output = _run(app, "--once", "--devices", str(devices_file), "--url", "http://x.test")
    assert code == 0, output
    assert "simulating 3 devices" in output
    assert "round 1 2026-03-02 01:00:00Z" in output
    assert "sent 5 · accepted 5 · duplicates 0 · rejected 0 · errors 0" in output
    assert sorted(r.headers["X-Device-Id"] for r in server) == sorted(
        str(d["code"]) for d in DEVICES
    )
    assert all(str(r.url).startswith("http://x.test/api/ingest") for r in server)


def test_limit_takes_the_first_devices(
    app: typer.Typer, clock: ManualClock, devices_file: Path, server: list[httpx.Request]
) -> None:
    code, _ = _run(app, "--once", "--limit", "1", "--devices", str(devices_file))
    assert code == 0
    assert [r.headers["X-Device-Id"] for r in server] == ["BA-AQ-1"]


def test_once_fails_when_a_device_is_refused(
    app: typer.Typer,
    clock: ManualClock,
    tmp_path: Path,
    server: list[httpx.Request],
) -> None:
    path = tmp_path / "devices.json"
    path.write_text(json.dumps([*DEVICES, {**DEVICES[1], "code": "BA-BIN-9"}]), encoding="utf-8")
    code, output = _run(app, "--once", "--devices", str(path))
    assert code == 1
    assert "accepted 5" in output and "errors 1" in output
    assert "BA-BIN-9 401 bad_device_token" in output


def test_a_missing_device_list_is_explained(app: typer.Typer, tmp_path: Path) -> None:
    code, output = _run(app, "--once", "--devices", str(tmp_path / "nope.json"))
    assert code == 2
    # The console wraps a long temporary path wherever it likes.
    assert "cannot read" in output and "nope.json" in output.replace(" ", "")


def _answering(monkeypatch: pytest.MonkeyPatch, *, duplicates: bool) -> list[dict[str, object]]:
    """Route the command's HTTP traffic to a stand-in answering every reading as new or as
    already stored; return the readings it was sent."""
    sent: list[dict[str, object]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        items = json.loads(request.content)["readings"]
        sent.extend(items)
        new = 0 if duplicates else len(items)
        body = {"accepted": new, "duplicates": len(items) - new, "rejected": []}
        return httpx.Response(200, json=body)

    monkeypatch.setattr(cli, "_transport", lambda: httpx.MockTransport(answer))
    return sent


def test_a_run_at_a_rate_continues_after_the_newest_stored_reading(
    app: typer.Typer, clock: ManualClock, devices_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[list[str]] = []

    def newest(codes: list[str]) -> datetime:
        asked.append(codes)
        return clock.now() - timedelta(hours=1)

    monkeypatch.setattr(stored, "database_readable", lambda: True)
    monkeypatch.setattr(stored, "newest_stored", newest)
    sent = _answering(monkeypatch, duplicates=False)
    code, output = _run(app, "--devices", str(devices_file), "--rate", "50", "--count", "10")
    assert code == 0, output
    assert asked == [[str(d["code"]) for d in DEVICES]]
    assert "continuing after the newest reading stored for these devices, 2026-03-02 00:00:00Z" in (
        output
    )
    assert min(str(r["ts"]) for r in sent) == "2026-03-02T00:00:01Z"  # the next second
    assert "already stored" not in output


def test_without_stored_readings_a_run_at_a_rate_starts_a_week_back_and_says_what_repeats(
    app: typer.Typer, clock: ManualClock, devices_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stored, "database_readable", lambda: False)  # e.g. no database here
    sent = _answering(monkeypatch, duplicates=True)
    code, output = _run(app, "--devices", str(devices_file), "--rate", "50", "--count", "10")
    assert code == 0, output
    assert min(str(r["ts"]) for r in sent) == "2026-02-23T01:00:00Z"
    assert "10 readings were already stored (ingest answered them as duplicates)" in output


def test_over_mqtt_the_devices_come_from_the_database_and_the_broker_from_the_settings(
    app: typer.Typer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def from_database() -> list[object]:
        raise ValueError("read from the database")

    monkeypatch.setattr(stored, "stored_devices", from_database)
    code, output = _run(app, "--transport", "mqtt", "--rate", "10")
    assert code == 2 and "read from the database" in output
    option = next(p for p in typer.main.get_command(app).commands["simulate"].params  # type: ignore[attr-defined]
                  if p.name == "mqtt_url")  # fmt: skip
    assert option.envvar == "LINLI_MQTT_URL"
