"""The twin's contributions to Linli: the `linli simulate` command."""

from __future__ import annotations

import typer

from linli.runtime.extensions import Extension


def _cli() -> list[tuple[str, typer.Typer]]:
    from linli.twin.cli import simulate_app

    return [("simulate", simulate_app)]


extension = Extension(name="twin", cli=_cli)
