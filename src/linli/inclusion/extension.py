"""Digital inclusion's contributions to Linli: its routers and models, and the personal data
its tables hold."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension
from linli.security.privacy.catalogue import N_, Link, PersonalTable


def _routers() -> list[APIRouter]:
    from linli.inclusion import api, my_api

    return [api.router, my_api.router]


def _personal_data() -> list[PersonalTable]:
    by_account = (Link("account_id", "resident_account"),)
    return [
        # A resident's places at digital-skills sessions, or a walk-in's name and phone.
        PersonalTable("inclusion_registration", N_("Your places at digital-skills sessions"),
                      links=by_account, clear=("name", "phone", "phone_hash"),
                      org_path="org_path"),
        PersonalTable("inclusion_help_request", N_("Your requests for digital help"),
                      links=by_account,
                      clear=("name", "phone", "phone_hash", "details", "outcome_note"),
                      org_path="org_path"),
    ]  # fmt: skip


extension = Extension(
    name="inclusion",
    models=("linli.inclusion.models",),
    routers=_routers,
    personal_data=_personal_data,
)
