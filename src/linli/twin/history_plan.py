"""The demo's month of cases as a plan: who reports what, where and when, and how long each
step takes — a pure function of the site, "now" and the seed (no database).

`linli.twin.history` plays the plan through the domain services; a step planned after "now"
is not played, so the newest cases are still open (and some overdue) when the demo starts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from linli.twin import history_data as data
from linli.twin.demo_data import CALENDARS
from linli.twin.sites import BuildingSpec, SiteSpec


@dataclass(frozen=True, slots=True)
class Step:
    """One thing a person (or the reporter) does to the case at `at`."""

    at: datetime
    action: str
    note: str | None = None
    score: int = 0


@dataclass(slots=True)
class Story:
    """One case from its report (or alarm) to wherever it stands at "now"."""

    key: str
    source: str
    category: str  # a camera's event type for camera cases; filled in when an alarm opens it
    unit_key: str
    local_key: str
    lon: float
    lat: float
    place: str
    opened_at: datetime
    example: int
    steps: list[Step] = field(default_factory=list)


def local_of(site: SiteSpec) -> dict[str, str]:
    """Return each unit's local unit (community / zone) key, for units at or below one."""
    parent = {u.key: u.parent_key for u in site.units}
    kind = {u.key: u.kind for u in site.units}
    found: dict[str, str] = {}
    for key in parent:
        at: str | None = key
        while at is not None and kind[at] not in ("community", "zone"):
            at = parent[at]
        if at is not None:
            found[key] = at
    return found


def tour_unit(site: SiteSpec) -> str:
    """Return the key of the local unit whose staff the demo tour signs in as (the first)."""
    return next(u.key for u in site.units if u.kind in ("community", "zone"))


def _weighted(
    rng: random.Random, pairs: tuple[tuple[str, float], ...] | tuple[tuple[str, int], ...]
) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _report_time(rng: random.Random, day: datetime, zone: ZoneInfo) -> datetime:
    hour = rng.choices(range(24), weights=data.REPORT_HOURS)[0]
    local = day.astimezone(zone).replace(hour=hour, minute=rng.randrange(60), second=0)
    return local.astimezone(day.tzinfo)


def neighbours(site: SiteSpec, homes: dict[str, list[BuildingSpec]]) -> list[str]:
    """Return the local units beside the tour's whose people report too: its siblings first
    (the street's figures compare them), then the site's first others, `NEIGHBOURS` at most."""
    parent = {u.key: u.parent_key for u in site.units}
    tour = tour_unit(site)
    others = sorted(k for k in homes if k != tour)
    siblings = [k for k in others if parent[k] == parent[tour]]
    rest = [k for k in others if k not in siblings]
    return [*siblings, *rest][: data.NEIGHBOURS]


def homes_of(site: SiteSpec) -> dict[str, list[BuildingSpec]]:
    """Return the buildings of each local unit that has some."""
    locals_ = local_of(site)
    homes: dict[str, list[BuildingSpec]] = {}
    for b in site.buildings:
        homes.setdefault(locals_[b.unit_key], []).append(b)
    return homes


def reporting_units(site: SiteSpec) -> list[tuple[str, BuildingSpec]]:
    """Return the local units whose people report (the tour's first), each with its first
    building (where its camera looks)."""
    homes = homes_of(site)
    keys = [tour_unit(site), *neighbours(site, homes)]
    return [(k, homes[k][0]) for k in keys if k in homes]


