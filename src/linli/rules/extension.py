"""Rules's contributions to Linli."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension


def _routers() -> list[APIRouter]:
    from linli.rules import api

    return [api.router]


extension = Extension(name="rules", models=("linli.rules.models",), routers=_routers)
