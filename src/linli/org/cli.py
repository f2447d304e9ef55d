"""`linli org …`: create org units from the shell (the root of a new install starts here)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from linli.runtime.commands import run_in_session

app = typer.Typer(help="The org-unit tree.", no_args_is_help=True)
console = Console()


@app.command("create")
def create(
    kind: Annotated[
        str, typer.Option(help="district, street, community, grid, department, town or zone")
    ],
    code: Annotated[str, typer.Option(help="unique short code")],
    name: Annotated[str, typer.Option(help="display name")],
    parent: Annotated[str | None, typer.Option(help="code of the parent (none: a root)")] = None,
    profile: Annotated[str, typer.Option(help="governance profile of a root: grid or town")] = (
        "grid"
    ),
    name_zh: Annotated[str | None, typer.Option(help="Chinese name")] = None,
    boundary: Annotated[Path | None, typer.Option(help="GeoJSON file with the boundary")] = None,
) -> None:
    """Create an org unit (a root when no parent is given)."""
    shape: dict[str, Any] | None = None
    if boundary is not None:
        try:
            loaded = json.loads(boundary.read_text())
        except (OSError, ValueError) as err:
            console.print(f"[red]cannot read {boundary}: {err}[/red]")
            raise typer.Exit(2) from err
        shape = loaded.get("geometry", loaded) if isinstance(loaded, dict) else None

    async def work(session: AsyncSession) -> str:
        from linli.org import service

        above = await service.get_unit_by_code(session, parent) if parent else None
        unit = await service.create_unit(
            session,
            kind=kind,
            code=code,
            name=name,
            parent=above,
            name_zh=name_zh,
            boundary=shape,
            profile=profile,
        )
        return f"{unit.kind} {unit.code} created ({unit.profile} profile)"

    console.print(run_in_session(work))
