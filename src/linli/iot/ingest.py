"""Checking readings one by one: raw JSON items into `ReadingIn`, then against the device type.

Pure functions (no database), shared by the HTTP endpoint and the MQTT listener, so a bad item
is refused the same way whatever carried it. `check_batch` checks a whole batch the way
`check_reading` checks one reading, deciding the common case inline (it runs on every reading
ingested, so it is kept lean).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from linli.core import clock
from linli.iot.schemas import ReadingIn, Rejection
from linli.iot.types import DeviceType

MAX_FUTURE = timedelta(minutes=5)
MAX_AGE = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class CheckedReading:
    """A reading that passed every check, with its position in the batch."""

    index: int
    metric: str
    ts: datetime
    value: float


def parse_item(index: int, raw: object) -> ReadingIn | Rejection:
    """Turn one JSON item into a `ReadingIn`, or say why it cannot be one."""
    if not isinstance(raw, dict):
        return Rejection(index=index, code="bad_item", reason="each reading must be an object")
    metric = raw.get("metric")
    if not isinstance(metric, str) or not metric:
        return Rejection(index=index, code="missing_metric", reason="'metric' must be given")
    if "value" not in raw or raw["value"] is None:
        return Rejection(index=index, code="missing_value", reason="'value' must be given")
    value = raw["value"]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return Rejection(index=index, code="bad_value", reason="'value' must be a number")
    try:
        number = float(value)
    except OverflowError:
        return Rejection(index=index, code="bad_value", reason="'value' is too large")
    ts_raw = raw.get("ts")
    ts: datetime | None = None
    if ts_raw is not None:
        if not isinstance(ts_raw, str):
            return Rejection(index=index, code="bad_ts", reason="'ts' must be an ISO 8601 string")
        try:
            ts = datetime.fromisoformat(ts_raw)
        except ValueError:
            return Rejection(index=index, code="bad_ts", reason=f"'{ts_raw[:40]}' is not ISO 8601")
        if ts.tzinfo is None:
            return Rejection(
                index=index, code="bad_ts", reason="'ts' needs a UTC offset, e.g. 'Z' or '+08:00'"
            )
    return ReadingIn(metric=metric, value=number, ts=ts)


def check_reading(
    index: int, reading: ReadingIn, *, device_type: DeviceType, now: datetime | None = None
) -> CheckedReading | Rejection:
    """Check a reading against its device type's metrics and the accepted time window."""
    metric = device_type.metrics.get(reading.metric)
    if metric is None:
        return Rejection(
            index=index,
            code="unknown_metric",
            reason=f"{device_type.name} has no metric '{reading.metric[:40]}'",
        )
    if not math.isfinite(reading.value):
        return Rejection(index=index, code="bad_value", reason="'value' must be a finite number")
    problem = metric.problem(reading.value)
    if problem is not None:
        return Rejection(index=index, code=problem[0], reason=problem[1])
    now = now or clock.now()
    ts = clock.as_utc(reading.ts) if reading.ts is not None else now
    if ts > now + MAX_FUTURE:
        return Rejection(
            index=index, code="ts_in_future", reason="'ts' is more than 5 minutes in the future"
        )
    if ts < now - MAX_AGE:
        return Rejection(index=index, code="ts_too_old", reason="'ts' is older than 30 days")
    return CheckedReading(index=index, metric=reading.metric, ts=ts, value=reading.value)


Row = tuple[str, datetime, float]
"""(metric, aware UTC ts, value) of one checked reading."""


@dataclass(slots=True)
class CheckedBatch:
    """A batch after its checks: the accepted readings as rows in arrival order (repeats within
    the batch dropped, the first one kept), the refused ones, and how many repeats were dropped."""

    rows: list[Row]
    rejected: list[Rejection]
    duplicates: int
    in_order: bool  # the rows' times never decrease


def check_batch(
    readings: Iterable[tuple[int, ReadingIn]], *, device_type: DeviceType, now: datetime
) -> CheckedBatch:
    """Check (index, reading) pairs as `check_reading` does and drop repeats of (metric, ts)."""
    # A known metric with a finite range, a UTC time inside the window: decided here. Anything
    # else (and every refusal) goes through `check_reading`, which says why.
    ranges = {
        name: (m.low, m.high)
        for name, m in device_type.metrics.items()
        if not m.boolean and math.isfinite(m.low) and math.isfinite(m.high)
    }
    earliest, latest = now - MAX_AGE, now + MAX_FUTURE
    rows: list[Row] = []
    rejected: list[Rejection] = []
    duplicates = 0
    # While times only grow, a repeat can only share the newest time; a set of every key is made
    # once a time goes backwards.
    newest: datetime | None = None
    at_newest: set[str] = set()
    seen: set[tuple[str, datetime]] | None = None
    for index, reading in readings:
        metric, value, ts = reading.metric, reading.value, reading.ts
        if ts is None:
            ts = now
        elif ts.tzinfo is not UTC:
            ts = clock.as_utc(ts)
        bounds = ranges.get(metric)
        if bounds is None or not (bounds[0] <= value <= bounds[1] and earliest <= ts <= latest):
            checked = check_reading(index, reading, device_type=device_type, now=now)
            if isinstance(checked, Rejection):
                rejected.append(checked)
                continue
            ts, value = checked.ts, checked.value
        if seen is None:
            if newest is None or ts > newest:
                newest, at_newest = ts, {metric}
            elif ts == newest:
                if metric in at_newest:
                    duplicates += 1
                    continue
                at_newest.add(metric)
            else:
                seen = {(m, t) for m, t, _ in rows}
        if seen is not None:
            if (metric, ts) in seen:
                duplicates += 1
                continue
            seen.add((metric, ts))
        rows.append((metric, ts, value))
    return CheckedBatch(rows, rejected, duplicates, in_order=seen is None)
