"""Org's contributions: the org tree models and API."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension


def _routers() -> list[APIRouter]:
    from linli.org import api

    return [api.router]


extension = Extension(name="org", models=("linli.org.models",), routers=_routers)
