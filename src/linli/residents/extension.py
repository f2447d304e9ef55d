"""Residents' contributions to Linli: facility bookings (its models, APIs and sweep)."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension
from linli.runtime.scheduler import PeriodicTask


def _routers() -> list[APIRouter]:
    from linli.residents.bookings import api as bookings_api

    return [bookings_api.router]


def _tasks() -> list[PeriodicTask]:
    from linli.residents.bookings.tasks import SWEEP_SECONDS, sweep_bookings

    return [PeriodicTask("residents.bookings_sweep", lambda: SWEEP_SECONDS, sweep_bookings)]


extension = Extension(
    name="residents",
    models=("linli.residents.bookings.models",),
    routers=_routers,
    tasks=_tasks,
)
