"""The twin's contributions to Linli: the `linli demo` and `linli simulate` commands."""

from __future__ import annotations

import typer

from linli.runtime.extensions import Extension


def _cli() -> list[tuple[str, typer.Typer]]:
    from linli.twin.cli import simulate_app
    from linli.twin.demo_cli import demo_app

    return [("simulate", simulate_app), ("demo", demo_app)]


extension = Extension(name="twin", cli=_cli)
