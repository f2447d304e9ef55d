"""`linli privacy …` (a person's data: export, erase) and `linli keys …` (field-key rotation)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from sqlalchemy.ext.asyncio import AsyncSession

from linli.runtime.commands import run_command, run_in_session
from linli.security.privacy.schemas import ErasureRead, SubjectQuery

privacy_app = typer.Typer(help="A person's data: export it, erase it.", no_args_is_help=True)
keys_app = typer.Typer(help="The field keys of personal data.", no_args_is_help=True)
console = Console()

Phones = Annotated[
    list[str] | None, typer.Option("--phone", help="a phone number they gave (repeatable)")
]
Emails = Annotated[
    list[str] | None, typer.Option("--email", help="an e-mail address they gave (repeatable)")
]


def _subject(phones: list[str] | None, emails: list[str] | None) -> SubjectQuery:
    try:
        return SubjectQuery(phones=phones or [], emails=emails or [])
    except ValueError as err:
        raise typer.BadParameter(str(err).splitlines()[-1]) from err


@privacy_app.command("export")
def export(
    out: Annotated[Path, typer.Option(help="file to write: .html for the readable document")],
    phone: Phones = None,
    email: Emails = None,
    locale: Annotated[str | None, typer.Option(help="language of the document")] = None,
) -> None:
    """Write everything held about the person with these contacts to OUT (JSON, or HTML)."""
    from linli.security.privacy import service
    from linli.security.privacy.document import render_export

    subject = _subject(phone, email)

    async def work(session: AsyncSession) -> dict[str, object]:
        return await service.export_subject(session, subject, locale=locale)

    result = run_in_session(work)
    if out.suffix.lower() in (".html", ".htm"):
        out.write_text(render_export(result), encoding="utf-8")
    else:
        out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    found = result["found"]
    assert isinstance(found, dict)
    total = sum(found.values())
    console.print(f"[green]exported[/green] {total} records from {len(found)} tables to {out}")


@privacy_app.command("erase")
def erase(
    phone: Phones = None,
    email: Emails = None,
    yes: Annotated[bool, typer.Option("--yes", help="confirm: erasure cannot be undone")] = False,
) -> None:
    """Erase the personal data of the person with these contacts (figures stay as they were)."""
    from linli.security.privacy import service

    subject = _subject(phone, email)
    if not yes:
        console.print("[red]erasure cannot be undone[/red]: run again with --yes to erase")
        raise typer.Exit(1)

    async def work(session: AsyncSession) -> ErasureRead:
        return await service.erase_subject(session, subject)

    result = run_in_session(work)
    if not result.found:
        console.print("nothing is held about this person")
        return
    for table, count in sorted(result.erased.items()):
        console.print(f"  {table}: {count}")
    console.print(f"[green]erased[/green] (request {result.request_id})")


@keys_app.command("rotate")
def rotate() -> None:
    """Re-encrypt every personal field under LINLI_FIELD_KEY (resumes a stopped run)."""
    from linli.core.database import session_scope
    from linli.security.crypto import get_cipher
    from linli.security.privacy import rotation

    if len(get_cipher().key_ids) < 2:
        console.print(
            "[yellow]no retired key[/yellow]: every field is already under LINLI_FIELD_KEY "
            "unless a retired key is named in LINLI_FIELD_KEYS_RETIRED; checking anyway"
        )

    async def work() -> rotation.RotationReport:
        async with session_scope() as session:
            total = 0
            for tbl, _ in rotation.encrypted_tables():
                total += await rotation.rows_total(session, tbl)
        with Progress(console=console) as progress:
            bar = progress.add_task("re-encrypting", total=total)

            async def advance(_table: str, seen: int) -> None:
                progress.advance(bar, seen)

            return await rotation.rotate_keys(on_batch=advance)

    report = run_command(work)
    for table, count in sorted(report.rewritten.items()):
        console.print(f"  {table}: {count}")
    console.print(f"[green]every field is under key {report.key_id}[/green]")


@keys_app.command("check")
def check() -> None:
    """Count the rows still holding a field under a retired key (exit 1 if any)."""
    from linli.security.privacy import rotation

    left = run_in_session(rotation.under_old_keys)
    if not left:
        console.print("[green]every field is under the current key[/green]")
        return
    for table, count in sorted(left.items()):
        console.print(f"  {table}: {count}")
    raise typer.Exit(1)


def commands() -> list[tuple[str, typer.Typer]]:
    """Return the command groups privacy adds to `linli`."""
    return [("privacy", privacy_app), ("keys", keys_app)]
