"""Org's contributions: the org tree models, API and CLI."""

from __future__ import annotations

import typer
from fastapi import APIRouter

from linli.runtime.extensions import Extension


def _routers() -> list[APIRouter]:
    from linli.org import api

    return [api.router]


def _cli() -> list[tuple[str, typer.Typer]]:
    from linli.org.cli import app

    return [("org", app)]


extension = Extension(name="org", models=("linli.org.models",), routers=_routers, cli=_cli)
