"""Security's contributions: its models, the auth and privacy APIs, `linli staff`, `linli privacy`
and `linli keys`, and the personal data of staff accounts and the event log."""

from __future__ import annotations

import typer
from fastapi import APIRouter

from linli.runtime.extensions import Extension
from linli.runtime.scheduler import PeriodicTask
from linli.security.privacy.catalogue import N_, Link, PersonalTable


def _routers() -> list[APIRouter]:
    from linli.security import api, csp_api
    from linli.security.privacy import api as privacy_api

    return [api.router, csp_api.router, privacy_api.router]


def _cli() -> list[tuple[str, typer.Typer]]:
    from linli.security import cli
    from linli.security.privacy import cli as privacy_cli

    return [*cli.commands(), *privacy_cli.commands()]


def _personal_data() -> list[PersonalTable]:
    return [
        # A staff member is found through the contacts of their notification settings.
        PersonalTable(
            "staff_account",
            N_("Staff account"),
            links=(Link("id", "notification_preference", "account_id"),),
        ),
        # The event log quotes case titles for a few days: erasure scrubs every entry.
        PersonalTable("event_log", N_("Event log"), scrub=("payload",), scan=True, exported=False),
    ]


def _tasks() -> list[PeriodicTask]:
    # The core's event log has no domain of its own; security carries the core's models.
    from linli.core import eventlog

    return [
        PeriodicTask("core.prune_event_log", lambda: eventlog.PRUNE_SECONDS, eventlog.prune_expired)
    ]


extension = Extension(
    name="security",
    models=(
        "linli.security.models",
        "linli.security.privacy.models",
        "linli.core.eventlog",
        "linli.core.natsbus",
    ),
    routers=_routers,
    cli=_cli,
    tasks=_tasks,
    personal_data=_personal_data,
)
