"""Security's contributions: its models, the auth API and the audit CLI."""

from __future__ import annotations

import typer
from fastapi import APIRouter

from linli.runtime.extensions import Extension


def _routers() -> list[APIRouter]:
    from linli.security import api

    return [api.router]


def _cli() -> list[tuple[str, typer.Typer]]:
    from linli.security import cli

    return cli.commands()


extension = Extension(
    name="security", models=("linli.security.models",), routers=_routers, cli=_cli
)
