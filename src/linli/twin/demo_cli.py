"""`linli demo`: load the demo sites and print their logins."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from linli.core import clock
from linli.core.database import dispose_engine, session_scope
from linli.core.settings import get_settings

if TYPE_CHECKING:
    from linli.twin.sites import SiteSpec

demo_app = typer.Typer(
    help="The demo sites (Bao'an-like district, Sengkang town).", no_args_is_help=True
)
console = Console()
DEMO_PASSWORD = "linli-demo"
DEFAULT_DATA = Path("..") / "shared" / "data" / "singapore"
"""The full Singapore reference files, read instead of the shipped subset when present."""


@demo_app.command("load")
def load(
    scale: float = typer.Option(1.0, min=0.01, max=1.0, help="Shrink the district (1 = real)."),
    data_dir: Path | None = typer.Option(
        None,
        help="Folder with hdb_blocks.csv, bus_stops.csv (default ../shared/data/singapore if "
        "present; else the Sengkang subset shipped with Linli)",
    ),
    devices_file: Path = typer.Option(Path("var/demo-devices.json")),
    force: bool = typer.Option(False, help="Load even if the demo is already there."),
    history: bool = typer.Option(
        True, help="Play a month of cases, alarms and readings before now (about a minute)."
    ),
    triage_model: bool = typer.Option(
        True,
        help="Fit the triage model while the sites load (else the server fits it at its first "
        "start, using about a core for a minute).",
    ),
) -> None:
    """Generate both demo sites (fixed seed) into the configured database."""
    if get_settings().env == "production":
        console.print("[red]the demo sets known passwords; refused with LINLI_ENV=production")
        raise typer.Exit(2)
    asyncio.run(
        _load(scale, data_dir, devices_file, force, history=history, triage_model=triage_model)
    )


async def _load(
    scale: float,
    data_dir: Path | None,
    devices_file: Path,
    force: bool,
    *,
    history: bool = True,
    triage_model: bool = True,
) -> None:
    from linli.cases.triage import service as triage_service
    from linli.org.models import OrgUnit
    from linli.twin import demo
    from linli.twin.geography import baoan_district, sengkang_town

    async with session_scope() as session:
        present = await session.scalar(select(OrgUnit.id).where(OrgUnit.code == "BA"))
    if present is not None and not force:
        console.print("demo sites already loaded (use a fresh database to reload)")
        await dispose_engine()
        return
    data_dir = data_dir or DEFAULT_DATA
    if not (data_dir / "hdb_blocks.csv").exists():
        console.print(
            f"[yellow]{data_dir} not found: Sengkang is built from the compact subset "
            "shipped with Linli[/yellow]"
        )
    else:
        console.print(f"Sengkang is read from the reference data in {data_dir}")
    sites = [baoan_district(scale=scale), sengkang_town(data_dir=data_dir, scale=1.0)]
    started = time.monotonic()
    devices: list[dict[str, object]] = []
    with console.status("loading demo sites…") as status:
        async with session_scope() as session:
            await demo.load_categories(session)
            # The triage model learns from the catalogue alone here (the history records no
            # triage decisions): fit it on the other core while the sites load, so the server
            # starts with a model and nothing to retrain.
            training = await triage_service.changed_training_set(session)
            fitting = (
                asyncio.create_task(triage_service.fit(training))
                if training is not None and triage_model
                else None
            )
            for site in sites:

                def report(what: str, n: int, site_name: str = site.name) -> None:
                    status.update(f"{site_name}: {n} {what}")

                result = await demo.load_site(
                    session, site, password=DEMO_PASSWORD, progress=report
                )
                devices.extend(result.devices)
                counts = ", ".join(f"{v} {k}" for k, v in result.counts.items())
                console.print(f"[green]{site.name}[/green] ({site.profile}): {counts}")
                console.print(f"  [dim]{site.source_note}[/dim]")
    demo.write_devices_file(devices_file, devices)
    if history:
        now = clock.now().replace(second=0, microsecond=0)
        await _play_history(sites, now)
        await _seed_community(sites, now)
    if fitting is not None and training is not None:
        with console.status("training the triage model…"):
            model = await fitting
        async with session_scope() as session:
            stored = await triage_service.store_model(session, training, model)
        console.print(f"triage model trained on {stored.examples} examples")
    console.print(f"loaded in {time.monotonic() - started:.0f} s; device tokens in {devices_file}")
    await dispose_engine()


async def _play_history(sites: list[SiteSpec], now: datetime) -> None:
    """Play each site's month before now (`linli.twin.history`), telling how far it got."""
    from linli.twin import history

    started = time.monotonic()
    with console.status("playing a month of history…") as status:
        for site in sites:

            def told(what: str, n: int, site_name: str = site.name) -> None:
                status.update(f"{site_name} history: {n} {what}")

            played = await history.play_site(site, password=DEMO_PASSWORD, now=now, progress=told)
            console.print(f"[green]{site.name}[/green] history: {played.line()}")
    console.print(f"history played in {time.monotonic() - started:.0f} s")


async def _seed_community(sites: list[SiteSpec], now: datetime) -> None:
    """Seed each site's resident side (`linli.twin.community`) after its history."""
    from linli.twin import community

    started = time.monotonic()
    with console.status("seeding the residents' side…") as status:
        for site in sites:

            def told(what: str, n: int, site_name: str = site.name) -> None:
                status.update(f"{site_name} residents: {n} {what}")

            seeded = await community.seed_site(site, now=now, progress=told)
            console.print(f"[green]{site.name}[/green] residents: {seeded.line()}")
    console.print(f"residents' side seeded in {time.monotonic() - started:.0f} s")


@demo_app.command("logins")
def logins() -> None:
    """Print the demo staff logins."""
    asyncio.run(_logins())


async def _logins() -> None:
    from linli.org.models import OrgUnit
    from linli.security.models import RoleGrant, StaffAccount
    from linli.twin import community

    async with session_scope() as session:
        rows = (
            await session.execute(
                select(
                    StaffAccount.username,
                    StaffAccount.display_name,
                    RoleGrant.role,
                    OrgUnit.name,
                    OrgUnit.profile,
                )
                .join(RoleGrant, RoleGrant.account_id == StaffAccount.id)
                .join(OrgUnit, OrgUnit.id == RoleGrant.unit_id)
                .order_by(OrgUnit.profile, StaffAccount.username)
            )
        ).all()
        sites = (
            await session.execute(
                select(OrgUnit.profile, OrgUnit.name)
                .where(OrgUnit.parent_id.is_(None))
                .order_by(OrgUnit.profile)
            )
        ).all()
        residents = await community.resident_logins(session, [(p, n) for p, n in sites])
    await dispose_engine()
    table = Table(title=f"Demo logins (password for all: {DEMO_PASSWORD})")
    table.add_column("username", no_wrap=True)  # what people type: never broken over lines
    for column in ("name", "role", "over", "profile"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    if not residents:
        return
    signins = Table(title="Resident sign-ins at /my/sign-in (a code, no password)")
    signins.add_column("phone", no_wrap=True)  # what people type, and who they are
    signins.add_column("name", no_wrap=True)
    for column in ("verification", "site", "note"):
        signins.add_column(column)
    for login in residents:
        signins.add_row(login.phone, login.name, login.level, login.site, login.note)
    console.print(signins)
    console.print(
        "On a development install (LINLI_ENV=development, file SMS gateway, as `make demo` "
        "runs) the sign-in page shows the code it would have sent."
    )
