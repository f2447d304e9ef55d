"""The `linli` command."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer
from rich.console import Console

from linli.core.settings import get_settings
from linli.runtime.extensions import extensions, load_extensions
from linli.runtime.roles import Role

app = typer.Typer(help="Linli smart-community platform.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit chain.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
console = Console()


@app.callback()
def _load_extensions() -> None:
    # Before any command: complete models, and readings stored by it reach their consumers.
    load_extensions()


@db_app.command("upgrade")
def db_upgrade(revision: str = "heads") -> None:
    """Apply database migrations up to REVISION."""
    from linli.core.migrate import upgrade

    url = get_settings().database_url
    upgrade(url, revision)
    console.print(f"[green]database at {revision}[/green]")


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the audit chain and report the first broken entry (exit 1 if any)."""
    from linli.core.database import dispose_engine, session_scope
    from linli.security.audit import verify_chain

    async def run() -> bool:
        async with session_scope() as session:
            report = await verify_chain(session)
        await dispose_engine()
        if report.ok:
            console.print(f"[green]audit chain intact[/green]: {report.checked} entries verified")
        else:
            console.print(
                f"[red]audit chain broken at entry {report.broken_at}[/red]: "
                f"{report.reason} ({report.checked} entries verified before it)"
            )
        return report.ok

    if not asyncio.run(run()):
        raise typer.Exit(1)


@app.command()
def serve(
    host: str | None = None,
    port: int | None = None,
    migrate: bool = True,
    role: Annotated[
        Role | None,
        typer.Option(help="process role (default LINLI_ROLE, else all: everything in one)"),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="HTTP processes on the port (role api with LINLI_BUS_URL only; e.g. one a core)",
        ),
    ] = 1,
) -> None:
    """Run one Linli process of ROLE (migrating the database first), or WORKERS api processes."""
    import os

    import uvicorn

    from linli.core.migrate import upgrade
    from linli.runtime.roles import run_headless, serves_http
    from linli.web.access_log import quiet_ingest_access

    settings = get_settings()
    chosen = role or Role(settings.role)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)-9s %(name)s: %(message)s")
    logging.getLogger("linli").setLevel(logging.INFO)
    if workers > 1 and (chosen is not Role.API or not settings.bus_url):
        # API processes are stateless only with a shared bus: without one a live page would see
        # the events of its own process alone. Other roles hold what must run once (the MQTT
        # listener, periodic tasks, SQLite's one writer): run them as processes of their own.
        raise typer.BadParameter(
            "several processes serve only the api role, with LINLI_BUS_URL set",
            param_hint="--workers",
        )
    if migrate:
        upgrade(settings.database_url)
    if not serves_http(chosen):
        asyncio.run(run_headless(chosen))
        return
    quiet_ingest_access()  # a line per device batch would drown the log (and cost CPU)
    # The app factory reads the role from the settings, in this process.
    os.environ["LINLI_ROLE"] = chosen.value
    get_settings.cache_clear()
    uvicorn.run(
        "linli.web.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        log_level="info",
        # Forwarded headers are the app's business: believed only from LINLI_TRUSTED_PROXIES.
        proxy_headers=False,
        workers=workers,
    )


for _ext in extensions():
    for _name, _sub in _ext.cli():
        app.add_typer(_sub, name=_name)
