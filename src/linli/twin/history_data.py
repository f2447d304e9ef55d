"""What the demo's month of history is made of: the kinds of cases each source brings, how long
people take over each step in each profile, and the words they write (no database)."""

from __future__ import annotations

# The month before "now" that `linli demo load` fills.
DAYS = 30
# People's cases a day, by profile, in the tour's own local unit (community / zone: its logins
# see work of their own) and in all its `NEIGHBOURS` together: a month of a few hundred cases a
# site, whatever the site's size, so the load stays short.
TOUR_UNIT_DAILY_CASES = {"grid": 3.0, "town": 3.0}
NEIGHBOUR_DAILY_CASES = {"grid": 2.0, "town": 2.0}
NEIGHBOURS = 6
# Incidents per device and hour in the month's readings (the live simulator's rate is 0.3):
# a few alarms per device a month.
INCIDENT_RATE = 0.005
# Shares of the sources of people's cases (alarm cases come from the devices' readings).
SOURCES = {
    "grid": (("resident", 0.35), ("patrol", 0.3), ("hotline", 0.25), ("camera", 0.1)),
    "town": (("resident", 0.55), ("hotline", 0.2), ("patrol", 0.15), ("camera", 0.1)),
}
# Leaf categories of the shipped catalogue people report, with weights; every one is routed to
# a department in both profiles (`demo_data.ROUTES`), so a handler of the site takes it on.
CATEGORIES = (
    ("sanitation.bin_overflow", 5),
    ("sanitation.litter", 4),
    ("sanitation.missed_collection", 3),
    ("sanitation.bulky_waste", 2),
    ("sanitation.refuse_chute", 1),
    ("env.noise_construction", 3),
    ("env.illegal_dumping", 2),
    ("env.odour", 1),
    ("roads.pothole", 2),
    ("roads.illegal_parking", 3),
    ("roads.manhole", 1),
    ("facilities.streetlight_out", 3),
    ("facilities.playground", 1),
    ("facilities.bench", 1),
    ("water.drain_blocked", 2),
    ("water.low_pressure", 1),
    ("housing.lift_breakdown", 2),
    ("housing.roof_leak", 1),
    ("greenery.fallen_tree", 1),
    ("greenery.overgrown_grass", 2),
)
# What a video-analytics camera reports (`cases.intake` event types) and how often.
CAMERA_EVENTS = (("illegal_parking", 3), ("bin_overflow", 3), ("litter", 2), ("bulky_waste", 1))
# Local hours at which people report, as weights for hours 0..23.
REPORT_HOURS = (1, 1, 1, 1, 1, 2, 4, 7, 9, 10, 10, 9, 8, 9, 9, 9, 9, 10, 10, 9, 7, 5, 3, 2)

# Minutes (low, high) each step takes once the case waits for it, by profile. A `grid` case is
# registered and dispatched by the community centre; a `town` resident's or alarm's case goes
# to its first responder at once.
STEP_MINUTES = {
    "grid": {
        "register": (8, 50),
        "dispatch": (5, 45),
        "accept": (15, 110),
        "start": (5, 60),
        "handle": (90, 1300),
        "confirm": (30, 400),
        "verify": (40, 420),
        "close": (10, 90),
        "rate": (60, 1800),
        "redispatch": (30, 200),
    },
    "town": {
        "register": (5, 40),
        "dispatch": (5, 30),
        "accept": (5, 60),
        "start": (5, 40),
        "handle": (60, 900),
        "confirm": (30, 600),
        "verify": (30, 300),
        "close": (10, 120),
        "rate": (30, 1440),
        "redispatch": (20, 150),
    },
}
# How often a case goes each way.
REJECT_SHARE = 0.06  # invalid or a duplicate, rejected at registration
RETURN_SHARE = 0.07  # handed back by the unit it went to, then sent again
REFUSE_SHARE = 0.1  # the fix is refused at verification and redone
SLOW_SHARE = 0.14  # one step takes several times its usual time (most miss their deadline)
SLOW_FACTOR = (4.0, 12.0)
EXPLAIN_SHARE = 0.75  # an overdue case's unit writes why before the next step
# Of the people's cases of the last `STALL_WINDOW_DAYS`, this share waits at one step (parts on
# order, an owner away…) until `STALL_DAYS` after "now": still open when the demo starts, most
# of them overdue, some explained.
STALL_SHARE = {"grid": 0.2, "town": 0.18}
STALL_WINDOW_DAYS = 5
STALL_DAYS = (0.5, 6.0)
STALL_EXPLAIN_HOURS = (4.0, 30.0)  # after the stalled step began, its unit may write why
RATE_SHARE = 0.65  # a closed case is rated by its reporter
SCORES = ((5, 5), (4, 4), (3, 2), (2, 1), (1, 1))  # (score, weight)

REJECT_REASONS = (
    "Duplicate of a case already being handled at the same place.",
    "Not a public matter: private property, the owner was advised.",
    "Checked on site: nothing found.",
)
RETURN_REASONS = (
    "Not ours: the spot is on private land managed by the estate office.",
    "Wrong unit: this stretch is maintained by another contractor.",
)
REDISPATCH_NOTES = (
    "Checked the map: the spot is public land. Sent back with the boundary plan.",
    "Confirmed with the estate office; the routing stands.",
)
HANDLE_NOTES = (
    "Cleared on site; photo attached.",
    "Repaired and tested; photo attached.",
    "Removed and the area cleaned; photo attached.",
    "Contractor fixed it this afternoon; photo attached.",
)
REFUSE_REASONS = (
    "Still not done: the problem is back this morning.",
    "Only half of it was cleared; the rest is still there.",
)
VERIFY_NOTES = ("Checked on site, fixed.", "Photo matches the spot; done.", None)
CONFIRM_NOTES = ("Thank you, it is fixed.", "Fixed now.", None)
EXPLANATIONS = (
    "The crew was on a flooding call across the street and came as soon as it was free.",
    "Parts had to be ordered from the supplier; fixed the day they came.",
    "Reported on a holiday evening; the duty officer took it first thing next morning.",
    "Access to the site needed the owner's key, who answered only the next day.",
)
COMMENTS = ("Quick and polite.", "Took a while, but fixed well.", "Thanks!", None, None)

# One incident per site: (days ago it began, hours it lasted, kind, severity, title).
INCIDENTS = {
    "grid": (
        12,
        30,
        "flood",
        "major",
        "Rainstorm flooding in low-lying streets",
        "Red rainstorm warning; water over 30 cm at the underpasses.",
        "Water receded; drains cleared and the underpasses reopened.",
    ),
    "town": (
        9,
        6,
        "outage",
        "moderate",
        "Power outage in several blocks",
        "Power tripped in several blocks after a substation fault; lifts stopped.",
        "Power restored; every lift checked and back in service.",
    ),
}
INCIDENT_TASKS = (
    ("Pump out the underpasses and clear the drains", 3),
    ("Check lifts and call on seniors living alone", 8),
)
