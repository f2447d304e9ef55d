"""`linli cases …`: import and export the category catalogue; `linli cases triage …`: retrain the
triage model (kept in the database) and try it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import catalogue
from linli.runtime.commands import run_command, run_in_session

app = typer.Typer(help="Cases: category catalogue and triage.", no_args_is_help=True)
triage_app = typer.Typer(help="Triage: retrain the model, try a suggestion.", no_args_is_help=True)
app.add_typer(triage_app, name="triage")
console = Console()


@app.command("import-catalogue")
def import_catalogue(
    path: Annotated[Path, typer.Argument(help="catalogue CSV", exists=True)] = (
        catalogue.DEMO_CATALOGUE
    ),
) -> None:
    """Create or update categories from a catalogue CSV; bad rows are listed, good ones kept."""
    text = path.read_text(encoding="utf-8")

    async def work(session: AsyncSession) -> catalogue.ImportReport:
        return await catalogue.import_catalogue(session, text)

    report = run_in_session(work)
    for error in report.errors:
        console.print(f"[red]line {error.line}[/red] {error.code or ''}: {error.reason}")
    console.print(f"{len(report.imported)} categories imported, {len(report.errors)} rows refused")
    if report.errors:
        raise typer.Exit(1)


@app.command("export-catalogue")
def export_catalogue(path: Annotated[Path, typer.Argument(help="file to write")]) -> None:
    """Write the stored categories, every field of them, as catalogue CSV."""

    async def work(session: AsyncSession) -> str:
        return await catalogue.export_catalogue(session)

    path.write_text(run_in_session(work), encoding="utf-8")
    console.print(f"catalogue written to {path}")


@triage_app.command("retrain")
def retrain(
    force: Annotated[bool, typer.Option(help="refit even if nothing changed")] = False,
) -> None:
    """Train the triage model on the catalogue's examples and operators' decisions; store it."""
    from linli.cases.triage import service as triage_service

    with console.status("training the triage model…"):
        version = run_command(lambda: triage_service.retrain_task(force=force))
    if version is None:
        console.print("nothing changed since the newest model; use --force to refit anyway")
        return
    console.print(f"triage model version {version} stored")


@triage_app.command("suggest")
def suggest(
    text: Annotated[str, typer.Argument(help="the report's text")],
    lon: Annotated[float | None, typer.Option(help="longitude of the report")] = None,
    lat: Annotated[float | None, typer.Option(help="latitude of the report")] = None,
) -> None:
    """Print the likeliest categories for a report text (and the unit, given a point)."""
    from linli.cases.triage import service as triage_service

    async def work(session: AsyncSession) -> list[tuple[str, float, str]]:
        found = await triage_service.suggest_report(session, text=text, lon=lon, lat=lat)
        return [
            (s.category.code, s.confidence, s.unit.code if s.unit else "-")
            for s in found.categories
        ]

    for code, confidence, unit in run_in_session(work):
        console.print(f"{code}\t{confidence:.2f}\t{unit}")
