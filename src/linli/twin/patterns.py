"""Daily and weekly use patterns of meters, with their exact running totals.

A meter's rate follows a daily shape that depends on whether the local day is a working day;
its counter is the shape's integral, tabulated per five minutes and interpolated linearly, so
the counter is a pure function of time that never decreases and agrees with the rate.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date

_STEPS = 288  # five-minute steps per day
_MONDAY = date(2020, 1, 6).toordinal()


def bump(hour: float, centre: float, width: float) -> float:
    """Return a daily bell curve around `centre` o'clock, 1 at the peak."""
    distance = (hour - centre + 12) % 24 - 12
    return math.exp(-0.5 * (distance / width) ** 2)


def step(x: float, x0: float, x1: float) -> float:
    """Return 0 before x0, 1 after x1 and a smooth ramp between."""
    if x <= x0:
        return 0.0
    if x >= x1:
        return 1.0
    u = (x - x0) / (x1 - x0)
    return u * u * (3 - 2 * u)


def water_shape(hour: float, weekend: bool) -> float:
    """Return a building's relative water use: showers in the morning and evening."""
    if weekend:
        return (
            0.25
            + 0.9 * bump(hour, 9.0, 1.8)
            + 0.5 * bump(hour, 13.0, 2.5)
            + 1.0 * bump(hour, 20.0, 2.0)
        )
    return (
        0.2 + 1.3 * bump(hour, 7.0, 1.2) + 0.3 * bump(hour, 12.5, 1.5) + 1.1 * bump(hour, 20.0, 1.8)
    )


def energy_shape(hour: float, weekend: bool) -> float:
    """Return a building's relative electricity use: a small morning and a large evening peak."""
    night = 0.45 + 0.2 * bump(hour, 1.0, 2.5)  # fans and air-conditioners through the night
    if weekend:
        return (
            night
            + 0.3 * bump(hour, 9.0, 2.0)
            + 0.35 * bump(hour, 14.0, 3.0)
            + 0.8 * bump(hour, 20.5, 2.2)
        )
    return (
        night
        + 0.35 * bump(hour, 7.3, 1.2)
        + 0.1 * bump(hour, 13.0, 2.0)
        + 0.85 * bump(hour, 20.5, 2.0)
    )


class DailyTotal:
    """A rate shape's running total: per day kind, tabulated, and over whole weeks."""

    def __init__(self, shape: Callable[[float, bool], float]) -> None:
        self.shape = shape
        self._tables = {kind: self._table(kind) for kind in (False, True)}
        self.day = {kind: table[-1] for kind, table in self._tables.items()}
        self._week = 5 * self.day[False] + 2 * self.day[True]

    def _table(self, weekend: bool) -> list[float]:
        table, total, dh = [0.0], 0.0, 24 / _STEPS
        for k in range(_STEPS):
            # the trapezoid rule between five-minute points
            total += (self.shape(k * dh, weekend) + self.shape((k + 1) * dh, weekend)) / 2 * dh
            table.append(total)
        return table

    def within(self, hour: float, weekend: bool) -> float:
        """Return the total from local midnight to `hour` (in shape-hours)."""
        index, frac = divmod(hour * _STEPS / 24, 1.0)
        table, i = self._tables[weekend], int(index)
        if i >= _STEPS:
            return table[-1]
        return table[i] + (table[i + 1] - table[i]) * frac

    def before(self, ordinal: int) -> float:
        """Return the total of all days from the reference Monday up to the day `ordinal`."""
        weeks, rest = divmod(ordinal - _MONDAY, 7)
        return weeks * self._week + sum(self.day[k >= 5] for k in range(rest))


WATER = DailyTotal(water_shape)
ENERGY = DailyTotal(energy_shape)