def plan_cases(site: SiteSpec, *, now: datetime, seed: int, volume: float = 1.0) -> list[Story]:
    """Return the people's cases of the month before `now` in `site`, oldest first: most in the
    tour's unit, the rest in its neighbours (a fixed number a day, whatever the site's size;
    `volume` scales it)."""
    rng = random.Random(f"{seed}:{site.key}:cases")
    zone = ZoneInfo(CALENDARS[site.profile][0])
    tour = tour_unit(site)
    homes = homes_of(site)
    around = neighbours(site, homes)
    rates = [([tour], data.TOUR_UNIT_DAILY_CASES[site.profile] * volume)]
    if around:
        rates.append((around, data.NEIGHBOUR_DAILY_CASES[site.profile] * volume))
    start = now - timedelta(days=data.DAYS)
    stories: list[Story] = []
    owed = 0.5  # stalled cases owed to the share so far
    for day in range(data.DAYS + 1):
        for keys, rate in rates:
            count = int(rate) + (rng.random() < rate - int(rate))
            for _ in range(count):
                local_key = rng.choice(keys)
                opened = _report_time(rng, start + timedelta(days=day), zone)
                if not start <= opened < now:
                    continue
                source = _weighted(rng, data.SOURCES[site.profile])
                pairs = data.CAMERA_EVENTS if source == "camera" else data.CATEGORIES
                b = rng.choice(homes[local_key])
                story = Story(
                    key=f"{site.key}/{len(stories)}",
                    source=source,
                    category=_weighted(rng, pairs),
                    unit_key=b.unit_key,
                    local_key=local_key,
                    lon=b.lon,
                    lat=b.lat,
                    place=(b.name_zh or b.name) if site.profile == "grid" else b.name,
                    opened_at=opened,
                    example=rng.randrange(1000),
                )
                stall_until = None
                if now - opened <= timedelta(days=data.STALL_WINDOW_DAYS):
                    owed += data.STALL_SHARE[site.profile]
                    if owed >= 1:  # an exact share, not a chance: the demo always has some
                        owed -= 1
                        stall_until = now + timedelta(days=rng.uniform(*data.STALL_DAYS))
                story.steps = plan_steps(rng, site.profile, source, opened, stall_until=stall_until)
                stories.append(story)
    stories.sort(key=lambda s: (s.opened_at, s.key))
    return stories


def plan_steps(
    rng: random.Random,
    profile: str,
    source: str,
    opened: datetime,
    *,
    stall_until: datetime | None = None,
) -> list[Step]:
    """Return the steps of one case after its opening, with their times; with `stall_until`,
    one of its steps waits until then (and its unit may explain the delay meanwhile)."""
    minutes = data.STEP_MINUTES[profile]
    by_system = profile == "town" and source in ("resident", "alarm", "camera")
    verified = not (profile == "town" and source == "resident")  # the reporter confirms there
    stalled = (
        rng.choice(
            (
                "accept",
                "accept",
                "handle",
                *(("verify", "verify") if verified else ()),
                *(() if by_system else ("register", "register")),
            )
        )
        if stall_until is not None
        else None
    )
    slow = (
        rng.choice(("register", "accept", "handle", "verify"))
        if rng.random() < (data.SLOW_SHARE)
        else None
    )
    at = opened
    steps: list[Step] = []

    def then(action: str, note: str | None = None, score: int = 0, timing: str = "") -> None:
        nonlocal at
        nonlocal stalled
        low, high = minutes[timing or action]
        wait = rng.uniform(low, high)
        if (timing or action) == slow:
            wait *= rng.uniform(*data.SLOW_FACTOR)
        if action == stalled and stall_until is not None:
            stalled = None
            wait = max(wait, (stall_until - at) / timedelta(minutes=1))
            if rng.random() < data.EXPLAIN_SHARE:
                hours = rng.uniform(*data.STALL_EXPLAIN_HOURS)
                steps.append(Step(at + timedelta(hours=hours), "explain", None))
        at = at + timedelta(minutes=wait)
        steps.append(Step(at, action, note, score))

    if not by_system:
        if rng.random() < data.REJECT_SHARE and source != "alarm":
            then("reject", rng.choice(data.REJECT_REASONS), timing="register")
            return steps
        then("register")
        then("dispatch")
    if rng.random() < data.RETURN_SHARE:
        then("return", rng.choice(data.RETURN_REASONS), timing="accept")
        then("redispatch", rng.choice(data.REDISPATCH_NOTES))
    then("accept")
    then("start")
    then("handle", rng.choice(data.HANDLE_NOTES))
    if rng.random() < data.REFUSE_SHARE:
        refuse = "refuse" if source == "resident" else "fail"
        then(refuse, rng.choice(data.REFUSE_REASONS), timing="confirm")
        then("handle", rng.choice(data.HANDLE_NOTES))
    if source == "resident":
        then("confirm", rng.choice(data.CONFIRM_NOTES))
    if verified:
        then("verify", rng.choice(data.VERIFY_NOTES))
    then("close")
    if source in ("resident", "hotline", "patrol") and rng.random() < data.RATE_SHARE:
        score = int(_weighted(rng, tuple((str(s), w) for s, w in data.SCORES)))
        then("rate", rng.choice(data.COMMENTS), score=score)
    return steps
