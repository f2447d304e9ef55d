"""The month of readings of the devices in the tour's units: the simulator's value models played
back (no database).

Only the readings that matter to the rules go through ingest, each at its own moment: those
where a rule's threshold is crossed either way (so each alarm, and the case it opens, is raised
at the reading that crossed it, and cleared at the one that fell back) and the last ones (the
devices' latest values). The rest is stored afterwards as the device's history in bulk
(`iot.service.backfill_readings`), which runs no consumer: a month of readings costs a few
statements a device, not a batch a day through the pipeline.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from linli.twin.demo_data import RULES
from linli.twin.history_data import INCIDENT_RATE
from linli.twin.sensor_types import site_zone
from linli.twin.sensors import Sensor

# A reading every half hour over the last two days (the day charts), hourly before (the month's).
PERIOD = timedelta(minutes=30)
SPARSE_PERIOD = timedelta(hours=1)
DENSE_FOR = timedelta(days=2)
# Devices of each type in the tour's unit whose month is played (the rest start with the
# simulator): enough for every chart kind, few enough to keep the load short.
PER_TYPE = 2
_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
Row = tuple[str, datetime, float]


@dataclass(frozen=True, slots=True)
class Batch:
    """Readings `(metric, ts, value)` a device sends together at `at`."""

    at: datetime
    rows: tuple[Row, ...]
    raises: bool  # a rule's threshold is crossed upwards: an alarm opens


@dataclass(slots=True)
class Month:
    """A device's month: the batches ingest sees at their time, and the rest of its readings."""

    batches: list[Batch] = field(default_factory=list)
    rest: list[Row] = field(default_factory=list)


def month(
    code: str, device_type: str, site: str, lon: float, *, start: datetime, end: datetime
) -> Month:
    """Return the device's readings in [start, end) (every `PERIOD` over the last `DENSE_FOR`,
    every `SPARSE_PERIOD` before): as a batch where a rule's
    threshold is crossed (either way) and at the last time, otherwise among the rest."""
    sensor = Sensor(device_type, code=code, incident_rate=INCIDENT_RATE, zone=site_zone(site, lon))
    watched = [(m, _OPS[op], limit) for t, m, op, limit, *_ in RULES if t == device_type]
    above = [False] * len(watched)
    out = Month()
    ts = start
    while ts < end:
        values = sensor.values(ts)
        rows = tuple((m, ts, v) for m, v in values.items())
        crossed = raised = False
        for index, (metric, op, limit) in enumerate(watched):
            now_above = metric in values and op(values[metric], limit)
            if now_above != above[index]:
                crossed, raised = True, raised or now_above
                above[index] = now_above
        following = ts + (PERIOD if end - ts <= DENSE_FOR else SPARSE_PERIOD)
        if crossed or following >= end:
            out.batches.append(Batch(ts, rows, raised))
        else:
            out.rest.extend(rows)
        ts = following
    return out
