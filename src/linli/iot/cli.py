"""`linli iot …`: Mosquitto credentials and ACL, device MQTT passwords, the MQTT listener,
device import and status, and the count of stored readings."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import signal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.settings import get_settings
from linli.runtime.commands import run_in_session

app = typer.Typer(help="Devices over MQTT.", no_args_is_help=True)
console = Console()


@app.command("broker-config")
def broker_config(
    out: Annotated[
        Path | None,
        typer.Option(help="directory for the files (default: LINLI_MQTT_BROKER_DIR)"),
    ] = None,
    service_user: Annotated[
        str | None, typer.Option(help="Linli's own MQTT user (default: LINLI_MQTT_URL's, or linli)")
    ] = None,
    service_password: Annotated[
        str | None,
        typer.Option(help="its password (default: the one in LINLI_MQTT_URL, else a new one)"),
    ] = None,
    broker_user: Annotated[
        str, typer.Option(help="the user Mosquitto runs as: it must read the files")
    ] = "mosquitto",
) -> None:
    """Write Mosquitto's password file and ACL for every active device and for Linli, and a
    configuration that loads them (conf.d/linli.conf, and mosquitto.conf to run it as is)."""
    from linli.iot import broker

    settings = get_settings()
    directory = out or settings.mqtt_broker_dir
    if directory is None:
        console.print("[red]give --out or set LINLI_MQTT_BROKER_DIR[/red]")
        raise typer.Exit(2)
    target = broker.parse_broker_url(settings.mqtt_url) if settings.mqtt_url else None
    user = service_user or (target.username if target else None) or "linli"
    password = service_password or (target.password if target else None)
    generated = password is None
    password = password or secrets.token_urlsafe(24)

    async def work(session: AsyncSession) -> broker.BrokerFiles:
        return await broker.broker_files(session, service_user=user, service_password=password)

    files = run_in_session(work)
    include = broker.write_broker_files(directory, files, broker_user=broker_user)
    port = None if target is not None and target.tls else (target.port if target else 1883)
    main = broker.write_broker_conf(directory, port=port)
    console.print(
        f"[green]wrote[/green] {directory} for {files.devices} devices: run "
        f"`mosquitto -c {main}`, or add `include_dir {include.parent}` to your mosquitto.conf",
        soft_wrap=True,
    )
    if files.skipped:
        console.print(f"[yellow]left out[/yellow] (no usable code or site): {files.skipped}")
    if generated:
        console.print(
            f"set LINLI_MQTT_URL=mqtt://{user}:{password}@<broker host>:1883 "
            "(this password is not shown again)",
            soft_wrap=True,
        )


@app.command("mqtt-password")
def mqtt_password(code: Annotated[str, typer.Argument(help="the device's code")]) -> None:
    """Print the MQTT password of device CODE (it changes when its token is rotated)."""
    from linli.core.errors import NotFound
    from linli.iot import broker, repository

    async def work(session: AsyncSession) -> str:
        device = await repository.device_by_code(session, code)
        if device is None:
            raise NotFound(f"no device '{code}'", code="unknown_device")
        return broker.mqtt_password(device)

    console.print(run_in_session(work), highlight=False)


@app.command("listen")
def listen(
    url: Annotated[str | None, typer.Option(help="broker URL (default: LINLI_MQTT_URL)")] = None,
) -> None:
    """Ingest readings from the MQTT broker and send commands until interrupted."""
    from linli.core.database import dispose_engine
    from linli.iot.mqtt import run_listener

    target = url or get_settings().mqtt_url
    if not target:
        console.print("[red]give --url or set LINLI_MQTT_URL[/red]")
        raise typer.Exit(1)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        try:
            await run_listener(target, stop=stop)
        finally:
            await dispose_engine()

    asyncio.run(main())


quarantine_app = typer.Typer(
    help="Refused ingest inputs kept for inspection.", no_args_is_help=True
)
app.add_typer(quarantine_app, name="quarantine")


@quarantine_app.command("list")
def quarantine_list(
    channel: Annotated[str | None, typer.Option(help="http or mqtt")] = None,
    reason: Annotated[str | None, typer.Option(help="e.g. out_of_range, unknown_device")] = None,
    device: Annotated[str | None, typer.Option(help="device code")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
) -> None:
    """Show the newest refused inputs (every scope: this is an operator's command)."""
    from rich.table import Table

    from linli.core.pagination import MAX_LIMIT, PageQuery
    from linli.iot import quarantine
    from linli.iot.models import QuarantinedInput

    async def work(session: AsyncSession) -> tuple[list[QuarantinedInput], str]:
        rows: list[QuarantinedInput] = []
        paging, total = PageQuery(limit=min(limit, MAX_LIMIT), count=True), ""
        while True:
            page = await quarantine.list_quarantine(
                session, principal=None, channel=channel, reason=reason, device_code=device,
                paging=paging,
            )  # fmt: skip
            rows += page.items
            total = total or f"{page.total:,}{'+' if page.total_capped else ''}"
            if page.next is None or len(rows) >= limit:
                return rows, total
            paging = PageQuery(cursor=page.next, limit=min(limit - len(rows), MAX_LIMIT))

    rows, total = run_in_session(work)
    table = Table("received", "channel", "device", "reason", "detail", "raw")
    for q in rows:
        table.add_row(
            q.received_at.isoformat(timespec="seconds"), q.channel, q.device_code or "-",
            q.reason, q.detail, q.raw[:60],
        )  # fmt: skip
    console.print(table)
    console.print(f"{len(rows)} of {total}")


@quarantine_app.command("purge")
def quarantine_purge(
    older_than_days: Annotated[
        float | None, typer.Option(help="only rows older than this many days (default: all)")
    ] = None,
) -> None:
    """Delete refused inputs from the quarantine."""
    from datetime import timedelta

    from linli.core import clock
    from linli.iot import quarantine

    async def work(session: AsyncSession) -> int:
        before = None
        if older_than_days is not None:
            before = clock.now() - timedelta(days=older_than_days)
        return await quarantine.purge(session, before=before)

    console.print(f"purged {run_in_session(work)} rows")


@app.command("import")
def import_devices(
    csv_file: Annotated[
        Path, typer.Argument(help="code,type,name,lon,lat,building,place,org_unit")
    ],
    credentials: Annotated[
        Path, typer.Option(help="where to write the new credentials (CSV, owner-only)")
    ] = Path("device-credentials.csv"),
) -> None:
    """Register the devices of a CSV; write their credentials (shown only once) to a file."""
    import os

    from linli.iot import provisioning

    try:
        text = csv_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        console.print(f"[red]cannot read {csv_file}: {err}[/red]")
        raise typer.Exit(1) from err

    async def work(session: AsyncSession) -> provisioning.ImportOutcome:
        return await provisioning.import_devices(session, text=text)

    outcome = run_in_session(work)
    fd = os.open(credentials, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(provisioning.credentials_csv(outcome))
    for problem in outcome.errors:
        console.print(f"[yellow]line {problem.line}[/yellow]: {problem.reason} ({problem.code})")
    console.print(
        f"[green]registered {len(outcome.created)}[/green], refused {len(outcome.errors)}; "
        f"credentials in {credentials}"
    )
    if outcome.errors:
        raise typer.Exit(2 if outcome.created else 1)


@app.command("status")
def refresh_status() -> None:
    """Judge every device online or offline now (the scheduler does it every minute)."""
    from linli.iot import status

    async def work(session: AsyncSession) -> int:
        return await status.refresh_status(session)

    console.print(f"{run_in_session(work)} devices changed status")


@app.command("count-readings")
def count_readings(
    code: Annotated[str | None, typer.Option("--device", help="a device's code")] = None,
    metric: Annotated[str | None, typer.Option(help="one metric of that device")] = None,
) -> None:
    """Print how many readings are stored, recent and compacted, of one device or of all."""
    from linli.core.errors import NotFound
    from linli.iot import repository, rollups

    if metric is not None and code is None:
        raise typer.BadParameter("--metric needs --device")

    async def work(session: AsyncSession) -> int:
        if code is None:
            return await rollups.count_readings(session)
        device = await repository.device_by_code(session, code)
        if device is None:
            raise NotFound(f"no device '{code}'", code="unknown_device")
        return await rollups.count_readings(session, device.id, metric=metric)

    console.print(f"{run_in_session(work):,} readings stored", highlight=False)
