"""Registry's contributions to Linli."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension


def _routers() -> list[APIRouter]:
    from linli.registry import api

    return [api.router]


extension = Extension(name="registry", models=("linli.registry.models",), routers=_routers)
