"""Seeded randomness for simulated devices: hashed noise and Poisson incident schedules.

Everything here is a pure function of its key, so a device's readings can be computed for any
time, in any order, by any process.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass

SLOT_S = 3600.0


@dataclass(frozen=True, slots=True, order=True)
class Incident:
    """One incident: it is active on [start, end) (epoch seconds); `magnitude` is in [0, 1)."""

    start: float
    end: float
    magnitude: float


def unit(key: str) -> float:
    """Return a uniform value in [0, 1) fixed by `key`."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def wander(key: str, t: float, period: float) -> float:
    """Return smooth noise in [-1, 1] that drifts over about `period` seconds."""
    index, frac = divmod(t / period, 1.0)
    a = unit(f"{key}:{period}:{int(index)}") * 2 - 1
    b = unit(f"{key}:{period}:{int(index) + 1}") * 2 - 1
    weight = (1 - math.cos(math.pi * frac)) / 2
    return a + (b - a) * weight


def trapezoid(incident: Incident, t: float, ramp: float) -> float:
    """Return 0..1: rising over `ramp` seconds after the start, falling before the end."""
    ramp = min(ramp, (incident.end - incident.start) / 3)
    return min(1.0, (t - incident.start) / ramp, (incident.end - t) / ramp)


def poisson(rng: random.Random, mean: float) -> int:
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


class Schedule:
    """A device's incidents: Poisson starts, drawn per hour slot from a seeded Random."""

    def __init__(self, key: str, rate: float, durations: tuple[float, float]) -> None:
        self._key, self._rate, self._durations = key, rate, durations
        self._slots: dict[int, tuple[Incident, ...]] = {}

    def slot(self, index: int) -> tuple[Incident, ...]:
        """Return the incidents starting in hour slot `index` (cached; a pure function)."""
        found = self._slots.get(index)
        if found is None:
            rng = random.Random(f"{self._key}:{index}")
            incidents = []
            for _ in range(poisson(rng, self._rate) if self._rate > 0 else 0):
                start = index * SLOT_S + rng.uniform(0, SLOT_S)
                incidents.append(
                    Incident(start, start + rng.uniform(*self._durations), rng.random())
                )
            found = tuple(sorted(incidents))
            if len(self._slots) > 4096:
                self._slots.clear()
            self._slots[index] = found
        return found

    def between(self, start: float, end: float) -> list[Incident]:
        """Return the incidents starting in [start, end], in order."""
        first, last = math.floor(start / SLOT_S), math.floor(end / SLOT_S)
        return [
            i
            for index in range(first, last + 1)
            for i in self.slot(index)
            if start <= i.start <= end
        ]

    def active(self, t: float) -> list[Incident]:
        """Return the incidents active at `t` (usually none, now and then one)."""
        return [i for i in self.between(t - self._durations[1], t) if i.end > t]
