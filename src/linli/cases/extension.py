"""Cases' contributions: models, the case API, the `linli cases` commands and the SLA sweep."""

from __future__ import annotations

import typer
from fastapi import APIRouter

from linli.core.settings import get_settings
from linli.runtime.extensions import Extension
from linli.runtime.scheduler import PeriodicTask


def _routers() -> list[APIRouter]:
    from linli.cases import api, dispatch_api, evaluation_api, triage_api
    from linli.cases.incidents import api as incidents_api

    return [
        api.router,
        incidents_api.router,
        evaluation_api.router,
        dispatch_api.router,
        triage_api.router,
    ]


def _cli() -> list[tuple[str, typer.Typer]]:
    from linli.cases.cli import app

    return [("cases", app)]


def _tasks() -> list[PeriodicTask]:
    from linli.cases import triage_service
    from linli.cases.tasks import sweep_overdue

    return [
        PeriodicTask(
            "cases.sweep_overdue",
            lambda: float(get_settings().escalation_sweep_seconds),
            sweep_overdue,
        ),
        PeriodicTask(
            "cases.triage_retrain",
            lambda: triage_service.RETRAIN_SECONDS,
            triage_service.retrain_task,
        ),
    ]


extension = Extension(
    name="cases",
    models=("linli.cases.models", "linli.cases.incidents.models"),
    routers=_routers,
    cli=_cli,
    tasks=_tasks,
)
