"""The `linli simulate` command: stream simulated device readings to a running Linli."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import SQLAlchemyError

from linli.twin import stored
from linli.twin.mqtt_sender import MqttSender
from linli.twin.simulated import Fault, RoundReport, load_devices
from linli.twin.simulator import RATE_CATCH_UP, Simulator

simulate_app = typer.Typer(help="Stream simulated device readings to Linli over HTTP or MQTT.")
console = Console(highlight=False)
DEVICES = Path("var/demo-devices.json")


def _transport() -> httpx.AsyncBaseTransport | None:
    """Return the HTTP transport to use (None: the network); tests swap in an in-process one."""
    return None


@dataclass(slots=True)
class _Totals:
    rounds: int = 0
    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: int = 0

    def add(self, report: RoundReport) -> None:
        self.rounds += 1
        self.sent += report.sent
        self.accepted += report.accepted
        self.duplicates += report.duplicates
        self.rejected += report.rejected
        self.errors += report.errors

    def summary(self, seconds: float) -> str:
        """Say what was sent and acknowledged, and at what rate."""
        return (
            f"{self.rounds} rounds in {seconds:.1f} s: sent {self.sent}, accepted "
            f"{self.accepted}, rejected {self.rejected}, errors {self.errors} · "
            f"{self.accepted / max(seconds, 1e-9):,.0f} readings/s acknowledged"
        )


def _limits(concurrency: int) -> httpx.Limits:
    """Keep a connection per request in flight open between rounds."""
    return httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)


def status_line(number: int, report: RoundReport) -> str:
    """Return the one-line Rich status of a round."""
    colour = "red" if report.errors else "yellow" if report.rejected else "green"
    line = (
        f"[{colour}]round {number}[/{colour}] {report.at:%Y-%m-%d %H:%M:%S}Z · "
        f"{report.devices} devices · sent {report.sent} · accepted {report.accepted} · "
        f"duplicates {report.duplicates} · rejected {report.rejected} · errors {report.errors}"
    )
    if report.retries:
        line += f" · retries {report.retries}"
    details = [f"{f.code} {f.status or 'no answer'} {f.reason}" for f in report.failures[:3]]
    details += [f"{code} #{r.get('index')} {r.get('code')}" for code, r in report.rejections[:3]]
    if details:
        line += " · " + escape("; ".join(details))
    return line


def _already_stored(duplicates: int) -> str:
    """Say that part of what was sent had been stored before (ingest counts them)."""
    return (
        f"[yellow]{duplicates:,} readings were already stored (ingest answered them as "
        "duplicates): this stretch of simulated time was sent before; --start picks another"
        "[/yellow]"
    )


def _start_after_stored(codes: list[str]) -> datetime | None:
    """Return where a run at a rate continues the stored readings of `codes`, if any."""
    try:
        newest = stored.newest_stored(codes)
    except Exception as err:  # the simulator works without the database
        console.print(f"[yellow]stored readings not read ({escape(str(err))})[/yellow]")
        return None
    if newest is None:
        return None
    console.print(
        f"continuing after the newest reading stored for these devices, {newest:%Y-%m-%d %H:%M:%S}Z"
    )
    return stored.continue_after(newest, catch_up=RATE_CATCH_UP)


@simulate_app.callback(invoke_without_command=True)
def simulate(
    url: Annotated[
        str, typer.Option(envvar="LINLI_BASE_URL", help="Base URL of the Linli server.")
    ] = "http://127.0.0.1:8000",
    devices: Annotated[
        Path | None,
        typer.Option(
            help="Device list written by the demo loader (default: var/demo-devices.json; "
            "over MQTT the devices come from the database)."
        ),
    ] = None,
    interval: Annotated[float, typer.Option(min=0.1, help="Seconds between rounds.")] = 10.0,
    rate: Annotated[
        float | None,
        typer.Option(
            min=0.001,
            help="Readings per second across all devices, instead of --interval and --speed: "
            "each device reports every simulated second, a batch per device each second.",
        ),
    ] = None,
    count: Annotated[
        int | None, typer.Option(min=1, help="With --rate: stop after this many readings.")
    ] = None,
    once: Annotated[bool, typer.Option(help="Send a single round and exit.")] = False,
    speed: Annotated[
        float, typer.Option(min=0.01, help="Simulated time runs this many times faster.")
    ] = 1.0,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N devices.")] = None,
    incident_rate: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            help="Incidents per device per simulated hour (default: a few per minute overall).",
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the value models.")] = 0,
    start: Annotated[
        datetime | None,
        typer.Option(
            help="Simulated start time, UTC (default: now; a day ago if speed > 1; with --rate, "
            "just after the newest reading stored for these devices, at most a week ago)."
        ),
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Requests in flight at most.")] = 16,
    transport: Annotated[
        str, typer.Option(help="http (POST /api/ingest) or mqtt (QoS 1, compact payloads).")
    ] = "http",
    mqtt_url: Annotated[
        str,
        typer.Option(
            envvar="LINLI_MQTT_URL",
            help="Broker for --transport mqtt: its host and port (each device logs in with its "
            "own MQTT password).",
        ),
    ] = "mqtt://127.0.0.1:1883",
    from_database: Annotated[
        bool,
        typer.Option(
            help="Take the devices and their MQTT logins from LINLI_DATABASE_URL (the default "
            "over MQTT without --devices; the passwords need LINLI_SECRET_KEY)."
        ),
    ] = False,
    fault: Annotated[
        list[str] | None,
        typer.Option(
            help="CODE:KIND[:PARAM], KIND one of stuck, drift, spike, silence, battery_drain; "
            "CODE may be '*'. Repeatable."
        ),
    ] = None,
) -> None:
    """Send one batch of readings per device every INTERVAL seconds until Ctrl-C."""
    if transport not in ("http", "mqtt"):
        console.print("[red]--transport is http or mqtt[/red]")
        raise typer.Exit(2)
    use_database = from_database or (devices is None and transport == "mqtt")
    try:
        faults = [Fault.parse(text) for text in fault or []]
        listed = stored.stored_devices() if use_database else load_devices(devices or DEVICES)
    except ValueError as err:
        console.print(f"[red]{escape(str(err))}[/red]")
        raise typer.Exit(2) from err
    except (OSError, SQLAlchemyError) as err:  # over MQTT the devices come from the database
        console.print(f"[red]cannot read the devices from LINLI_DATABASE_URL: {escape(str(err))}")
        raise typer.Exit(2) from err
    listed = listed[:limit] if limit else listed
    if start is not None and start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    if start is None and rate is not None and (use_database or stored.database_readable()):
        start = _start_after_stored([d.code for d in listed])
    simulator = Simulator(
        listed,
        seed=seed,
        incident_rate=incident_rate,
        speed=speed,
        start=start,
        concurrency=concurrency,
        faults=faults,
        rate=rate,
    )
    if simulator.skipped:
        kinds = ", ".join(sorted({d.type for d in simulator.skipped}))
        console.print(f"skipping {len(simulator.skipped)} devices without a value model: {kinds}")
    console.print(
        f"simulating {len(simulator.devices)} devices → "
        f"{escape(url if transport == 'http' else mqtt_url)} ({transport}) · "
        f"incident rate {simulator.incident_rate:.3g}/device/h · "
        f"≈{simulator.expected_crossings_per_minute():.2g} threshold crossings/min"
    )
    totals = _Totals()

    def show(report: RoundReport) -> None:
        totals.add(report)
        console.print(status_line(totals.rounds, report), soft_wrap=True)

    if rate is not None:
        console.print(
            f"at {rate:,.0f} readings/s: a batch per device every {simulator.rate_tick():.3g} s, "
            f"simulated time running ×{simulator.speed:.3g} from "
            f"{simulator.simulated_start:%Y-%m-%d %H:%M}Z"
        )
    began = time.perf_counter()

    async def stream(client: httpx.AsyncClient | MqttSender) -> None:
        if rate is None:
            await simulator.run(
                client, interval_s=interval, rounds=1 if once else None, on_round=show
            )
            return
        ran = await simulator.run_at_rate(client, count=count, on_round=show)
        if ran.caught_up:
            console.print("[yellow]the simulated timeline reached the present[/yellow]")
        console.print(f"done: {totals.summary(ran.seconds)}")
        if totals.duplicates:
            console.print(_already_stored(totals.duplicates))

    async def main() -> None:
        if transport == "mqtt":
            async with MqttSender(mqtt_url) as sender:
                await stream(sender)
            return
        async with httpx.AsyncClient(
            base_url=url, timeout=30.0, transport=_transport(), limits=_limits(concurrency)
        ) as client:
            await stream(client)

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        console.print(f"stopped: {totals.summary(time.perf_counter() - began)}")
        return
    if rate is None and totals.duplicates:
        console.print(_already_stored(totals.duplicates))
    if once and (totals.errors or totals.rejected or not totals.accepted):
        raise typer.Exit(1)
