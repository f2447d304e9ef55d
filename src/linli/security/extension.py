"""Security's contributions: its models, the auth API and the audit CLI."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension


def _routers() -> list[APIRouter]:
    from linli.security import api

    return [api.router]


extension = Extension(name="security", models=("linli.security.models",), routers=_routers)
