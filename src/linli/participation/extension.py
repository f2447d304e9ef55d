"""Participation's contributions: each room's models and API (proposals, …)."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension


def _routers() -> list[APIRouter]:
    from linli.participation.proposals import api as proposals_api

    return [proposals_api.router]


extension = Extension(
    name="participation",
    models=("linli.participation.proposals.models",),
    routers=_routers,
)
