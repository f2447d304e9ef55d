"""What simulated devices read: deterministic value models, one per device type.

A sensor's value is a pure function of (seed, device code, simulated time): smooth daily patterns
plus hash-seeded noise, and now and then an *incident* (a pollution episode, a loud event, a rain
surge, an overflowing bin, a failed lamp, smoke, an SOS press, turbid water, a lift breakdown, a
leak, a power cut, a door left open, a senior's flat gone still) that takes a metric past the
level a rule would watch. Incidents start as a Poisson process whose rate per device and
simulated hour is `incident_rate` times the type's weight, so the whole demo's alarm traffic is
set by one number.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import datetime, timedelta, timezone, tzinfo

from linli.twin.incidents import SLOT_S as _SLOT_S
from linli.twin.incidents import Incident
from linli.twin.incidents import Schedule as _Schedule
from linli.twin.incidents import poisson as _poisson
from linli.twin.incidents import trapezoid as _trapezoid
from linli.twin.incidents import unit as _unit
from linli.twin.incidents import wander as _wander
from linli.twin.patterns import ENERGY, WATER
from linli.twin.patterns import bump as _bump
from linli.twin.patterns import step as _step
from linli.twin.sensor_types import DEFAULT_INCIDENT_RATE, INCIDENT_WEIGHTS, METRICS
from linli.twin.sensor_types import INCIDENT_DURATIONS as _DURATIONS

_DAY_S = 86_400.0
_UTC8 = timezone(timedelta(hours=8))


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

    def _water_quality(self, t: float, hour: float) -> dict[str, float]:
        warm = _bump(hour, 15.0, 4.0)
        temperature = self._level("temp", 27, 30) + 1.2 * warm + self._noise("temp", t, 0.2, 0.05)
        chlorine = self._level("cl", 0.6, 1.0) - 0.08 * warm + self._noise("cl", t, 0.04, 0.01)
        ph = self._level("ph", 7.1, 7.7) + self._noise("ph", t, 0.06, 0.02)
        turbidity = self._level("turb", 0.4, 0.9) + self._noise("turb", t, 0.15, 0.05)
        spells = [(_trapezoid(i, t, 10 * 60), 6 + 40 * i.magnitude**2) for i in self._now(t)]
        if spells:
            envelope, peak = max(spells, key=lambda e: e[0] * e[1])
            clear = turbidity
            turbidity += envelope * max(0.0, peak - turbidity)
            chlorine *= max(0.05, 1 - (turbidity - clear) / 5)  # used up on what clouds the water
            ph -= 0.4 * envelope
        return {"ph": ph, "turbidity": turbidity, "chlorine": chlorine, "temperature": temperature}

    def _water_consumption(self, t: float, hour: float) -> dict[str, float]:
        ordinal, weekend = self._day(t)
        scale = self._level("daily", 40.0, 120.0) / WATER.day[False]  # m³ per shape-hour
        noise = 1 + 0.1 * self._noise("flow", t, 1.0, 0.5)
        flow = scale * WATER.shape(hour, weekend) * noise * 1000 / 60
        midnight, today, total = t - hour * 3600, 0.0, 0.0
        for i in self.incidents.between(midnight - _DURATIONS["WaterConsumptionObserved"][1], t):
            m3_per_s = (15 + 45 * i.magnitude) / 60_000
            flow += (15 + 45 * i.magnitude) if i.start <= t < i.end else 0.0
            today += m3_per_s * max(0.0, min(i.end, t) - max(i.start, midnight))
        for i in self.incidents.between(
            midnight - _DURATIONS["WaterConsumptionObserved"][1], midnight + _DAY_S
        ):
            m3_per_s = (15 + 45 * i.magnitude) / 60_000
            total += m3_per_s * max(0.0, min(i.end, midnight + _DAY_S) - max(i.start, midnight))
        routine = scale * (WATER.before(ordinal) + WATER.within(hour, weekend))
        # A leak's volume is balanced over its day so that the counter, a pure function of time,
        # never runs backwards: each local day's total stays the building's routine total.
        cap = 0.5 * scale * WATER.day[weekend]
        balance = (
            min(today, cap) - min(total, cap) * WATER.within(hour, weekend) / WATER.day[weekend]
        )
        volume = self._level("base", 1e4, 5e5) + routine + balance
        return {"flow_lpm": flow, "volume_m3": volume}

    def _energy_meter(self, t: float, hour: float) -> dict[str, float]:
        ordinal, weekend = self._day(t)
        scale = self._level("daily", 800.0, 3000.0) / ENERGY.day[False]  # kWh per shape-hour
        power = scale * ENERGY.shape(hour, weekend) * (1 + 0.05 * self._noise("kw", t, 1.0, 0.5))
        midnight, lost_today, lost_total = t - hour * 3600, 0.0, 0.0
        cuts: list[list[float]] = []  # the day's power cuts in local hours, overlaps merged
        for i in self.incidents.between(midnight - _DURATIONS["EnergyMeter"][1], midnight + _DAY_S):
            if i.start <= t < i.end:
                power = 0.0  # a power cut
            a, b = max(0.0, (i.start - midnight) / 3600), min(24.0, (i.end - midnight) / 3600)
            if cuts and a <= cuts[-1][1]:
                cuts[-1][1] = max(cuts[-1][1], b)
            elif b > a:
                cuts.append([a, b])
        for a, b in cuts:
            lost_total += scale * (ENERGY.within(b, weekend) - ENERGY.within(a, weekend))
            if hour > a:
                now = min(b, hour)
                lost_today += scale * (ENERGY.within(now, weekend) - ENERGY.within(a, weekend))
        share = ENERGY.within(hour, weekend) / ENERGY.day[weekend]
        # What a cut did not draw is made up over its day, so the counter never runs backwards.
        energy = (
            self._level("base", 1e5, 5e6)
            + scale * (ENERGY.before(ordinal) + ENERGY.within(hour, weekend))
            - lost_today
            + lost_total * share
        )
        return {"power_kw": power, "energy_kwh": energy}

    def _parking_spot(self, t: float, hour: float) -> dict[str, float]:
        ordinal, weekend = self._day(t)
        day = f"{self._key}:park:{ordinal}"
        home = _unit(f"{day}:home") < 0.93  # the resident's car is in its bay overnight
        if weekend:
            out = _unit(f"{day}:out") < 0.45
            leave = 9.0 + 4 * _unit(f"{day}:leave")
            back = leave + 2 + 6 * _unit(f"{day}:back")
        else:
            out = _unit(f"{day}:out") < 0.8
            leave = 6.5 + 2.5 * _unit(f"{day}:leave")
            back = 17.0 + 4 * _unit(f"{day}:back")
        if home and not (out and leave <= hour < back):
            occupied = True
        else:  # a visitor may take the empty bay for an hour or so
            chance = 0.25 if 8 <= hour < 22 else 0.05
            occupied = _unit(f"{self._key}:visit:{math.floor(t / _SLOT_S)}") < chance
        return {"occupied": float(occupied), "battery": self._battery(t)}

    def _lift(self, t: float, hour: float) -> dict[str, float]:
        ordinal, weekend = self._day(t)
        if weekend:
            shape = 0.06 + 0.6 * _bump(hour, 9.5, 2.0) + 0.6 * _bump(hour, 13, 2.5)
            shape += 0.8 * _bump(hour, 19, 2.5)
        else:
            shape = 0.05 + 1.0 * _bump(hour, 7.8, 1.0) + 0.3 * _bump(hour, 12.5, 1.5)
            shape += 0.9 * _bump(hour, 18.8, 1.5)
        trips = self._level("traffic", 6, 16) * shape * (1 + 0.25 * self._noise("trips", t, 1, 0.5))
        maintenance = ordinal % 7 == int(self._level("service day", 0, 5)) and 10 <= hour < 11
        fault = bool(self._now(t))
        if fault or maintenance:
            return {"in_service": 0.0, "fault": float(fault), "trips": 0.0}
        return {"in_service": 1.0, "fault": 0.0, "trips": float(max(0, round(trips)))}

    def _door_sensor(self, t: float, hour: float) -> dict[str, float]:
        chance = 0.02 + 0.16 * (_step(hour, 7.0, 8.0) - _step(hour, 21.0, 22.5))
        is_open = bool(self._now(t))  # left open
        bucket = math.floor(t / 600)
        for b in (bucket - 1, bucket):
            if _unit(f"{self._key}:door:{b}") < chance:
                start = b * 600 + 540 * _unit(f"{self._key}:door-at:{b}")
                is_open |= start <= t < start + 40 + 80 * _unit(f"{self._key}:door-for:{b}")
        return {"open": float(is_open), "battery": self._battery(t)}

    def _motion_sensor(self, t: float, hour: float) -> dict[str, float]:
        awake = _step(hour, 6.5, 7.5) - _step(hour, 21.5, 22.5) - 0.5 * _bump(hour, 14.0, 0.8)
        mean = 0.05 + 0.6 * _bump(hour, 3.0, 0.4) + self._level("active", 3, 8) * awake
        rng = random.Random(f"{self._key}:motion:{math.floor(t / 600)}")
        motion = 0 if self._now(t) else _poisson(rng, mean)
        return {"motion": float(motion), "battery": self._battery(t)}

    def _day(self, t: float) -> tuple[int, bool]:
        """Return the local day's ordinal and whether it is a weekend day."""
        local = datetime.fromtimestamp(t, self.zone)
        return local.toordinal(), local.weekday() >= 5

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
    "WaterQualityObserved": Sensor._water_quality,
    "WaterConsumptionObserved": Sensor._water_consumption,
    "EnergyMeter": Sensor._energy_meter,
    "ParkingSpot": Sensor._parking_spot,
    "Lift": Sensor._lift,
    "DoorSensor": Sensor._door_sensor,
    "MotionSensor": Sensor._motion_sensor,
}
