"""What simulated devices read: deterministic value models, one per device type.

A sensor's value is a pure function of (seed, device code, simulated time): smooth daily patterns
plus hash-seeded noise, and now and then an *incident* (a pollution episode, a loud event, a rain
surge, an overflowing bin, a failed lamp, smoke, an SOS press) that takes a metric over the level
a threshold rule would watch. Incidents start as a Poisson process whose rate per device and
simulated hour is `incident_rate` times the type's weight, so the whole demo's alarm traffic is
set by one number.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_INCIDENT_RATE = 0.3
"""Incidents per device per simulated hour (before the type's weight)."""

_SLOT_S = 3600.0
_DAY_S = 86_400.0


@dataclass(frozen=True, slots=True)
class MetricRange:
    """A metric a device type reports, with the range ingest accepts."""

    name: str
    unit: str
    low: float
    high: float


@dataclass(frozen=True, slots=True, order=True)
class Incident:
    """One incident: it is active on [start, end) (epoch seconds); `magnitude` is in [0, 1)."""

    start: float
    end: float
    magnitude: float


METRICS: dict[str, tuple[MetricRange, ...]] = {
    "AirQualityObserved": (
        MetricRange("pm25", "µg/m³", 0, 1000),
        MetricRange("pm10", "µg/m³", 0, 1000),
        MetricRange("no2", "µg/m³", 0, 1000),
    ),
    "NoiseLevelObserved": (MetricRange("laeq", "dB(A)", 20, 140),),
    "WaterLevel": (MetricRange("level_cm", "cm", -50, 1000),),
    "WasteContainer": (MetricRange("fill_pct", "%", 0, 100),),
    "Streetlight": (MetricRange("power_w", "W", 0, 2000), MetricRange("on", "", 0, 1)),
    "SmokeDetector": (MetricRange("smoke", "", 0, 1), MetricRange("battery", "%", 0, 100)),
    "SOSButton": (MetricRange("pressed", "", 0, 1), MetricRange("battery", "%", 0, 100)),
}

INCIDENT_THRESHOLDS: dict[str, tuple[str, float]] = {
    "AirQualityObserved": ("pm25", 75.0),
    "NoiseLevelObserved": ("laeq", 80.0),
    "WaterLevel": ("level_cm", 50.0),
    "WasteContainer": ("fill_pct", 90.0),
    "SmokeDetector": ("smoke", 0.5),
    "SOSButton": ("pressed", 0.5),
}
"""The (metric, level) each type's incidents go above and ordinary days stay below.

A streetlight failure (on = 1 but power_w = 0 at night) needs a rule that knows the time of
day, so it has no single threshold here.
"""

INCIDENT_WEIGHTS: dict[str, float] = {
    "AirQualityObserved": 1.0,
    "NoiseLevelObserved": 1.0,
    "WaterLevel": 0.5,
    "WasteContainer": 1.0,
    "Streetlight": 0.1,  # a failure shows only while the lamp should be on
    "SmokeDetector": 0.05,
    "SOSButton": 0.05,
}

# Incident durations in seconds (low, high) per type.
_DURATIONS: dict[str, tuple[float, float]] = {
    "AirQualityObserved": (20 * 60, 60 * 60),
    "NoiseLevelObserved": (5 * 60, 20 * 60),
    "WaterLevel": (40 * 60, 150 * 60),
    "WasteContainer": (30 * 60, 120 * 60),
    "Streetlight": (30 * 60, 2 * 3600),
    "SmokeDetector": (2 * 60, 10 * 60),
    "SOSButton": (60, 3 * 60),
}
_SITE_ZONES = {"baoan": "Asia/Shanghai", "sengkang": "Asia/Singapore"}
_UTC8 = timezone(timedelta(hours=8))


def site_zone(site: str | None, lon: float) -> tzinfo:
    """Return the local time zone of a demo site (by name, else from the longitude)."""
    name = _SITE_ZONES.get(site or "")
    if name is not None:
        try:
            return ZoneInfo(name)
        except ZoneInfoNotFoundError:
            pass
    return timezone(timedelta(hours=round(lon / 15)))


def _unit(key: str) -> float:
    """Return a uniform value in [0, 1) fixed by `key`."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def _wander(key: str, t: float, period: float) -> float:
    """Return smooth noise in [-1, 1] that drifts over about `period` seconds."""
    index, frac = divmod(t / period, 1.0)
    a = _unit(f"{key}:{period}:{int(index)}") * 2 - 1
    b = _unit(f"{key}:{period}:{int(index) + 1}") * 2 - 1
    weight = (1 - math.cos(math.pi * frac)) / 2
    return a + (b - a) * weight


def _bump(hour: float, centre: float, width: float) -> float:
    """Return a daily bell curve around `centre` o'clock, 1 at the peak."""
    distance = (hour - centre + 12) % 24 - 12
    return math.exp(-0.5 * (distance / width) ** 2)


def _step(x: float, x0: float, x1: float) -> float:
    """Return 0 before x0, 1 after x1 and a smooth ramp between."""
    if x <= x0:
        return 0.0
    if x >= x1:
        return 1.0
    u = (x - x0) / (x1 - x0)
    return u * u * (3 - 2 * u)


def _trapezoid(incident: Incident, t: float, ramp: float) -> float:
    """Return 0..1: rising over `ramp` seconds after the start, falling before the end."""
    ramp = min(ramp, (incident.end - incident.start) / 3)
    return min(1.0, (t - incident.start) / ramp, (incident.end - t) / ramp)


def _poisson(rng: random.Random, mean: float) -> int:
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


class _Schedule:
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
            for _ in range(_poisson(rng, self._rate) if self._rate > 0 else 0):
                start = index * _SLOT_S + rng.uniform(0, _SLOT_S)
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
        first, last = math.floor(start / _SLOT_S), math.floor(end / _SLOT_S)
        return [
            i
            for index in range(first, last + 1)
            for i in self.slot(index)
            if start <= i.start <= end
        ]

    def active(self, t: float) -> list[Incident]:
        """Return the incidents active at `t` (usually none, now and then one)."""
        return [i for i in self.between(t - self._durations[1], t) if i.end > t]


class Sensor:
    """A simulated device of one type whose readings are a pure function of time."""

    def __init__(
        self,
        device_type: str,
        *,
        code: str,
        seed: int = 0,
        incident_rate: float = DEFAULT_INCIDENT_RATE,
        zone: tzinfo = _UTC8,
    ) -> None:
        if device_type not in METRICS:
            raise ValueError(f"no value model for device type {device_type!r}")
        if incident_rate < 0:
            raise ValueError("incident_rate must not be negative")
        self.device_type, self.code, self.zone = device_type, code, zone
        self._key = f"{seed}:{code}"
        rate = incident_rate * INCIDENT_WEIGHTS[device_type]
        self.incidents = _Schedule(f"{self._key}:incident", rate, _DURATIONS[device_type])
        self._model = _MODELS[device_type]

    def values(self, when: datetime) -> dict[str, float]:
        """Return every metric's value at `when` (an aware datetime)."""
        if when.tzinfo is None:
            raise ValueError("when must be timezone-aware")
        local = when.astimezone(self.zone)
        hour = local.hour + local.minute / 60 + local.second / 3600
        values = self._model(self, when.timestamp(), hour)
        return {
            m.name: round(min(max(values[m.name], m.low), m.high), 1)
            for m in METRICS[self.device_type]
        }

    def _level(self, name: str, low: float, high: float) -> float:
        """Return this device's fixed level for `name`, between low and high."""
        return low + (high - low) * _unit(f"{self._key}:{name}")

    def _noise(self, name: str, t: float, slow: float, fast: float) -> float:
        key = f"{self._key}:{name}"
        return slow * _wander(key, t, 900.0) + fast * _wander(key, t, 120.0)

    # One model per device type; each returns raw values that `values` clamps to range.

    def _air_quality(self, t: float, hour: float) -> dict[str, float]:
        traffic = 14 * _bump(hour, 8.5, 1.6) + 16 * _bump(hour, 19.5, 2.2)
        pm25 = (27 + traffic) * self._level("pm25", 0.85, 1.15) + self._noise("pm25", t, 6, 2)
        no2 = 18 + 1.4 * traffic + self._noise("no2", t, 5, 2)
        episode = [(_trapezoid(i, t, 6 * 60), 80 + 120 * i.magnitude**2) for i in self._now(t)]
        if episode:
            envelope, peak = max(episode, key=lambda e: e[0] * e[1])
            pm25 += envelope * max(0.0, peak - pm25)
            no2 += envelope * 20
        pm10 = pm25 * 1.7 + 5 + self._noise("pm10", t, 4, 1)
        return {"pm25": pm25, "pm10": pm10, "no2": no2}

    def _noise_level(self, t: float, hour: float) -> dict[str, float]:
        day = _step(hour, 6.0, 7.5) - _step(hour, 21.5, 23.0)
        laeq = 45 + 15 * day + self._level("laeq", -3, 3) + self._noise("laeq", t, 3, 1.5)
        events = [_trapezoid(i, t, 60) * (82 + 13 * i.magnitude - laeq) for i in self._now(t)]
        return {"laeq": laeq + max([0.0, *events])}

    def _water_level(self, t: float, hour: float) -> dict[str, float]:
        level = 1.5 + self._noise("level", t, 1.5, 0.5)
        surges = [0.0]
        for incident in self._now(t):
            x = (t - incident.start) / (incident.end - incident.start)
            envelope = x / 0.2 if x < 0.2 else (1 - (x - 0.2) / 0.8) ** 2
            surges.append(envelope * (55 + 195 * incident.magnitude**2))
        return {"level_cm": level + max(surges)}

    def _waste_container(self, t: float, hour: float) -> dict[str, float]:
        collect_hour = self._level("collect", 6.0, 8.0)
        collected = t - ((hour - collect_hour) % 24) * 3600
        per_hour = (35 + 45 * _unit(f"{self._key}:fill:{math.floor(collected / _DAY_S)}")) / 24
        emptied, overflow = collected, None
        for incident in self.incidents.between(collected, t):
            if incident.start < emptied:
                continue  # began while an earlier overflow was still waiting to be cleared
            if incident.end <= t:
                emptied = incident.end  # the overflow was reported and the bin cleared
            else:
                overflow = incident
                break
        fill = 2 + per_hour * (t - emptied) / 3600 + self._noise("fill", t, 1.5, 0.3)
        if overflow is not None:
            rise = min(1.0, (t - overflow.start) / (15 * 60))
            fill += rise * max(0.0, 91 + 9 * overflow.magnitude - fill)
        return {"fill_pct": fill}

    def _streetlight(self, t: float, hour: float) -> dict[str, float]:
        day = math.floor(t / _DAY_S)
        dusk = 18.75 + (_unit(f"{self._key}:dusk:{day}") - 0.5) / 3
        dawn = 6.75 + (_unit(f"{self._key}:dawn:{day}") - 0.5) / 3
        if dawn <= hour < dusk:
            return {"on": 0.0, "power_w": 0.0}
        power = self._level("rated", 80, 150) * (1 + 0.02 * self._noise("power", t, 1, 0.5))
        if self._now(t):
            power = 0.0  # the lamp failed: switched on, drawing nothing
        return {"on": 1.0, "power_w": power}

    def _smoke_detector(self, t: float, hour: float) -> dict[str, float]:
        return {"smoke": 1.0 if self._now(t) else 0.0, "battery": self._battery(t)}

    def _sos_button(self, t: float, hour: float) -> dict[str, float]:
        return {"pressed": 1.0 if self._now(t) else 0.0, "battery": self._battery(t)}

    def _battery(self, t: float) -> float:
        """A battery's charge: its own level, losing up to 0.3 % a day, renewed every 100 days."""
        days = ((t / 86400) + self._level("phase", 0.0, 100.0)) % 100
        return self._level("battery", 60.0, 100.0) - 0.3 * days * self._level("drain", 0.5, 1.0)

    def _now(self, t: float) -> list[Incident]:
        return self.incidents.active(t)


_MODELS: dict[str, Callable[[Sensor, float, float], dict[str, float]]] = {
    "AirQualityObserved": Sensor._air_quality,
    "NoiseLevelObserved": Sensor._noise_level,
    "WaterLevel": Sensor._water_level,
    "WasteContainer": Sensor._waste_container,
    "Streetlight": Sensor._streetlight,
    "SmokeDetector": Sensor._smoke_detector,
    "SOSButton": Sensor._sos_button,
}


def expected_incidents_per_hour(device_types: list[str], incident_rate: float) -> float:
    """Return how many incidents per simulated hour a set of devices should produce."""
    return sum(incident_rate * INCIDENT_WEIGHTS.get(name, 0.0) for name in device_types)
