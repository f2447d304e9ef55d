"""The monitors of a care profile: their defaults, timers and what a reading does to them.

Each monitor keeps what it last saw in `state` and, when time alone can make it fire (no motion
by 10:00, no water in 12 h, a long bathroom stay), its timer in `due_at`, which the sweep claims
with row locks (`linli.care.monitoring.sweep_due`).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from linli.care.models import CareMonitor, CareProfile
from linli.core import localtime
from linli.org import service as org_service
from linli.rules import service as rules_service

DEFAULTS: dict[str, dict[str, Any]] = {
    "routine": {"score": 0.95},
    "no_water": {"hours": 12},
    "water_constant": {"hours": 24},
    "no_motion_by": {"at": "10:00"},
    "door_night": {"start": "23:00", "end": "06:00"},
    "long_bathroom": {"minutes": 120},
    "sos": {},
}
# A gap longer than this between two uses of water ends a run of "water every half hour".
WATER_GAP = timedelta(minutes=35)
# Points the routine learns in two weeks of hourly counts before it may score.
ROUTINE_WARMUP = 14 * 12


async def timezone_of(session: AsyncSession, profile: CareProfile) -> str:
    """Return the time zone of the person's site (their local day)."""
    return await org_service.site_timezone(session, profile.org_unit_id)


def _clock(value: str) -> time:
    hour, minute = value.split(":")
    return time(int(hour), int(minute))


def next_local(at: str, *, after: datetime, tz: str) -> datetime:
    """Return the first moment after `after` when the local clock shows `at`, in UTC."""
    zone = localtime.zone(tz)
    here = after.astimezone(zone)
    candidate = datetime.combine(here.date(), _clock(at), tzinfo=zone)
    if candidate <= here:
        candidate = datetime.combine(here.date() + timedelta(days=1), _clock(at), tzinfo=zone)
    return candidate.astimezone(after.tzinfo)


def default_monitors(profile: CareProfile, *, now: datetime, tz: str) -> list[CareMonitor]:
    """Return a new profile's monitors, on, with their timers set."""
    made = []
    for kind, params in DEFAULTS.items():
        monitor = CareMonitor(
            profile_id=profile.id,
            kind=kind,
            enabled=True,
            params=dict(params),
            state={},
            alerts=0,
            false_alarms=0,
        )
        reschedule(monitor, now=now, tz=tz)
        made.append(monitor)
    return made


def _stamp(state: dict[str, Any], key: str) -> datetime | None:
    value = state.get(key)
    return datetime.fromisoformat(value) if value else None


def reschedule(monitor: CareMonitor, *, now: datetime, tz: str) -> None:
    """Set the monitor's timer from its settings and what it last saw."""
    due: datetime | None = None
    if monitor.enabled:
        state = monitor.state or {}
        if monitor.kind == "no_motion_by":
            due = next_local(monitor.params["at"], after=now, tz=tz)
        elif monitor.kind == "no_water" and not state.get("fired"):
            last = _stamp(state, "last_water")
            due = last + timedelta(hours=float(monitor.params["hours"])) if last else None
        elif monitor.kind == "long_bathroom":
            since = _stamp(state, "in_since")
            due = since + timedelta(minutes=int(monitor.params["minutes"])) if since else None
    monitor.due_at = due


def _in_window(local: datetime, start: str, end: str) -> bool:
    at, begin, stop = local.time(), _clock(start), _clock(end)
    return begin <= at < stop if begin < stop else at >= begin or at < stop


