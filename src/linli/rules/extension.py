"""Rules's contributions to Linli: models, the rules and alarms API, `linli anomaly`, the
absence sweep, the evaluation of every stored batch of readings, and the notification workers
(alarms and incident notices; case events)."""

from __future__ import annotations

import typer
from fastapi import APIRouter

from linli.iot import events as iot_events
from linli.runtime.extensions import Consumer, Extension
from linli.runtime.scheduler import PeriodicTask, Worker
from linli.security.privacy.catalogue import N_, Link, PersonalTable


def _routers() -> list[APIRouter]:
    from linli.rules import api
    from linli.rules.notifications import api as notifications_api

    return [api.router, notifications_api.router]


def _cli() -> list[tuple[str, typer.Typer]]:
    from linli.rules.cli import anomaly_app

    return [("anomaly", anomaly_app)]


def _tasks() -> list[PeriodicTask]:
    from linli.rules.notifications import dispatcher
    from linli.rules.notifications.config import get_notify_settings
    from linli.rules.tasks import ABSENCE_SWEEP_SECONDS, sweep_absence

    return [
        PeriodicTask("rules.sweep_absence", lambda: ABSENCE_SWEEP_SECONDS, sweep_absence),
        PeriodicTask(
            "notifications.sweep_escalations",
            lambda: get_notify_settings().escalation_sweep_seconds,
            dispatcher.sweep,
        ),
    ]


def _workers() -> list[Worker]:
    from linli.rules import composite
    from linli.rules.notifications import case_notices, dispatcher

    return [
        Worker("notifications.dispatch", dispatcher.run_worker),
        Worker("notifications.cases", case_notices.run_worker),
        Worker("rules.composite", composite.run_worker),
    ]


def _consumers() -> list[Consumer]:
    from linli.rules import service

    return [(iot_events.readings, service.evaluate_readings)]


def _personal_data() -> list[PersonalTable]:
    by_resident = (Link("resident_id", "resident"),)
    return [
        PersonalTable("notification_preference", N_("Notification settings"),
                      clear=("email", "phone")),
        PersonalTable("notification_delivery", N_("Messages sent"), clear=("address",),
                      org_path="org_path"),
        # Staff cards quote cases' titles and notes, which may quote a reporter's contacts.
        PersonalTable("notification", N_("Notifications to staff"), scrub=("title", "body"),
                      scan=True, exported=False),
        PersonalTable("incident_notice_message", N_("Incident notices sent"),
                      links=by_resident, clear=("address",), org_path="org_path"),
        PersonalTable("resident_reach", N_("How to reach you in an emergency"),
                      links=by_resident, org_path="org_path"),
    ]  # fmt: skip


extension = Extension(
    name="rules",
    models=("linli.rules.models", "linli.rules.notifications.models"),
    routers=_routers,
    cli=_cli,
    tasks=_tasks,
    workers=_workers,
    consumers=_consumers,
    personal_data=_personal_data,
)
