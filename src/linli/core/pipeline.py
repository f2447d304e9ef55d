"""Pipelines: a lower domain hands what it just stored to the consumers other domains register.

Ingest hands each stored batch of readings to rules (and later care and estate monitors); the
case core hands each new case to the incidents it falls in. The lower domain declares the pipeline
and calls `deliver` inside its own transaction, so a consumer's writes commit or roll back with
the record it was given; it never imports its consumers. The runtime installs the consumers every
extension registers (`Extension.consumers`) once per process, before any work is done
(`linli.runtime.extensions.load_extensions`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


class PipelineNotInstalled(RuntimeError):
    """Work reached a pipeline in a process that never installed its consumers."""


class Pipeline(Generic[T]):
    """The consumers of one kind of stored record, in the order they were installed."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._consumers: tuple[Callable[[AsyncSession, T], Awaitable[object]], ...] | None = None

    def install(self, consumers: Iterable[Callable[[AsyncSession, T], Awaitable[object]]]) -> None:
        """Set the consumers (the runtime does, from every extension); replaces earlier ones."""
        self._consumers = tuple(consumers)

    async def deliver(self, session: AsyncSession, item: T) -> None:
        """Hand `item` to every consumer in turn, in the caller's transaction."""
        if self._consumers is None:
            # A process that skipped the wiring would silently drop work: fail loudly instead.
            raise PipelineNotInstalled(
                f"the {self.name} pipeline has no consumers installed in this process: call "
                "linli.runtime.extensions.load_extensions() first"
            )
        for consume in self._consumers:
            await consume(session, item)
