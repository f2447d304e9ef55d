"""Cases' contributions: models, the case API, the `linli cases` commands and the SLA sweep."""

from __future__ import annotations

import typer
from fastapi import APIRouter

from linli.core.settings import get_settings
from linli.runtime.extensions import Extension
from linli.runtime.scheduler import PeriodicTask


def _routers() -> list[APIRouter]:
    from linli.cases import api

    return [api.router]


def _cli() -> list[tuple[str, typer.Typer]]:
    from linli.cases.cli import app

    return [("cases", app)]


def _tasks() -> list[PeriodicTask]:
    from linli.cases.tasks import sweep_overdue

    return [
        PeriodicTask(
            "cases.sweep_overdue",
            lambda: float(get_settings().escalation_sweep_seconds),
            sweep_overdue,
        )
    ]


extension = Extension(
    name="cases", models=("linli.cases.models",), routers=_routers, cli=_cli, tasks=_tasks
)
