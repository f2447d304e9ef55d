"""Rules's contributions to Linli."""

from __future__ import annotations

import typer
from fastapi import APIRouter

from linli.runtime.extensions import Extension


def _routers() -> list[APIRouter]:
    from linli.rules import api

    return [api.router]


def _cli() -> list[tuple[str, typer.Typer]]:
    from linli.rules.cli import anomaly_app

    return [("anomaly", anomaly_app)]


extension = Extension(name="rules", models=("linli.rules.models",), routers=_routers, cli=_cli)
