"""Care's contributions to Linli: models, the care API, the readings consumer that feeds each
home's monitors, the evaluation cycle and the sending of texts, and the personal data held."""

from __future__ import annotations

from fastapi import APIRouter

from linli.iot import events as iot_events
from linli.runtime.extensions import Consumer, Extension
from linli.runtime.scheduler import PeriodicTask
from linli.security.privacy.catalogue import N_, Link, PersonalTable


def _routers() -> list[APIRouter]:
    from linli.care import api

    return [api.router]


def _tasks() -> list[PeriodicTask]:
    from linli.care import tasks

    return [
        PeriodicTask("care.evaluate", lambda: tasks.EVALUATE_SECONDS, tasks.evaluate_care),
        PeriodicTask("care.send_texts", lambda: tasks.SEND_SECONDS, tasks.send_care_texts),
    ]


def _consumers() -> list[Consumer]:
    from linli.care import monitoring

    return [(iot_events.readings, monitoring.consume_readings)]


def _personal_data() -> list[PersonalTable]:
    by_profile = (Link("profile_id", "care_profile"),)
    return [
        PersonalTable("care_profile", N_("Care profile"), links=(Link("resident_id", "resident"),),
                      clear=("health_notes", "access_notes"), org_path="org_path"),
        PersonalTable("care_contact", N_("Emergency contacts"), links=by_profile,
                      clear=("name", "phone")),
        PersonalTable("care_alert", N_("Care alerts"), links=by_profile, org_path="org_path"),
        PersonalTable("care_message", N_("Care texts sent"),
                      links=(Link("alert_id", "care_alert"),), clear=("address",)),
    ]  # fmt: skip


extension = Extension(
    name="care",
    models=("linli.care.models",),
    routers=_routers,
    tasks=_tasks,
    consumers=_consumers,
    personal_data=_personal_data,
)
