"""Cases's contributions to Linli."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension


def _routers() -> list[APIRouter]:
    from linli.cases import api

    return [api.router]


extension = Extension(name="cases", models=("linli.cases.models",), routers=_routers)
