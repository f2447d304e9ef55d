"""Registry's contributions to Linli."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension
from linli.security.privacy.catalogue import N_, PersonalTable


def _routers() -> list[APIRouter]:
    from linli.registry import api

    return [api.router]


def _personal_data() -> list[PersonalTable]:
    return [
        PersonalTable(
            "resident",
            N_("Resident register"),
            replace=("name",),
            clear=("phone",),
            org_path="org_path",
        )
    ]


extension = Extension(
    name="registry",
    models=("linli.registry.models", "linli.registry.roads.models"),
    routers=_routers,
    personal_data=_personal_data,
)
