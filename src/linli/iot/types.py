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
from linli.core.i18n import N_


@dataclass(frozen=True, slots=True)
class Metric:
    """One quantity a device reports; values outside [low, high] are refused at ingest."""

    name: str
    unit: str
    low: float
    high: float
    boolean: bool = False  # on/off values sent as 0 or 1
    description: str = ""
    # What people read (marked for the catalogues, translated where shown): the quantity's name,
    # and the headline of an alarm on it — with `%(value)s` (number and unit) for a measure, for a
    # boolean the state at 1 (`headline`) and at 0 (`headline_off`).
    label: str = ""
    headline: str = ""
    headline_off: str = ""

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
    label: str  # what people read, marked for the catalogues
    metrics: dict[str, Metric] = field(default_factory=dict)
    # Seconds between reports (or heartbeats) in normal operation; silence of three times this
    # makes the device offline (see `linli.iot.status`).
    interval_s: float = 600.0


def _type(
    name: str, description: str, label: str, *metrics: Metric, interval_s: float = 600.0
) -> DeviceType:
    return DeviceType(name, description, label, {m.name: m for m in metrics}, interval_s)


# Reported by battery-powered types; `linli.iot.status` keeps each device's latest value.
BATTERY = Metric(
    "battery",
    "%",
    0,
    100,
    description="battery charge",
    label=N_("Battery"),
    headline=N_("Battery low: %(value)s"),
)


