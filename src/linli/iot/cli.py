"""`linli iot …`: Mosquitto credentials and ACL, device MQTT passwords, the MQTT listener."""

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


def _configured_service_password() -> str | None:
    from linli.iot.mqtt import parse_broker_url

    url = get_settings().mqtt_url
    return parse_broker_url(url).password if url else None


@app.command("broker-config")
def broker_config(
    out: Annotated[Path, typer.Option(help="directory for passwd, acl and linli.conf")],
    service_user: Annotated[str, typer.Option(help="Linli's own MQTT user")] = "linli",
    service_password: Annotated[
        str | None,
        typer.Option(help="its password (default: the one in LINLI_MQTT_URL, else a new one)"),
    ] = None,
) -> None:
    """Write Mosquitto's password file and ACL for every active device and for Linli."""
    from linli.iot import broker

    password = service_password or _configured_service_password()
    generated = password is None
    password = password or secrets.token_urlsafe(24)

    async def work(session: AsyncSession) -> broker.BrokerFiles:
        return await broker.broker_files(
            session, service_user=service_user, service_password=password
        )

    files = run_in_session(work)
    conf = broker.write_broker_files(out, files)
    console.print(f"[green]wrote[/green] {out} for {files.devices} devices; include {conf}")
    if files.skipped:
        console.print(f"[yellow]left out[/yellow] (no usable code or site): {files.skipped}")
    if generated:
        console.print(
            f"set LINLI_MQTT_URL=mqtt://{service_user}:{password}@<broker host>:1883 "
            "(this password is not shown again)"
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
