"""Interop's contributions: the Open311 GeoReport v2 router."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension


def _routers() -> list[APIRouter]:
    from linli.interop import api

    return [api.router]


extension = Extension(name="interop", routers=_routers)
