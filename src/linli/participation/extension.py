"""Participation's contributions: each room's models and API (council meetings)."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension


def _routers() -> list[APIRouter]:
    from linli.participation.meetings import api as meetings_api
    from linli.participation.meetings import resident_api as meetings_resident_api

    return [meetings_api.router, meetings_resident_api.router]


extension = Extension(
    name="participation",
    models=("linli.participation.meetings.models",),
    routers=_routers,
)
