"""Cases' contributions: every sub-package's models and API, the `linli cases` commands, the SLA
sweep and triage retraining, and incidents as a consumer of new cases."""

from __future__ import annotations

import typer
from fastapi import APIRouter

from linli.cases import events
from linli.core.settings import get_settings
from linli.runtime.extensions import Consumer, Extension
from linli.runtime.scheduler import PeriodicTask


def _routers() -> list[APIRouter]:
    from linli.cases import api, publication_api
    from linli.cases.dispatch import api as dispatch_api
    from linli.cases.evaluation import api as evaluation_api
    from linli.cases.incidents import api as incidents_api
    from linli.cases.intake import api as intake_api
    from linli.cases.sla import api as sla_api
    from linli.cases.triage import api as triage_api

    return [
        api.router,
        publication_api.router,
        intake_api.router,
        incidents_api.router,
        evaluation_api.router,
        dispatch_api.router,
        sla_api.router,
        triage_api.router,
    ]


def _cli() -> list[tuple[str, typer.Typer]]:
    from linli.cases.cli import app

    return [("cases", app)]


def _tasks() -> list[PeriodicTask]:
    from linli.cases.sla.tasks import sweep_overdue
    from linli.cases.triage import service as triage_service

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


def _consumers() -> list[Consumer]:
    from linli.cases.incidents import service as incidents_service

    return [(events.opened, incidents_service.link_new_case)]


extension = Extension(
    name="cases",
    models=tuple(
        f"linli.cases.{room}models"
        for room in ("", "intake.", "triage.", "dispatch.", "sla.", "evaluation.", "incidents.")
    ),
    routers=_routers,
    cli=_cli,
    tasks=_tasks,
    pipelines=(events.opened,),
    consumers=_consumers,
)
