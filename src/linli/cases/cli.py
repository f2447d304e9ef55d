"""`linli cases …`: import and export the category catalogue, retrain and try triage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import catalogue
from linli.runtime.commands import run_in_session

app = typer.Typer(help="Cases: category catalogue and triage.", no_args_is_help=True)
console = Console()

CatalogueOption = Annotated[
    Path, typer.Option(help="catalogue CSV (default: the demo catalogue)", exists=True)
]
ModelOption = Annotated[Path, typer.Option(help="where the triage model is kept")]
DEFAULT_MODEL = Path("var/triage.joblib")


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
def export_catalogue(
    path: Annotated[Path, typer.Argument(help="file to write")],
    extras: CatalogueOption = catalogue.DEMO_CATALOGUE,
) -> None:
    """Write the stored categories as catalogue CSV (radius, window, examples from --extras)."""
    entries = catalogue.read_catalogue(extras)

    async def work(session: AsyncSession) -> str:
        return await catalogue.export_catalogue(session, extras=entries)

    path.write_text(run_in_session(work), encoding="utf-8")
    console.print(f"catalogue written to {path}")


@app.command("retrain")
def retrain(
    source: CatalogueOption = catalogue.DEMO_CATALOGUE,
    model: ModelOption = DEFAULT_MODEL,
) -> None:
    """Train the triage model from the catalogue's examples and past operator decisions."""
    from linli.cases import triage

    entries = catalogue.read_catalogue(source)

    async def work(session: AsyncSession) -> int:
        _, count = await triage.retrain(session, entries=entries, path=model)
        return count

    count = run_in_session(work)
    console.print(f"triage model trained on {count} examples, saved to {model}")


@app.command("suggest")
def suggest(
    text: Annotated[str, typer.Argument(help="the report's text")],
    model: ModelOption = DEFAULT_MODEL,
) -> None:
    """Print the likeliest categories for a report text."""
    from linli.cases.triage import Triage

    if not model.exists():
        console.print(f"[red]no model at {model}; run `linli cases retrain` first[/red]")
        raise typer.Exit(1)
    for code, confidence in Triage.load(model).suggest(text):
        console.print(f"{code}\t{confidence:.2f}")