DEVICE_TYPES: dict[str, DeviceType] = {
    t.name: t
    for t in (
        _type(
            "AirQualityObserved",
            "air-quality station",
            N_("Air-quality station"),
            Metric(
                "pm25",
                "µg/m³",
                0,
                1000,
                description="fine particulate matter PM2.5",
                label=N_("Fine particles (PM2.5)"),
                headline=N_("Poor air: PM2.5 %(value)s"),
            ),
            Metric(
                "pm10",
                "µg/m³",
                0,
                2000,
                description="particulate matter PM10",
                label=N_("Particles (PM10)"),
                headline=N_("Poor air: PM10 %(value)s"),
            ),
            Metric(
                "no2",
                "µg/m³",
                0,
                2000,
                description="nitrogen dioxide",
                label=N_("Nitrogen dioxide"),
                headline=N_("Poor air: nitrogen dioxide %(value)s"),
            ),
        ),
        _type(
            "NoiseLevelObserved",
            "noise meter",
            N_("Noise meter"),
            Metric(
                "laeq",
                "dB(A)",
                20,
                140,
                description="equivalent continuous sound level",
                label=N_("Noise level"),
                headline=N_("Loud noise: %(value)s"),
            ),
        ),
        _type(
            "WaterLevel",
            "water-level gauge (drains, underpasses, rivers)",
            N_("Water-level gauge"),
            Metric(
                "level_cm",
                "cm",
                -50,
                1000,
                label=N_("Water level"),
                headline=N_("High water: %(value)s"),
            ),
        ),
        _type(
            "WasteContainer",
            "bin with a fill-level sensor",
            N_("Bin"),
            Metric(
                "fill_pct",
                "%",
                0,
                100,
                label=N_("Bin fill level"),
                headline=N_("Bin %(value)s full"),
            ),
        ),
        _type(
            "Streetlight",
            "smart streetlight",
            N_("Streetlight"),
            Metric(
                "power_w",
                "W",
                0,
                2000,
                label=N_("Lamp power"),
                headline=N_("Streetlight power %(value)s"),
            ),
            Metric(
                "on",
                "",
                0,
                1,
                boolean=True,
                label=N_("Lamp on"),
                headline=N_("Streetlight on"),
                headline_off=N_("Streetlight off"),
            ),
        ),
        _type(
            "SmokeDetector",
            "smoke detector",
            N_("Smoke detector"),
            Metric(
                "smoke",
                "",
                0,
                1,
                boolean=True,
                label=N_("Smoke"),
                headline=N_("Smoke detected"),
                headline_off=N_("No smoke"),
            ),
            BATTERY,
            interval_s=3600.0,
        ),
        _type(
            "SOSButton",
            "emergency button",
            N_("Emergency button"),
            Metric(
                "pressed",
                "",
                0,
                1,
                boolean=True,
                label=N_("Button pressed"),
                headline=N_("Emergency button pressed"),
                headline_off=N_("Emergency button released"),
            ),
            BATTERY,
            interval_s=3600.0,
        ),
        _type(
            "WaterQualityObserved",
            "water-quality probe (treated water, reservoir or river point)",
            N_("Water-quality probe"),
            Metric(
                "ph",
                "pH",
                0,
                14,
                description="acidity",
                label=N_("Acidity (pH)"),
                headline=N_("Water acidity pH %(value)s"),
            ),
            Metric(
                "turbidity",
                "NTU",
                0,
                4000,
                description="turbidity",
                label=N_("Turbidity"),
                headline=N_("Cloudy water: %(value)s"),
            ),
            Metric(
                "chlorine",
                "mg/L",
                0,
                20,
                description="free chlorine",
                label=N_("Free chlorine"),
                headline=N_("Chlorine in water: %(value)s"),
            ),
            Metric(
                "temperature",
                "°C",
                -10,
                60,
                description="water temperature",
                label=N_("Water temperature"),
                headline=N_("Water temperature %(value)s"),
            ),
        ),
        _type(
            "WaterConsumptionObserved",
            "water meter (building or flat)",
            N_("Water meter"),
            Metric(
                "flow_lpm",
                "L/min",
                0,
                20_000,
                description="flow rate",
                label=N_("Water flow"),
                headline=N_("Water flowing: %(value)s"),
            ),
            Metric(
                "volume_m3",
                "m³",
                0,
                1e10,
                description="cumulative volume (never decreases)",
                label=N_("Water used"),
                headline=N_("Water used: %(value)s"),
            ),
            interval_s=900.0,
        ),
        _type(
            "EnergyMeter",
            "electricity meter (building or flat)",
            N_("Electricity meter"),
            Metric(
                "power_kw",
                "kW",
                0,
                50_000,
                description="active power",
                label=N_("Power use"),
                headline=N_("Power use %(value)s"),
            ),
            Metric(
                "energy_kwh",
                "kWh",
                0,
                1e12,
                description="cumulative active energy",
                label=N_("Energy used"),
                headline=N_("Energy used: %(value)s"),
            ),
            interval_s=900.0,
        ),
        _type(
            "ParkingSpot",
            "parking-bay occupancy sensor",
            N_("Parking-bay sensor"),
            Metric(
                "occupied",
                "",
                0,
                1,
                boolean=True,
                label=N_("Bay occupied"),
                headline=N_("Parking bay taken"),
                headline_off=N_("Parking bay free"),
            ),
            BATTERY,
        ),
        _type(
            "Lift",
            "lift monitoring unit",
            N_("Lift monitor"),
            Metric(
                "in_service",
                "",
                0,
                1,
                boolean=True,
                label=N_("Lift in service"),
                headline=N_("Lift back in service"),
                headline_off=N_("Lift out of service"),
            ),
            Metric(
                "fault",
                "",
                0,
                1,
                boolean=True,
                label=N_("Lift fault"),
                headline=N_("Lift fault"),
                headline_off=N_("Lift fault cleared"),
            ),
            Metric(
                "trips",
                "",
                0,
                1000,
                description="trips in the last reporting interval",
                label=N_("Lift trips"),
                headline=N_("Lift trips: %(value)s"),
            ),
        ),
        _type(
            "DoorSensor",
            "door contact sensor",
            N_("Door sensor"),
            Metric(
                "open",
                "",
                0,
                1,
                boolean=True,
                label=N_("Door open"),
                headline=N_("Door open"),
                headline_off=N_("Door closed"),
            ),
            BATTERY,
        ),
        _type(
            "MotionSensor",
            "passive-infrared motion sensor",
            N_("Motion sensor"),
            Metric(
                "motion",
                "",
                0,
                1000,
                description="motion events in the last reporting interval",
                label=N_("Movement"),
                headline=N_("Movement: %(value)s"),
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
