"""The demo sites' settings: categories, routes, rules, calendars and device mix."""

from __future__ import annotations

from datetime import date, time

# (code, English, Chinese, priority, minutes per step, photo needed to close in grid)
CATEGORIES: tuple[tuple[str, str, str, int, dict[str, int], bool], ...] = (
    ("env", "Environment", "环境", 3, {}, False),
    (
        "env.air",
        "Air pollution",
        "空气污染",
        2,
        {"register": 30, "dispatch": 30, "accept": 60, "handle": 480, "verify": 240},
        False,
    ),
    (
        "env.noise",
        "Noise nuisance",
        "噪声扰民",
        3,
        {"register": 60, "dispatch": 60, "accept": 120, "handle": 960, "verify": 480},
        False,
    ),
    (
        "water.flood",
        "Flooding / waterlogging",
        "内涝积水",
        1,
        {"register": 15, "dispatch": 15, "accept": 30, "handle": 240, "verify": 120},
        True,
    ),
    (
        "sanitation.waste",
        "Overflowing bin",
        "垃圾满溢",
        3,
        {"register": 60, "dispatch": 60, "accept": 120, "handle": 480, "verify": 480},
        True,
    ),
    (
        "facility.streetlight",
        "Streetlight fault",
        "路灯故障",
        3,
        {"register": 60, "dispatch": 60, "accept": 240, "handle": 1440, "verify": 480},
        True,
    ),
    (
        "safety.fire",
        "Smoke or fire alarm",
        "烟感火警",
        1,
        {"register": 5, "dispatch": 5, "accept": 15, "handle": 120, "verify": 120},
        False,
    ),
    (
        "care.sos",
        "SOS from a resident",
        "长者紧急求助",
        1,
        {"register": 5, "dispatch": 5, "accept": 10, "handle": 60, "verify": 120},
        False,
    ),
    (
        "public.order",
        "Public order",
        "治安秩序",
        2,
        {"register": 30, "dispatch": 30, "accept": 60, "handle": 480, "verify": 240},
        False,
    ),
    (
        "estate.lift",
        "Lift fault",
        "电梯故障",
        2,
        {"register": 30, "dispatch": 30, "accept": 60, "handle": 480, "verify": 240},
        True,
    ),
    (
        "estate.maintenance",
        "Estate maintenance",
        "物业维修",
        3,
        {"register": 60, "dispatch": 60, "accept": 240, "handle": 2880, "verify": 480},
        True,
    ),
)

# Which unit answers each category: a department code, or "local" (the case's community/zone).
ROUTES = {
    "grid": {
        "env": "BA-D-EE",
        "water.flood": "BA-D-WA",
        "sanitation.waste": "BA-D-UM",
        "facility.streetlight": "BA-D-UM",
        "safety.fire": "BA-D-EM",
        "care.sos": "local",
        "public.order": "local",
        "estate": "BA-D-HC",
    },
    "town": {
        "env": "SK-D-NEA",
        "water.flood": "SK-D-PUB",
        "sanitation.waste": "SK-D-TCC",
        "facility.streetlight": "SK-D-TCM",
        "safety.fire": "SK-D-NPC",
        "care.sos": "local",
        "public.order": "SK-D-NPC",
        "estate": "SK-D-TCM",
    },
}

# (device type, metric, op, threshold, severity, category)
RULES = (
    ("AirQualityObserved", "pm25", ">", 75.0, "major", "env.air"),
    ("NoiseLevelObserved", "laeq", ">", 85.0, "minor", "env.noise"),
    ("WaterLevel", "level_cm", ">", 30.0, "critical", "water.flood"),
    ("WasteContainer", "fill_pct", ">=", 90.0, "minor", "sanitation.waste"),
    ("SmokeDetector", "smoke", ">=", 1.0, "critical", "safety.fire"),
    ("SOSButton", "pressed", ">=", 1.0, "critical", "care.sos"),
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
)
