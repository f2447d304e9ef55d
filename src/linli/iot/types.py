"""Device types as data: each type's metrics with unit and valid range.

Names follow FIWARE Smart Data Models where one exists (AirQualityObserved, NoiseLevelObserved,
WaterQualityObserved, WaterConsumptionObserved, WasteContainer, Streetlight, ParkingSpot); the
others (WaterLevel, SmokeDetector, SOSButton, EnergyMeter, Lift, DoorSensor, MotionSensor) have
no FIWARE model of their own and use plain names. Extensions may add types to
`DEVICE_TYPES` at import time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from linli.core.errors import ValidationFailed


@dataclass(frozen=True, slots=True)
class Metric:
    """One quantity a device reports; values outside [low, high] are refused at ingest."""

    name: str
    unit: str
    low: float
    high: float
    boolean: bool = False  # on/off values sent as 0 or 1
    description: str = ""

    def problem(self, value: float) -> tuple[str, str] | None:
        """Return (code, reason) if `value` is not acceptable for this metric, else None."""
        if self.boolean and value not in (0.0, 1.0):
            return "out_of_range", f"{self.name} must be 0 or 1"
        if not self.low <= value <= self.high:
            return "out_of_range", f"{self.name} must be between {self.low:g} and {self.high:g}"
        return None


@dataclass(frozen=True, slots=True)
class DeviceType:
    name: str
    description: str
    metrics: dict[str, Metric] = field(default_factory=dict)
    # Seconds between reports (or heartbeats) in normal operation; silence of three times this
    # makes the device offline (see `linli.iot.status`).
    interval_s: float = 600.0


def _type(name: str, description: str, *metrics: Metric, interval_s: float = 600.0) -> DeviceType:
    return DeviceType(name, description, {m.name: m for m in metrics}, interval_s)


# Reported by battery-powered types; `linli.iot.status` keeps each device's latest value.
BATTERY = Metric("battery", "%", 0, 100, description="battery charge")


DEVICE_TYPES: dict[str, DeviceType] = {
    t.name: t
    for t in (
        _type(
            "AirQualityObserved",
            "air-quality station",
            Metric("pm25", "µg/m³", 0, 1000, description="fine particulate matter PM2.5"),
            Metric("pm10", "µg/m³", 0, 2000, description="particulate matter PM10"),
            Metric("no2", "µg/m³", 0, 2000, description="nitrogen dioxide"),
        ),
        _type(
            "NoiseLevelObserved",
            "noise meter",
            Metric("laeq", "dB(A)", 20, 140, description="equivalent continuous sound level"),
        ),
        _type(
            "WaterLevel",
            "water-level gauge (drains, underpasses, rivers)",
            Metric("level_cm", "cm", -50, 1000),
        ),
        _type(
            "WasteContainer",
            "bin with a fill-level sensor",
            Metric("fill_pct", "%", 0, 100),
        ),
        _type(
            "Streetlight",
            "smart streetlight",
            Metric("power_w", "W", 0, 2000),
            Metric("on", "", 0, 1, boolean=True),
        ),
        _type(
            "SmokeDetector",
            "smoke detector",
            Metric("smoke", "", 0, 1, boolean=True),
            BATTERY,
            interval_s=3600.0,
        ),
        _type(
            "SOSButton",
            "emergency button",
            Metric("pressed", "", 0, 1, boolean=True),
            BATTERY,
            interval_s=3600.0,
        ),
        _type(
            "WaterQualityObserved",
            "water-quality probe (treated water, reservoir or river point)",
            Metric("ph", "pH", 0, 14, description="acidity"),
            Metric("turbidity", "NTU", 0, 4000, description="turbidity"),
            Metric("chlorine", "mg/L", 0, 20, description="free chlorine"),
            Metric("temperature", "°C", -10, 60, description="water temperature"),
        ),
        _type(
            "WaterConsumptionObserved",
            "water meter (building or flat)",
            Metric("flow_lpm", "L/min", 0, 20_000, description="flow rate"),
            Metric("volume_m3", "m³", 0, 1e10, description="cumulative volume (never decreases)"),
            interval_s=900.0,
        ),
        _type(
            "EnergyMeter",
            "electricity meter (building or flat)",
            Metric("power_kw", "kW", 0, 50_000, description="active power"),
            Metric("energy_kwh", "kWh", 0, 1e12, description="cumulative active energy"),
            interval_s=900.0,
        ),
        _type(
            "ParkingSpot",
            "parking-bay occupancy sensor",
            Metric("occupied", "", 0, 1, boolean=True),
            BATTERY,
        ),
        _type(
            "Lift",
            "lift monitoring unit",
            Metric("in_service", "", 0, 1, boolean=True),
            Metric("fault", "", 0, 1, boolean=True),
            Metric("trips", "", 0, 1000, description="trips in the last reporting interval"),
        ),
        _type(
            "DoorSensor",
            "door contact sensor",
            Metric("open", "", 0, 1, boolean=True),
            BATTERY,
        ),
        _type(
            "MotionSensor",
            "passive-infrared motion sensor",
            Metric(
                "motion", "", 0, 1000, description="motion events in the last reporting interval"
            ),
            BATTERY,
        ),
    )
}


def device_type(name: str) -> DeviceType:
    """Return the device type called `name`, or raise ValidationFailed."""
    found = DEVICE_TYPES.get(name)
    if found is None:
        raise ValidationFailed(
            f"unknown device type '{name}'", code="unknown_device_type", types=sorted(DEVICE_TYPES)
        )
    return found
