"""Participation's contributions: each room's models and API (council meetings)."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension
from linli.security.privacy.catalogue import N_, Link, PersonalTable


def _routers() -> list[APIRouter]:
    from linli.participation.meetings import api as meetings_api

    return [meetings_api.router]


def _personal_data() -> list[PersonalTable]:
    # A resident's places at meetings: which meetings, when, whether they came.
    return [
        PersonalTable(
            "meeting_registration",
            N_("Your registrations for council meetings"),
            links=(Link("account_id", "resident_account"),),
        )
    ]


extension = Extension(
    name="participation",
    models=("linli.participation.meetings.models",),
    routers=_routers,
    personal_data=_personal_data,
)
