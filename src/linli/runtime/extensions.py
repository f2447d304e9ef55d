"""The registry of what each domain contributes: models, routers, pages, CLI commands, periodic
tasks, workers and the consumers of stored readings.

Built-in domains and third-party packages (entry-point group `linli.extensions`) register the
same way, so a district can add a business application without forking Linli.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import entry_points

import typer
from fastapi import APIRouter

from linli.iot import events as iot_events
from linli.iot.events import ReadingConsumer
from linli.runtime.scheduler import PeriodicTask, Worker

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
    tasks: Callable[[], list[PeriodicTask]] = list
    workers: Callable[[], list[Worker]] = list
    # Handed each stored batch of new readings, in ingest's transaction (`linli.iot.events`).
    reading_consumers: Callable[[], list[ReadingConsumer]] = list


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
    """Import every extension's model modules, so the metadata is complete, and install every
    extension's reading consumers into the readings pipeline.

    Every process calls it before it touches the database (the app, the CLI, migrations, tests);
    `found` replaces the registered extensions (default: `extensions()`).
    """
    chosen = extensions() if found is None else found
    for ext in chosen:
        for module in ext.models:
            importlib.import_module(module)
    iot_events.install_consumers(consumer for ext in chosen for consumer in ext.reading_consumers())


# The former name, still called by the incident site seeder under tests/cases/ (moving there).
load_models = load_extensions


def periodic_tasks() -> list[PeriodicTask]:
    """Return the periodic tasks of every extension."""
    return [task for ext in extensions() for task in ext.tasks()]


def workers() -> list[Worker]:
    """Return the long-running workers of every extension."""
    return [worker for ext in extensions() for worker in ext.workers()]
