"""Property test of the case workflow: random actions over several cases keep its invariants.

Hypothesis draws sequences of actions (every transition, legal or not, a clock move, an
escalation sweep) over three cases on a fresh small tree. After every step:

* one state at a time: a legal action moves the case exactly as the table says, an illegal one
  is refused and changes nothing; the step follows the status; closed_at is set once terminal;
* the timeline is complete: one event per change, numbered without gaps, each starting where the
  previous one ended and ending at the case's status;
* deadlines are consistent with the calendars: the running deadline is the one last set, and it
  is what the owning unit's work calendar gives for the step's limit from when it was set;
* escalation happens at most once per level per step, only after a missed deadline, and at most
  one level per sweep; a deadline warning comes at most once per step, before the deadline;
* dispatch names a person (`assign=auto`) who is the case's assignee until someone accepts or
  the dispatcher re-assigns; arbitration is binding: at most one ruling, never a return after
  it, and the case stays with the ruled unit.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import event as note_event
from hypothesis import strategies as st

from linli.cases import service as cases
from linli.cases.dispatch import coordination
from linli.cases.models import ACTIONS, STATUSES, TERMINAL, TRANSITIONS, Case, CaseEvent, step_for
from linli.cases.sla import service as sla_service
from linli.core import clock as clock_mod
from linli.core.clock import as_utc
from linli.core.database import session_scope
from linli.core.errors import Conflict
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.security import service as security
from linli.security.permissions import Principal

from .conftest import square

CASES = 3
MOVES: tuple[str, ...] = (*ACTIONS, "dispatch_person", "reassign")
# Timeline entries that leave the status as it is.
SIDE_EVENTS = frozenset({"escalated", "deadline_warning", "reassign"})
# Actions that are not rows of the table, and the statuses they are legal from.
EXTRA = {
    "dispatch_person": TRANSITIONS["dispatch"].sources,
    "reassign": coordination.ASSIGNED_STATUSES,
}
FORWARD = ("register", "dispatch", "accept", "start", "handle", "verify", "close")
TICKS = (5, 45, 240, 1440, 4000)
DISPUTE = ("return", "arbitrate", "reassign", "dispatch_person")
# ("legal", n) takes a legal action of case n % CASES; a named action may be illegal.
LEGAL = st.tuples(st.just("legal"), st.integers(0, 10_000))
STEPS = st.one_of(
    LEGAL,
    LEGAL,
    LEGAL,
    LEGAL,
    st.tuples(st.sampled_from(MOVES), st.integers(0, CASES - 1)),
    # The dispute path, often enough to be met: hand back, rule, re-assign.
    st.tuples(st.sampled_from(DISPUTE), st.integers(0, CASES - 1)),
    st.tuples(st.sampled_from(DISPUTE), st.integers(0, CASES - 1)),
    st.tuples(st.just("tick"), st.sampled_from(TICKS)),
    st.tuples(st.just("sweep"), st.just(0)),
)
_trees = itertools.count()


@dataclass
class Tree:
    """A fresh small district: D > S1 > C1 > G1, a department, calendars, an admin."""

    units: dict[str, OrgUnit]
    admin: Principal


async def _tree() -> Tree:
    n = next(_trees)
    units: dict[str, OrgUnit] = {}
    async with session_scope() as session:
        for kind, code, parent in (
            ("district", "D", None),
            ("street", "S", "D"),
            ("community", "C", "S"),
            ("grid", "G", "C"),
            ("grid", "G2", "C"),
            ("department", "SAN", "D"),
        ):
            box = None if kind == "department" else (113.80 + n, 22.50, 113.84 + n, 22.54)
            units[code] = await org_service.create_unit(
                session,
                kind=kind,
                code=f"P{n}-{code}",
                name=code,
                parent=units[parent] if parent else None,
                boundary=square(*box) if box else None,
            )
        await org_service.set_calendar(session, unit=units["D"], timezone="Asia/Shanghai")
        await org_service.set_calendar(
            session, unit=units["S"], timezone="Asia/Shanghai", workdays="012345"
        )
        await org_service.set_calendar(
            session,
            unit=units["SAN"],
            timezone="Asia/Singapore",
            workdays="0123456",
            day_start=time(7, 0),
            day_end=time(22, 0),
        )
        await org_service.set_route(
            session, category_code="public.order", scope=units["C"], target=units["G"]
        )
        await org_service.set_route(
            session, category_code="env.waste", scope=units["D"], target=units["SAN"]
        )
        for code, limits in (
            ("public.order.noise", {"register": 60, "dispatch": 60, "accept": 120, "handle": 480}),
            ("env.waste", {"register": 30, "dispatch": 30, "accept": 60, "verify": 240}),
        ):
            await cases.upsert_category(session, code=code, name=code, step_limits=limits)
        account = await security.create_account(
            session, username=f"boss{n}", display_name="Boss", password="pw-" * 4
        )
        await security.grant_role(
            session, account_id=account.id, role="admin", unit_id=units["D"].id
        )
        admin = await security.load_principal(session, account, via="token")
        for name, role, unit in (("gw", "grid_worker", "G"), ("san", "department_staff", "SAN")):
            staff = await security.create_account(
                session, username=f"{name}{n}", display_name=name, password="pw-" * 4
            )
            await security.grant_role(
                session, account_id=staff.id, role=role, unit_id=units[unit].id
            )
    return Tree(units, admin)


def _sources(action: str) -> frozenset[str]:
    return EXTRA.get(action) or TRANSITIONS[action].sources


async def _move(session: Any, case: Case, action: str, tree: Tree) -> None:
    admin = tree.admin
    kw: dict[str, Any] = {"principal": admin}
    if action == "dispatch_person":
        await cases.dispatch_case(session, case.id, auto_assign=True, **kw)
    elif action == "reassign":
        await coordination.reassign_case(session, case.id, auto_assign=True, **kw)
    elif action == "arbitrate":
        # The street's level rules for the grid; the admin of the district holds it.
        unit = tree.units["G2"] if case.return_count % 2 else tree.units["G"]
        await coordination.arbitrate_case(session, case.id, unit_id=unit.id, reason="ruled", **kw)
    elif action == "verify":
        await cases.verify_case(session, case.id, passed=True, **kw)
    elif action == "fail_verification":
        await cases.verify_case(session, case.id, passed=False, note="not fixed", **kw)
    elif action == "handle":
        await cases.handle_case(session, case.id, note="fixed", **kw)
    elif action in ("reject", "return"):
        fn = cases.reject_case if action == "reject" else cases.return_case
        await fn(session, case.id, reason="not ours", **kw)
    else:
        await getattr(cases, f"{action}_case")(session, case.id, **kw)


def _step_segments(events: list[CaseEvent]) -> list[list[CaseEvent]]:
    """Split a timeline where the step whose clock runs changes."""
    segments: list[list[CaseEvent]] = [[]]
    step: str | None = None
    for event in events:
        new = step_for(event.to_status or "")
        if event.action not in SIDE_EVENTS and event.action != "report" and new != step:
            segments.append([])
        if event.action not in SIDE_EVENTS:
            step = new
        segments[-1].append(event)
    return segments


async def _check(session: Any, case: Case, expected_events: int) -> None:
    events = list(await cases.timeline(session, case))
    # One state at a time, and a complete timeline ending in it.
    assert case.status in STATUSES
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert len(events) == expected_events
    assert events[0].action == "report" and events[0].to_status == "reported"
    for before, event in itertools.pairwise(events):
        assert event.from_status == before.to_status
        if event.action in SIDE_EVENTS:
            assert event.to_status == event.from_status
        else:
            row = TRANSITIONS[event.action]
            assert event.from_status in row.sources and event.to_status == row.target
    assert events[-1].to_status == case.status
    terminal = case.status in TERMINAL
    assert (case.closed_at is not None) == terminal
    assert case.step == step_for(case.status)

    # The running deadline is the last one set, and the owner's calendar gives it.
    set_by = [e for e in events if "deadline_set" in e.detail]
    step_starts = [e for e in events if e.action not in SIDE_EVENTS]
    last_set = set_by[-1] if set_by else None
    if case.step_deadline_at is None:
        assert last_set is None or last_set.seq < step_starts[-1].seq or terminal
    else:
        assert last_set is not None
        due = last_set.detail["deadline_set"]
        assert as_utc(case.step_deadline_at) == datetime.fromisoformat(due["due_at"])
        owner = await org_service.get_unit_by_code(session, due["unit"])
        calendar = await org_service.calendar_for(session, owner)
        limit = timedelta(minutes=due["limit_minutes"])
        assert calendar.add(as_utc(last_set.at), limit) == datetime.fromisoformat(due["due_at"])
        if last_set.action == "escalated":
            assert owner.id == case.supervisor_unit_id
        else:
            assert owner.id in (case.assigned_unit_id, case.supervisor_unit_id)

    # Escalation: at most once per level per step, and only past a missed deadline.
    for segment in _step_segments(events):
        levels = [e.detail["level"] for e in segment if e.action == "escalated"]
        assert levels == sorted(set(levels))
        for e in segment:
            if e.action == "escalated":
                assert as_utc(e.at) >= datetime.fromisoformat(e.detail["deadline_missed"])
            if e.action == "deadline_warning":
                assert as_utc(e.at) < datetime.fromisoformat(e.detail["due_at"])
        assert [e.action for e in segment].count("deadline_warning") <= 1

    # The person named by the last dispatch, ruling or re-assignment holds it until accepted.
    naming = [e for e in events if "assignee" in e.detail]
    if case.status == "dispatched" and naming and naming[-1].seq >= step_starts[-1].seq:
        named = naming[-1].detail["assignee"]
        assert case.assignee_id == (uuid.UUID(named["id"]) if named else None)

    # Arbitration binds: one ruling at most, no return after it, the case stays with that unit.
    rulings = [e for e in events if e.action == "arbitrate"]
    assert len(rulings) <= 1
    if rulings:
        ruled = uuid.UUID(rulings[0].detail["ruling"]["responsible"]["id"])
        assert case.arbitrated_unit_id == ruled
        assert all(e.action != "return" for e in events if e.seq > rulings[0].seq)
        if case.status not in TERMINAL:
            assert case.assigned_unit_id == ruled
    assert case.return_count == [e.action for e in events].count("return")


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    categories=st.lists(
        st.sampled_from(["public.order.noise", "env.waste"]), min_size=CASES, max_size=CASES
    ),
    steps=st.lists(STEPS, min_size=10, max_size=40),
)
# The dispute path end to end, in every run: a person named, a return, a binding ruling (the
# second return is refused), a re-assignment, a warning before the handling deadline.
@example(
    categories=["public.order.noise"] * CASES,
    steps=[
        ("register", 0),
        ("dispatch_person", 0),
        ("return", 0),
        ("arbitrate", 0),
        ("return", 0),
        ("reassign", 0),
        ("accept", 0),
        *[("tick", 45)] * 4,
        ("tick", 240),
        ("sweep", 0),
        ("return", 0),
    ],
)
async def test_random_actions_keep_the_workflow_invariants(
    db: str, clock: clock_mod.ManualClock, categories: list[str], steps: list[tuple[str, int]]
) -> None:
    clock.advance(timedelta(days=7))  # each example starts on a fresh week of the same clock
    tree = await _tree()
    ids = []
    async with session_scope() as session:
        for code in categories:
            case = await cases.report_case(
                session,
                actor=tree.admin,
                category_code=code,
                title="random case",
                unit=tree.units["G"],
            )
            ids.append(case.id)
    expected = dict.fromkeys(ids, 1)

    for action, arg in steps:
        if action == "tick":
            clock.advance(timedelta(minutes=arg))
        elif action == "sweep":
            async with session_scope() as session:
                warned = await sla_service.warn_upcoming(session)
                escalated = await cases.escalate_overdue(session)
            for case_id in [c.id for c in warned if c.id in expected]:
                expected[case_id] += 1
                note_event("done: warning")
            ours = [c.id for c in escalated if c.id in expected]
            assert len(ours) == len(set(ours))  # one level per sweep
            for case_id in ours:
                expected[case_id] += 1
                note_event("done: escalation")
        else:
            case_id = ids[arg % CASES]
            async with session_scope() as session:
                before = await cases.get_case(session, case_id, principal=tree.admin)
                status = before.status
                bound = before.arbitrated_unit_id is not None and (
                    before.arbitrated_unit_id == before.assigned_unit_id
                )
            if action == "legal":
                options = [m for m in FORWARD + MOVES if status in _sources(m)]
                pick = arg // CASES
                # Mostly forward, so that cases get far; now and then a detour (reject, return…).
                action = (
                    (options[0] if pick % 4 else options[pick % len(options)])
                    if options
                    else "close"
                )
            legal = status in _sources(action) and not (action == "return" and bound)
            try:
                async with session_scope() as session:
                    case = await cases.get_case(session, case_id, principal=tree.admin)
                    await _move(session, case, action, tree)
            except Conflict:
                assert not legal, f"{action} refused from {status}"
            else:
                assert legal, f"{action} allowed from {status}"
                expected[case_id] += 1
                note_event(f"done: {action}")
        async with session_scope() as session:
            for case_id in ids:
                case = await cases.get_case(session, case_id, principal=tree.admin)
                await _check(session, case, expected[case_id])
