"""Iot's contributions to Linli."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension


def _routers() -> list[APIRouter]:
    from linli.iot import api

    return [api.router]


extension = Extension(name="iot", models=("linli.iot.models",), routers=_routers)
