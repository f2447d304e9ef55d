"""What each simulated device type reports and how its incidents go: the metrics with the ranges
ingest accepts, the level incidents cross, how often (relative weight) and how long they last,
and the local time zone of each demo site. The value models that use them are in
`linli.twin.sensors`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_INCIDENT_RATE = 0.3
"""Incidents per device per simulated hour (before the type's weight)."""


@dataclass(frozen=True, slots=True)
class MetricRange:
    """A metric a device type reports, with the range ingest accepts."""

    name: str
    unit: str
    low: float
    high: float


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
    "WaterQualityObserved": (
        MetricRange("ph", "pH", 0, 14),
        MetricRange("turbidity", "NTU", 0, 1000),
        MetricRange("chlorine", "mg/L", 0, 10),
        MetricRange("temperature", "°C", -10, 50),
    ),
    "WaterConsumptionObserved": (
        MetricRange("flow_lpm", "L/min", 0, 10_000),
        MetricRange("volume_m3", "m³", 0, 1e9),
    ),
    "EnergyMeter": (
        MetricRange("power_kw", "kW", 0, 10_000),
        MetricRange("energy_kwh", "kWh", 0, 1e11),
    ),
    "ParkingSpot": (MetricRange("occupied", "", 0, 1), MetricRange("battery", "%", 0, 100)),
    "Lift": (
        MetricRange("in_service", "", 0, 1),
        MetricRange("fault", "", 0, 1),
        MetricRange("trips", "", 0, 500),
    ),
    "DoorSensor": (MetricRange("open", "", 0, 1), MetricRange("battery", "%", 0, 100)),
    "MotionSensor": (MetricRange("motion", "", 0, 500), MetricRange("battery", "%", 0, 100)),
}

INCIDENT_THRESHOLDS: dict[str, tuple[str, float]] = {
    "AirQualityObserved": ("pm25", 75.0),
    "NoiseLevelObserved": ("laeq", 80.0),
    "WaterLevel": ("level_cm", 50.0),
    "WasteContainer": ("fill_pct", 90.0),
    "SmokeDetector": ("smoke", 0.5),
    "SOSButton": ("pressed", 0.5),
    "WaterQualityObserved": ("turbidity", 5.0),
    "Lift": ("fault", 0.5),
}
"""The (metric, level) each type's incidents go above and ordinary days stay below.

A streetlight failure (on = 1 but power_w = 0 at night) needs a rule that knows the time of
day, so it has no single threshold here; nor do a water leak (steady flow at night), a power
cut (power_kw = 0), a door left open at night or a senior's flat without motion for hours.
Parking bays have no incidents.
"""

INCIDENT_WEIGHTS: dict[str, float] = {
    "AirQualityObserved": 1.0,
    "NoiseLevelObserved": 1.0,
    "WaterLevel": 0.5,
    "WasteContainer": 1.0,
    "Streetlight": 0.1,  # a failure shows only while the lamp should be on
    "SmokeDetector": 0.05,
    "SOSButton": 0.05,
    "WaterQualityObserved": 0.1,  # turbid water with the chlorine used up
    "WaterConsumptionObserved": 0.03,  # a leak
    "EnergyMeter": 0.02,  # a power cut
    "ParkingSpot": 0.0,
    "Lift": 0.05,  # a breakdown
    "DoorSensor": 0.03,  # left open
    "MotionSensor": 0.03,  # no movement for hours
}

INCIDENT_DURATIONS: dict[str, tuple[float, float]] = {  # seconds (shortest, longest)
    "AirQualityObserved": (20 * 60, 60 * 60),
    "NoiseLevelObserved": (5 * 60, 20 * 60),
    "WaterLevel": (40 * 60, 150 * 60),
    "WasteContainer": (30 * 60, 120 * 60),
    "Streetlight": (30 * 60, 2 * 3600),
    "SmokeDetector": (2 * 60, 10 * 60),
    "SOSButton": (60, 3 * 60),
    "WaterQualityObserved": (60 * 60, 4 * 3600),
    "WaterConsumptionObserved": (3 * 3600, 10 * 3600),
    "EnergyMeter": (20 * 60, 3 * 3600),
    "ParkingSpot": (60, 60),
    "Lift": (30 * 60, 3 * 3600),
    "DoorSensor": (30 * 60, 3 * 3600),
    "MotionSensor": (2 * 3600, 6 * 3600),
}
_SITE_ZONES = {"baoan": "Asia/Shanghai", "sengkang": "Asia/Singapore"}


def site_zone(site: str | None, lon: float) -> tzinfo:
    """Return the local time zone of a demo site (by name, else from the longitude)."""
    name = _SITE_ZONES.get(site or "")
    if name is not None:
        try:
            return ZoneInfo(name)
        except ZoneInfoNotFoundError:
            pass
    return timezone(timedelta(hours=round(lon / 15)))


def expected_incidents_per_hour(device_types: list[str], incident_rate: float) -> float:
    """Return how many incidents per simulated hour a set of devices should produce."""
    return sum(incident_rate * INCIDENT_WEIGHTS.get(name, 0.0) for name in device_types)
