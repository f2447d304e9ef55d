"""The readings pipeline: what ingest hands over once a device's batch is stored, and to whom.

Ingest stores a batch and hands the readings that are new — newer than each metric's latest
stored time, oldest first — to every installed consumer, in the same session and transaction:
a consumer's writes commit or roll back with the readings. Duplicates and late readings are
history and are not handed over. Consumers (rules today; care routines or estate monitors
tomorrow) register through their extension's `consumers` (see `linli.core.pipeline`), and the
runtime installs them (`linli.runtime.extensions.load_extensions`), so iot imports none of the
domains it feeds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.pipeline import Pipeline
from linli.iot.models import Device

StoredReading = tuple[str, datetime, float]
"""(metric, aware UTC ts, value) of one stored reading."""


@dataclass(frozen=True, slots=True)
class ReadingsStored:
    """A device's readings just stored and newer than anything known before, oldest first."""

    device: Device
    readings: Sequence[StoredReading]


ReadingConsumer = Callable[[AsyncSession, ReadingsStored], Awaitable[object]]

# Ingest delivers every stored batch here; rules (and later care and estate) consume it.
readings: Pipeline[ReadingsStored] = Pipeline("readings")
