"""Participation's contributions to Linli: each room's routers and models."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension


def _routers() -> list[APIRouter]:
    from linli.participation.ballots import api as ballots_api

    return [*ballots_api.routers]


extension = Extension(
    name="participation",
    models=("linli.participation.ballots.models",),
    routers=_routers,
)
