"""Residents' contributions to Linli: notices to residents (their models, API, the publication
task and the personal data their calls hold)."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension
from linli.runtime.scheduler import PeriodicTask
from linli.security.privacy.catalogue import N_, Link, PersonalTable


def _routers() -> list[APIRouter]:
    from linli.residents.notices import api as notices_api

    return [notices_api.router]


def _tasks() -> list[PeriodicTask]:
    from linli.residents.notices.tasks import PUBLISH_SECONDS, publish_due_notices

    return [PeriodicTask("residents.publish_notices", lambda: PUBLISH_SECONDS, publish_due_notices)]


def _personal_data() -> list[PersonalTable]:
    return [
        # What a volunteer noted of a call to a resident about a notice.
        PersonalTable(
            "resident_notice_call",
            N_("Calls about notices"),
            links=(Link("resident_id", "resident"),),
            scrub=("note",),
            org_path="org_path",
        ),
    ]


extension = Extension(
    name="residents",
    models=("linli.residents.notices.models",),
    routers=_routers,
    tasks=_tasks,
    personal_data=_personal_data,
)