def observe(
    monitors: dict[str, CareMonitor],
    profile: CareProfile,
    *,
    role: str,
    metric: str,
    ts: datetime,
    value: float,
    tz: str,
    learning: bool,
) -> list[str]:
    """Feed one reading to the profile's monitors; return the kinds that fire now."""
    fired: list[str] = []
    local = ts.astimezone(localtime.zone(tz))
    active = value > 0

    def on(kind: str) -> CareMonitor | None:
        monitor = monitors.get(kind)
        return monitor if monitor is not None and monitor.enabled else None

    if role in ("sos", "wearable") and metric in ("pressed", "sos", "fall") and active:
        if on("sos"):
            fired.append("sos")
        return fired
    if role in ("motion", "bathroom_motion") and active:
        _moved(monitors, role, ts, tz)
        routine = on("routine")
        if routine is not None:
            detector = rules_service.ProfileDetector.from_state(
                profile.routine_state, warmup=ROUTINE_WARMUP
            )
            score = detector.update(local.replace(tzinfo=None), value)
            profile.routine_state = detector.to_state()
            if not learning and score >= float(routine.params.get("score", 0.95)):
                fired.append("routine")
    elif role == "door" and active:
        door = on("door_night")
        if door is not None and _in_window(local, door.params["start"], door.params["end"]):
            fired.append("door_night")
    elif role == "water_meter":
        fired.extend(_water(monitors, metric, ts, value, tz))
    return fired


def _moved(monitors: dict[str, CareMonitor], role: str, ts: datetime, tz: str) -> None:
    """Note movement: the day's first motion, a bathroom stay begun or ended."""
    for kind in ("no_motion_by", "long_bathroom"):
        monitor = monitors.get(kind)
        if monitor is None:
            continue
        state = dict(monitor.state or {})
        if kind == "no_motion_by":
            state["last_motion"] = ts.isoformat()
        elif role == "bathroom_motion":
            state.setdefault("in_since", ts.isoformat())
        else:
            state.pop("in_since", None)
        monitor.state = state
        if kind == "long_bathroom":
            reschedule(monitor, now=ts, tz=tz)


def _water(
    monitors: dict[str, CareMonitor], metric: str, ts: datetime, value: float, tz: str
) -> list[str]:
    """Note a water-meter reading; return `water_constant` when water ran every half hour for
    the monitor's hours."""
    fired: list[str] = []
    no_water, constant = monitors.get("no_water"), monitors.get("water_constant")
    used = value > 0 if metric == "flow_lpm" else False
    if metric == "volume_m3" and no_water is not None:
        before = (no_water.state or {}).get("volume")
        used = before is not None and value > float(before)
        no_water.state = {**(no_water.state or {}), "volume": value}
    if not used:
        return fired
    if no_water is not None:
        no_water.state = {**(no_water.state or {}), "last_water": ts.isoformat(), "fired": False}
        reschedule(no_water, now=ts, tz=tz)
    if constant is not None:
        state = dict(constant.state or {})
        last = _stamp(state, "last_use")
        if last is None or ts - last > WATER_GAP:
            state["run_start"], state["fired_run"] = ts.isoformat(), None
        state["last_use"] = ts.isoformat()
        start = _stamp(state, "run_start")
        hours = timedelta(hours=float(constant.params["hours"]))
        if start is not None and ts - start >= hours and state.get("fired_run") is None:
            state["fired_run"] = state["run_start"]
            if constant.enabled:
                fired.append("water_constant")
        constant.state = state
    return fired


def due_fires(monitor: CareMonitor, *, now: datetime, tz: str) -> bool:
    """Handle a monitor whose timer fell due: say whether it fires, and set its next timer."""
    state = dict(monitor.state or {})
    fires = False
    if monitor.kind == "no_motion_by":
        # The day the timer was set for (a late sweep still judges that morning).
        day = (monitor.due_at or now).astimezone(localtime.zone(tz)).date()
        local_midnight = datetime.combine(day, time(0), tzinfo=localtime.zone(tz))
        last = _stamp(state, "last_motion")
        fires = last is None or last < local_midnight
        monitor.due_at = next_local(monitor.params["at"], after=now, tz=tz)
        return fires and monitor.enabled
    if monitor.kind == "no_water":
        state["fired"] = True
        fires = True
    elif monitor.kind == "long_bathroom":
        state.pop("in_since", None)
        fires = True
    monitor.state = state
    monitor.due_at = None
    return fires and monitor.enabled
