"""The registry of what each domain contributes: models, routers, pages, CLI commands, periodic
tasks, workers and the consumers of stored readings.

Built-in domains and third-party packages (entry-point group `linli.extensions`) register the
same way, so a district can add a business application without forking Linli.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import entry_points
from typing import Any

import typer
from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.pipeline import Pipeline
from linli.runtime.scheduler import PeriodicTask, Worker
from linli.security.privacy import catalogue
from linli.security.privacy.catalogue import PersonalTable

Consumer = tuple[Pipeline[Any], Callable[[AsyncSession, Any], Awaitable[object]]]

BUILTIN = (
    "linli.security.extension",
    "linli.org.extension",
    "linli.registry.extension",
    "linli.iot.extension",
    "linli.rules.extension",
    "linli.cases.extension",
    "linli.residents.extension",
    "linli.participation.extension",
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
    tasks: Callable[[], list[PeriodicTask]] = list
    workers: Callable[[], list[Worker]] = list
    # Pipelines this domain delivers to (`linli.core.pipeline`), and what it consumes from any
    # domain's pipelines, e.g. `(linli.iot.events.readings, evaluate_readings)`.
    pipelines: tuple[Pipeline[Any], ...] = ()
    consumers: Callable[[], list[Consumer]] = list
    # The tables holding personal data, for data-subject requests (`linli privacy`).
    personal_data: Callable[[], list[PersonalTable]] = list


@lru_cache
def extensions() -> tuple[Extension, ...]:
    """Return every registered extension, built-ins first."""
    found: list[Extension] = []
    for module in BUILTIN:
        found.append(importlib.import_module(module).extension)
    for ep in entry_points(group="linli.extensions"):
        found.append(ep.load())
    return tuple(found)


def load_extensions(found: Sequence[Extension] | None = None) -> None:
    """Import every extension's model modules, so the metadata is complete, and give every
    declared pipeline the consumers the extensions register for it, in extension order, and
    give privacy the catalogue of the tables holding personal data.

    Every process calls it before it touches the database (the app, the CLI, migrations, tests);
    `found` replaces the registered extensions (default: `extensions()`).
    """
    chosen = extensions() if found is None else found
    for ext in chosen:
        for module in ext.models:
            importlib.import_module(module)
    consumers: dict[Pipeline[Any], list[Callable[[AsyncSession, Any], Awaitable[object]]]] = {
        pipeline: [] for ext in chosen for pipeline in ext.pipelines
    }
    for ext in chosen:
        for pipeline, consume in ext.consumers():
            consumers[pipeline].append(consume)
    for pipeline, found_consumers in consumers.items():
        pipeline.install(found_consumers)
    catalogue.install(table for ext in chosen for table in ext.personal_data())


def periodic_tasks() -> list[PeriodicTask]:
    """Return the periodic tasks of every extension."""
    return [task for ext in extensions() for task in ext.tasks()]


def workers() -> list[Worker]:
    """Return the long-running workers of every extension."""
    return [worker for ext in extensions() for worker in ext.workers()]
