"""The month of readings of the devices in the tour's units: the simulator's value models played
back, cut into batches that end where a rule's threshold is crossed, so each alarm (and the
case it opens) is raised at the reading that crossed it (no database)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from linli.twin.demo_data import RULES
from linli.twin.history_data import INCIDENT_RATE
from linli.twin.sensor_types import site_zone
from linli.twin.sensors import Sensor

PERIOD = timedelta(minutes=30)
# Devices of each type in the tour's unit whose month is played (the rest start with the
# simulator): enough for every chart kind, few enough to keep the load short.
PER_TYPE = 2
_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


@dataclass(frozen=True, slots=True)
class Batch:
    """Readings `(metric, ts, value)` a device sends together, the last at `at`."""

    at: datetime
    rows: tuple[tuple[str, datetime, float], ...]
    crosses: bool  # its last reading crosses a rule's threshold upwards


def batches(
    code: str, device_type: str, site: str, lon: float, *, start: datetime, end: datetime
) -> list[Batch]:
    """Return the device's readings every `PERIOD` in [start, end), a batch a day, cut after
    each reading where a rule's threshold is crossed (either way)."""
    sensor = Sensor(device_type, code=code, incident_rate=INCIDENT_RATE, zone=site_zone(site, lon))
    watched = [(m, _OPS[op], limit) for t, m, op, limit, *_ in RULES if t == device_type]
    above = dict.fromkeys(range(len(watched)), False)
    out: list[Batch] = []
    rows: list[tuple[str, datetime, float]] = []
    ts = start
    day = start.date()
    while ts < end:
        values = sensor.values(ts)
        rows.extend((m, ts, v) for m, v in values.items())
        raised = cut = False
        for index, (metric, op, limit) in enumerate(watched):
            now_above = metric in values and op(values[metric], limit)
            if now_above != above[index]:
                cut, raised = True, raised or now_above
                above[index] = now_above
        following = ts + PERIOD
        if cut or following.date() != day or following >= end:
            out.append(Batch(ts, tuple(rows), raised))
            rows, day = [], following.date()
        ts = following
    return out
