"""Residents' contributions to Linli: the accounts API, the periodic sending of messages, and
the personal data their tables hold."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension
from linli.runtime.scheduler import PeriodicTask
from linli.security.privacy.catalogue import N_, Link, PersonalTable


def _routers() -> list[APIRouter]:
    from linli.residents import api

    return [api.router]


def _tasks() -> list[PeriodicTask]:
    from linli.residents.messages import tasks

    return [PeriodicTask("residents.send_messages", lambda: 60.0, tasks.send_due_messages)]


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
    ]


extension = Extension(
    name="residents",
    models=("linli.residents.models",),
    routers=_routers,
    tasks=_tasks,
    personal_data=_personal_data,
)
