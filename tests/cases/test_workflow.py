from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import service as cases
from linli.cases.dispatch import coordination
from linli.cases.models import ACTIONS, STATUSES, TERMINAL, TRANSITIONS, Case, transition
from linli.core.database import session_scope
from linli.core.errors import Conflict

from .conftest import World

LEGAL = {
    ("register", "reported"): "registered",
    ("reject", "reported"): "rejected",
    ("reject", "registered"): "rejected",
    ("dispatch", "registered"): "dispatched",
    ("dispatch", "returned"): "dispatched",
    ("accept", "dispatched"): "accepted",
    ("return", "dispatched"): "returned",
    ("return", "accepted"): "returned",
    ("arbitrate", "returned"): "dispatched",
    ("start", "accepted"): "in_progress",
    ("handle", "in_progress"): "handled",
    ("verify", "handled"): "verified",
    ("fail_verification", "handled"): "in_progress",
    ("close", "verified"): "closed",
}
PAIRS = list(itertools.product(ACTIONS, STATUSES))


@pytest.mark.parametrize(("action", "status"), PAIRS)
def test_every_action_from_every_status(action: str, status: str) -> None:
    expected = LEGAL.get((action, status))
    if expected is not None:
        assert transition(action, status).target == expected
        return
    with pytest.raises(Conflict) as err:
        transition(action, status)
    assert err.value.code == "illegal_transition"
    target = TRANSITIONS[action].target
    assert f"'{status}'" in err.value.detail and f"'{target}'" in err.value.detail
    assert err.value.problem()["from_status"] == status


def test_closed_and_rejected_are_final() -> None:
    for action, status in itertools.product(ACTIONS, TERMINAL):
        with pytest.raises(Conflict):
            transition(action, status)


async def test_service_refuses_every_illegal_transition(world: World) -> None:
    admin = await world.staff("admin", "admin", "D")
    case = await world.report(admin)
    calls: dict[str, Callable[[AsyncSession], Awaitable[object]]] = {
        "register": lambda s: cases.register_case(s, case.id, principal=admin.principal),
        "dispatch": lambda s: cases.dispatch_case(s, case.id, principal=admin.principal),
        "reject": lambda s: cases.reject_case(s, case.id, principal=admin.principal, reason="x"),
        "accept": lambda s: cases.accept_case(s, case.id, principal=admin.principal),
        "start": lambda s: cases.start_case(s, case.id, principal=admin.principal),
        "handle": lambda s: cases.handle_case(s, case.id, principal=admin.principal, note="x"),
        "return": lambda s: cases.return_case(s, case.id, principal=admin.principal, reason="x"),
        "verify": lambda s: cases.verify_case(s, case.id, principal=admin.principal, passed=True),
        "fail_verification": lambda s: cases.verify_case(
            s, case.id, principal=admin.principal, passed=False, note="x"
        ),
        "close": lambda s: cases.close_case(s, case.id, principal=admin.principal),
        "arbitrate": lambda s: coordination.arbitrate_case(
            s, case.id, principal=admin.principal, unit_id=world["C11-G1"].id, reason="x"
        ),
    }
    assert set(calls) == set(ACTIONS)
    for status in STATUSES:
        async with session_scope() as session:
            await session.execute(update(Case).where(Case.id == case.id).values(status=status))
        for action, call in calls.items():
            if (action, status) in LEGAL:
                continue
            with pytest.raises(Conflict) as err:
                async with session_scope() as session:
                    await call(session)
            assert err.value.code == "illegal_transition", (action, status)
    async with session_scope() as session:
        timeline = await cases.timeline(session, case)
    assert [e.action for e in timeline] == ["report"]
