"""Participation's contributions to Linli: the routers and models of its rooms."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension


def _routers() -> list[APIRouter]:
    from linli.participation.surveys import api as surveys_api

    return [surveys_api.router]


extension = Extension(
    name="participation",
    models=("linli.participation.surveys.models",),
    routers=_routers,
)
