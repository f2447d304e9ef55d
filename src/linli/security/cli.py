"""`linli staff …`: create accounts, grant roles and issue API tokens from the shell.

The first administrator of an install is made here; after that the staff API does the rest.
"""

from __future__ import annotations

import uuid
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.errors import NotFound
from linli.runtime.commands import run_in_session

app = typer.Typer(help="Staff accounts, roles and API tokens.", no_args_is_help=True)
console = Console()
T = TypeVar("T")

UsernameArg = Annotated[
    str | None, typer.Argument(metavar="USERNAME", help="login name of the account")
]
UsernameOpt = Annotated[
    str | None, typer.Option("--username", help="login name (instead of USERNAME)")
]
UnitCode = Annotated[str, typer.Option("--unit", help="code of the org unit the role covers")]
Role = Annotated[
    str, typer.Option(help="admin, operator, grid_worker, department_staff, inspector")
]


async def _account(session: AsyncSession, username: str) -> uuid.UUID:
    from linli.security.models import StaffAccount

    account_id = await session.scalar(
        select(StaffAccount.id).where(StaffAccount.username == username)
    )
    if account_id is None:
        raise NotFound(f"no staff account '{username}'", code="account_not_found")
    return account_id


def _username(argument: str | None, option: str | None) -> str:
    """Return the one username given, as USERNAME or as `--username`."""
    if argument and option and argument != option:
        raise typer.BadParameter("give the username once: USERNAME or --username")
    name = argument or option
    if not name:
        raise typer.BadParameter("give the account's USERNAME")
    return name


@app.command("create")
def create(
    role: Role,
    unit: UnitCode,
    display_name: Annotated[str, typer.Option(help="name shown to colleagues")] = "",
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
    username_arg: UsernameArg = None,
    username_opt: UsernameOpt = None,
) -> None:
    """Create a staff account USERNAME holding ROLE over the subtree of UNIT."""
    username = _username(username_arg, username_opt)
    from linli.org import service as org_service
    from linli.security import service

    async def work(session: AsyncSession) -> None:
        org_unit = await org_service.get_unit_by_code(session, unit)
        account = await service.create_account(
            session,
            username=username,
            display_name=display_name or username,
            password=password,
            actor="cli",
        )
        await service.grant_role(
            session, account_id=account.id, role=role, unit_id=org_unit.id, actor="cli"
        )

    run_in_session(work)
    console.print(f"[green]created[/green] {username} as {role} of {unit}")


@app.command("grant")
def grant(
    role: Role,
    unit: UnitCode,
    username_arg: UsernameArg = None,
    username_opt: UsernameOpt = None,
) -> None:
    """Grant ROLE over the subtree of UNIT to the existing account USERNAME."""
    username = _username(username_arg, username_opt)
    from linli.org import service as org_service
    from linli.security import service

    async def work(session: AsyncSession) -> None:
        account_id = await _account(session, username)
        org_unit = await org_service.get_unit_by_code(session, unit)
        await service.grant_role(
            session, account_id=account_id, role=role, unit_id=org_unit.id, actor="cli"
        )

    run_in_session(work)
    console.print(f"[green]granted[/green] {role} of {unit} to {username}")


@app.command("token")
def token(
    username_arg: UsernameArg = None,
    username_opt: UsernameOpt = None,
    name: Annotated[str, typer.Option(help="what the token is for")] = "cli",
    days: Annotated[int | None, typer.Option(help="lifetime in days; default: none")] = None,
) -> None:
    """Issue an API token for account USERNAME and print its secret (shown only once)."""
    username = _username(username_arg, username_opt)
    from linli.security import service

    async def work(session: AsyncSession) -> str:
        account_id = await _account(session, username)
        secret, _ = await service.issue_token(
            session, account_id=account_id, name=name, days=days, actor="cli"
        )
        return secret

    print(run_in_session(work))


def commands() -> list[tuple[str, typer.Typer]]:
    """Return the command groups security adds to `linli`."""
    return [("staff", app)]
