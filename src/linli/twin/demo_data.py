"""The demo sites' settings: routes, rules, calendars and device mix."""

from __future__ import annotations

from datetime import date, time

# The demo loads the shipped category catalogue (`linli/cases/data/catalogue.csv`: 20 major
# groups, 300-odd leaves). Which unit answers each category: a department code, or "local" (the
# case's community/zone). A route on a major group covers its leaves; a leaf's own route wins.
ROUTES = {
    "grid": {
        "env": "BA-D-EE",
        "sanitation": "BA-D-UM",
        "facilities": "BA-D-UM",
        "roads": "BA-D-TR",
        "water": "BA-D-WA",
        "safety": "BA-D-EM",
        "safety.theft": "BA-D-PS",
        "safety.fight": "BA-D-PS",
        "safety.suspicious_person": "BA-D-PS",
        "safety.scam": "BA-D-PS",
        "order": "local",
        "housing": "BA-D-HC",
        "greenery": "BA-D-UM",
        "animals": "BA-D-UM",
        "care": "local",
        "construction": "BA-D-HC",
        "fire": "BA-D-EM",
        "epidemic": "BA-D-HE",
        "disputes": "local",
        "vending": "BA-D-MR",
        "parking": "BA-D-TR",
        "estate": "BA-D-HC",
        "cycling": "BA-D-TR",
        "utilities": "BA-D-UM",
    },
    "town": {
        "env": "SK-D-NEA",
        "sanitation": "SK-D-TCC",
        "facilities": "SK-D-TCM",
        "roads": "SK-D-LTA",
        "water": "SK-D-PUB",
        "safety": "SK-D-NPC",
        "order": "SK-D-NPC",
        "housing": "SK-D-TCM",
        "greenery": "SK-D-NPK",
        "animals": "SK-D-NPK",
        "care": "local",
        "construction": "SK-D-TCM",
        "fire": "SK-D-NPC",
        "epidemic": "SK-D-NEA",
        "disputes": "local",
        "vending": "SK-D-NEA",
        "parking": "SK-D-LTA",
        "estate": "SK-D-TCM",
        "cycling": "SK-D-LTA",
        "utilities": "SK-D-TCM",
    },
}
# The first responder with the most cases (its staff login is part of the demo).
BUSIEST = "sanitation"

# (device type, metric, op, threshold, severity, category)
RULES = (
    ("AirQualityObserved", "pm25", ">", 75.0, "major", "env.haze"),
    ("NoiseLevelObserved", "laeq", ">", 85.0, "minor", "env.noise_construction"),
    ("WaterLevel", "level_cm", ">", 30.0, "critical", "water.flooding"),
    ("WasteContainer", "fill_pct", ">=", 90.0, "minor", "sanitation.bin_overflow"),
    ("SmokeDetector", "smoke", ">=", 1.0, "critical", "safety.fire"),
    ("SOSButton", "pressed", ">=", 1.0, "critical", "care.sos_alarm"),
    ("WaterQualityObserved", "turbidity", ">", 5.0, "major", "water.dirty_water"),
    ("Lift", "fault", ">=", 1.0, "major", "housing.lift_breakdown"),
)

CALENDARS = {
    "grid": (
        "Asia/Shanghai",
        time(9, 0),
        time(18, 0),
        [
            date(2026, 1, 1),
            date(2026, 2, 17),
            date(2026, 2, 18),
            date(2026, 4, 5),
            date(2026, 5, 1),
            date(2026, 6, 19),
            date(2026, 10, 1),
            date(2026, 10, 2),
        ],
    ),
    "town": (
        "Asia/Singapore",
        time(8, 30),
        time(17, 30),
        [
            date(2026, 1, 1),
            date(2026, 2, 17),
            date(2026, 2, 18),
            date(2026, 4, 3),
            date(2026, 5, 1),
            date(2026, 8, 10),
            date(2026, 12, 25),
        ],
    ),
}

# Devices per local unit (community / zone): (type, how many)
DEVICE_MIX = (
    ("AirQualityObserved", 1),
    ("NoiseLevelObserved", 1),
    ("WaterLevel", 1),
    ("WasteContainer", 3),
    ("Streetlight", 2),
    ("ParkingSpot", 2),  # bays at the estate car park
    ("Lift", 1),
    ("WaterConsumptionObserved", 1),  # a building's water meter
    ("EnergyMeter", 1),  # a building's electricity meter
)
# In each of the first few flats of seniors living alone, besides the SOS button.
HOME_SENSORS = ("DoorSensor", "MotionSensor")
# One per site, at its first community / zone (a reservoir or river sampling point).
SITE_DEVICES = ("WaterQualityObserved",)
