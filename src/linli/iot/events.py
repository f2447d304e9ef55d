"""The readings pipeline: what ingest hands over once a device's batch is stored, and to whom.

Ingest stores a batch and hands the readings that are new — newer than each metric's latest
stored time, oldest first — to every installed consumer, in the same session and transaction:
a consumer's writes commit or roll back with the readings. Duplicates and late readings are
history and are not handed over. Consumers (rules today; care routines or estate monitors
tomorrow) register through their extension's `reading_consumers`, and the runtime installs them
here (`linli.runtime.extensions.load_extensions`), so iot imports none of the domains it feeds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from linli.iot.models import Device

StoredReading = tuple[str, datetime, float]
"""(metric, aware UTC ts, value) of one stored reading."""


@dataclass(frozen=True, slots=True)
class ReadingsStored:
    """A device's readings just stored and newer than anything known before, oldest first."""

    device: Device
    readings: Sequence[StoredReading]


ReadingConsumer = Callable[[AsyncSession, ReadingsStored], Awaitable[None]]


class PipelineNotInstalled(RuntimeError):
    """Readings were stored in a process that never installed the pipeline's consumers."""


_consumers: tuple[ReadingConsumer, ...] | None = None


def install_consumers(found: Iterable[ReadingConsumer]) -> None:
    """Install the consumers every stored batch is handed to, in order, replacing any before."""
    global _consumers
    _consumers = tuple(found)


def consumers() -> tuple[ReadingConsumer, ...]:
    """Return the installed consumers; raise PipelineNotInstalled if none were ever installed."""
    if _consumers is None:
        raise PipelineNotInstalled(
            "the readings pipeline is not installed in this process: call "
            "linli.runtime.extensions.load_extensions() before ingesting, or rules would never "
            "see the readings"
        )
    return _consumers


async def hand_over(session: AsyncSession, batch: ReadingsStored) -> None:
    """Hand a stored batch to every installed consumer, in order, in the session's transaction."""
    for consume in consumers():
        await consume(session, batch)
