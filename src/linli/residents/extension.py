"""Residents' contributions to Linli: the accounts API, notices to residents, facility
bookings, messaging's webhooks (SMS, chat app, the hotline keypad), the periodic sending of
messages, publishing of scheduled notices, the bookings' sweep and messaging's worker, and the
personal data their tables hold."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension
from linli.runtime.scheduler import PeriodicTask, Worker
from linli.security.privacy.catalogue import N_, Link, PersonalTable


def _routers() -> list[APIRouter]:
    from linli.residents import api, notices_api
    from linli.residents import bookings_api as my_bookings_api
    from linli.residents.bookings import api as bookings_api
    from linli.residents.messaging import api as messaging_api
    from linli.residents.notices import api as staff_notices_api

    return [
        api.router,
        staff_notices_api.router,
        notices_api.router,
        bookings_api.router,
        my_bookings_api.router,
        messaging_api.router,
    ]


def _tasks() -> list[PeriodicTask]:
    from linli.residents.bookings.tasks import SWEEP_SECONDS, sweep_bookings
    from linli.residents.messages import tasks
    from linli.residents.notices.tasks import PUBLISH_SECONDS, publish_due_notices
    from linli.residents.reports import tasks as report_tasks

    return [
        PeriodicTask("residents.send_messages", lambda: 60.0, tasks.send_due_messages),
        PeriodicTask("residents.tell_reports", lambda: 30.0, report_tasks.tell_report_changes),
        PeriodicTask("residents.publish_notices", lambda: PUBLISH_SECONDS, publish_due_notices),
        PeriodicTask("residents.bookings_sweep", lambda: SWEEP_SECONDS, sweep_bookings),
    ]


def _workers() -> list[Worker]:
    from linli.residents.messaging import tasks as messaging_tasks

    return [Worker("messaging.replies", messaging_tasks.run_worker)]


def _personal_data() -> list[PersonalTable]:
    return [
        PersonalTable(
            "resident_account",
            N_("Resident accounts"),
            clear=("display_name", "email", "phone"),
            org_path="org_path",
        ),
        PersonalTable(
            "resident_report",
            N_("Residents' reports"),
            links=(Link("account_id", "resident_account"),),
            replace=("token",),
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
        # A resident's bookings and waiting-list entries: theirs by account, nothing to clear.
        PersonalTable(
            "booking",
            N_("Facility bookings"),
            links=(Link("account_id", "resident_account"),),
            org_path="org_path",
        ),
        PersonalTable(
            "booking_waitlist",
            N_("Facility waiting lists"),
            links=(Link("account_id", "resident_account"),),
            org_path="org_path",
        ),
        PersonalTable(
            "messaging_conversation",
            N_("Text conversations"),
            replace=("address",),
            clear=("draft_text",),
        ),
    ]


extension = Extension(
    name="residents",
    models=(
        "linli.residents.models",
        "linli.residents.notices.models",
        "linli.residents.bookings.models",
        "linli.residents.messaging.models",
    ),
    routers=_routers,
    tasks=_tasks,
    workers=_workers,
    personal_data=_personal_data,
)
