"""The web UI's contributions: pages and the live event stream."""

from __future__ import annotations

from fastapi import APIRouter

from linli.runtime.extensions import Extension


def _routers() -> list[APIRouter]:
    from linli.web import pages

    return [pages.router]


extension = Extension(name="web", routers=_routers)
