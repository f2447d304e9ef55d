"""Residents' contributions to Linli: the accounts API, notices to residents, the periodic
sending of messages and publishing of scheduled notices, and the personal data their tables
hold."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension
from linli.runtime.scheduler import PeriodicTask
from linli.security.privacy.catalogue import N_, Link, PersonalTable


def _routers() -> list[APIRouter]:
    from linli.residents import api, notices_api
    from linli.residents.notices import api as staff_notices_api

    return [api.router, staff_notices_api.router, notices_api.router]


def _tasks() -> list[PeriodicTask]:
    from linli.residents.messages import tasks
    from linli.residents.notices.tasks import PUBLISH_SECONDS, publish_due_notices

    return [
        PeriodicTask("residents.send_messages", lambda: 60.0, tasks.send_due_messages),
        PeriodicTask("residents.publish_notices", lambda: PUBLISH_SECONDS, publish_due_notices),
    ]


def _personal_data() -> list[PersonalTable]:
    return [
        PersonalTable(
            "resident_account",
            N_("Resident accounts"),
            clear=("display_name", "email", "phone"),
            org_path="org_path",
        ),
        PersonalTable(
            "resident_message",
            N_("Messages to residents"),
            links=(Link("account_id", "resident_account"),),
            clear=("address",),
        ),
        # What a volunteer noted of a call to a resident about a notice.
        PersonalTable(
            "resident_notice_call",
            N_("Calls about notices"),
            links=(Link("resident_id", "resident"),),
            scrub=("note",),
            org_path="org_path",
        ),
        # Which notices a resident's account opened, and when.
        PersonalTable(
            "resident_notice_read",
            N_("Notices you read"),
            links=(Link("account_id", "resident_account"),),
        ),
    ]


extension = Extension(
    name="residents",
    models=("linli.residents.models", "linli.residents.notices.models"),
    routers=_routers,
    tasks=_tasks,
    personal_data=_personal_data,
)
