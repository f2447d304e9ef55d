"""The volunteers domain's contributions to Linli: its models, routers, periodic tasks and the
personal data its tables hold."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension
from linli.runtime.scheduler import PeriodicTask
from linli.security.privacy.catalogue import N_, Link, PersonalTable


def _routers() -> list[APIRouter]:
    from linli.volunteers import api, shifts_api

    return [api.router, shifts_api.router]


def _tasks() -> list[PeriodicTask]:
    from linli.volunteers.tasks import SWEEP_SECONDS, sweep_shifts

    return [PeriodicTask("volunteers.shifts_sweep", lambda: SWEEP_SECONDS, sweep_shifts)]


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
