"""The registry of what each domain contributes: models, routers, pages and CLI commands.

Built-in domains and third-party packages (entry-point group `linli.extensions`) register the
same way, so a district can add a business application without forking Linli.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import entry_points
from typing import Any

import typer
from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.pipeline import Pipeline
from linli.runtime.scheduler import PeriodicTask, Worker

Consumer = tuple[Pipeline[Any], Callable[[AsyncSession, Any], Awaitable[object]]]

BUILTIN = (
    "linli.security.extension",
    "linli.org.extension",
    "linli.registry.extension",
    "linli.iot.extension",
    "linli.rules.extension",
    "linli.cases.extension",
    "linli.interop.extension",
    "linli.twin.extension",
    "linli.web.extension",
)


@dataclass(frozen=True)
class Extension:
    """What one domain adds to Linli."""

    name: str
    models: tuple[str, ...] = ()
    routers: Callable[[], list[APIRouter]] = list
    cli: Callable[[], list[tuple[str, typer.Typer]]] = list
    wire: tuple[Callable[[], None], ...] = field(default=())
    tasks: Callable[[], list[PeriodicTask]] = list
    workers: Callable[[], list[Worker]] = list
    # Pipelines this domain delivers to, and what it consumes from any domain's pipelines.
    pipelines: tuple[Pipeline[Any], ...] = ()
    consumers: Callable[[], list[Consumer]] = list


@lru_cache
def extensions() -> tuple[Extension, ...]:
    """Return every registered extension, built-ins first."""
    found: list[Extension] = []
    for module in BUILTIN:
        found.append(importlib.import_module(module).extension)
    for ep in entry_points(group="linli.extensions"):
        found.append(ep.load())
    return tuple(found)


def load_models() -> None:
    """Import every extension's model modules so the metadata is complete; install consumers."""
    for ext in extensions():
        for module in ext.models:
            importlib.import_module(module)
    install_consumers()


def install_consumers() -> None:
    """Give every declared pipeline the consumers registered for it, in extension order."""
    found: dict[Pipeline[Any], list[Callable[[AsyncSession, Any], Awaitable[object]]]] = {
        pipeline: [] for ext in extensions() for pipeline in ext.pipelines
    }
    for ext in extensions():
        for pipeline, consume in ext.consumers():
            found[pipeline].append(consume)
    for pipeline, consumers in found.items():
        pipeline.install(consumers)


def periodic_tasks() -> list[PeriodicTask]:
    """Return the periodic tasks of every extension."""
    return [task for ext in extensions() for task in ext.tasks()]


def workers() -> list[Worker]:
    """Return the long-running workers of every extension."""
    return [worker for ext in extensions() for worker in ext.workers()]
