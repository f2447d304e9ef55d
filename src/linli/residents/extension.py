"""Residents' contributions: messaging (SMS, chat app and the hotline keypad), its worker, and
the personal data it keeps."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension
from linli.runtime.scheduler import Worker
from linli.security.privacy.catalogue import N_, PersonalTable


def _routers() -> list[APIRouter]:
    from linli.residents.messaging import api as messaging_api

    return [messaging_api.router]


def _workers() -> list[Worker]:
    from linli.residents.messaging import tasks as messaging_tasks

    return [Worker("messaging.replies", messaging_tasks.run_worker)]


def _personal_data() -> list[PersonalTable]:
    return [
        PersonalTable("messaging_conversation", N_("Text conversations"),
                      replace=("address",), clear=("draft_text",)),
    ]  # fmt: skip


extension = Extension(
    name="residents",
    models=("linli.residents.messaging.models",),
    routers=_routers,
    workers=_workers,
    personal_data=_personal_data,
)
