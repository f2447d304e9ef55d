"""Security's contributions: its models, the auth API and the audit CLI."""

from __future__ import annotations

import typer
from fastapi import APIRouter

from linli.runtime.extensions import Extension
from linli.runtime.scheduler import PeriodicTask


def _routers() -> list[APIRouter]:
    from linli.security import api, csp_api

    return [api.router, csp_api.router]


def _cli() -> list[tuple[str, typer.Typer]]:
    from linli.security import cli

    return cli.commands()


def _tasks() -> list[PeriodicTask]:
    # The core's event log has no domain of its own; security carries the core's models.
    from linli.core import eventlog

    return [
        PeriodicTask("core.prune_event_log", lambda: eventlog.PRUNE_SECONDS, eventlog.prune_expired)
    ]


extension = Extension(
    name="security",
    models=("linli.security.models", "linli.core.eventlog", "linli.core.natsbus"),
    routers=_routers,
    cli=_cli,
    tasks=_tasks,
)
