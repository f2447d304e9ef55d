"""Rules's contributions to Linli: models, the rules and alarms API, `linli anomaly`, the
absence sweep."""

from __future__ import annotations

import typer
from fastapi import APIRouter

from linli.runtime.extensions import Extension
from linli.runtime.scheduler import PeriodicTask


def _routers() -> list[APIRouter]:
    from linli.rules import api

    return [api.router]


def _cli() -> list[tuple[str, typer.Typer]]:
    from linli.rules.cli import anomaly_app

    return [("anomaly", anomaly_app)]


def _tasks() -> list[PeriodicTask]:
    from linli.rules.tasks import ABSENCE_SWEEP_SECONDS, sweep_absence

    return [PeriodicTask("rules.sweep_absence", lambda: ABSENCE_SWEEP_SECONDS, sweep_absence)]


extension = Extension(
    name="rules", models=("linli.rules.models",), routers=_routers, cli=_cli, tasks=_tasks
)
