"""Helpers shared by the extensions' CLI commands."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.errors import LinliError

T = TypeVar("T")
console = Console()


def run_in_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one unit of work and turn domain errors into a clean exit 1."""
    from linli.core.database import session_scope

    async def in_session() -> T:
        async with session_scope() as session:
            return await work(session)

    return run_command(in_session)


def run_command(work: Callable[[], Awaitable[T]]) -> T:
    """Run `work` (which opens its own units of work) and turn domain errors into a clean exit 1."""
    from linli.core.database import dispose_engine

    async def main() -> T:
        try:
            return await work()
        finally:
            await dispose_engine()

    try:
        return asyncio.run(main())
    except LinliError as err:
        console.print(f"[red]{err.detail}[/red] ({err.code})")
        raise typer.Exit(1) from err
