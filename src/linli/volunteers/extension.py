"""The volunteers domain's contributions to Linli: its models, routers, periodic tasks and the
personal data its tables hold."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension
from linli.runtime.scheduler import PeriodicTask
from linli.security.privacy.catalogue import N_, Link, PersonalTable


def _routers() -> list[APIRouter]:
    return []


def _tasks() -> list[PeriodicTask]:
    return []


def _personal_data() -> list[PersonalTable]:
    return [
        PersonalTable(
            "volunteer", N_("Your volunteer profile"), replace=("name",), clear=("phone",),
            org_path="org_path",
        ),
        PersonalTable(
            "volunteer_signup", N_("Your volunteer shifts"),
            links=(Link("volunteer_id", "volunteer"),),
        ),
    ]  # fmt: skip


extension = Extension(
    name="volunteers",
    models=("linli.volunteers.models",),
    routers=_routers,
    tasks=_tasks,
    personal_data=_personal_data,
)
