"""Residents' contributions to Linli: the accounts API and messaging's webhooks (SMS, chat app,
the hotline keypad), the periodic sending of messages and messaging's worker, and the personal
data their tables hold."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension
from linli.runtime.scheduler import PeriodicTask, Worker
from linli.security.privacy.catalogue import N_, Link, PersonalTable


def _routers() -> list[APIRouter]:
    from linli.residents import api
    from linli.residents.messaging import api as messaging_api

    return [api.router, messaging_api.router]


def _tasks() -> list[PeriodicTask]:
    from linli.residents.messages import tasks

    return [PeriodicTask("residents.send_messages", lambda: 60.0, tasks.send_due_messages)]


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
            "resident_message",
            N_("Messages to residents"),
            links=(Link("account_id", "resident_account"),),
            clear=("address",),
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
    models=("linli.residents.models", "linli.residents.messaging.models"),
    routers=_routers,
    tasks=_tasks,
    workers=_workers,
    personal_data=_personal_data,
)
