"""The case state machine as a table: which action moves a case from which states to which."""

from __future__ import annotations

from dataclasses import dataclass

from linli.core.errors import Conflict

STATUSES = (
    "reported",
    "registered",
    "dispatched",
    "accepted",
    "in_progress",
    "handled",
    "verified",
    "closed",
    "rejected",
    "returned",
)
TERMINAL = frozenset({"closed", "rejected"})
SOURCES = ("alarm", "resident", "patrol", "hotline", "staff")
STEPS = ("register", "dispatch", "accept", "handle", "verify")

# The step whose clock runs while a case waits in a status; statuses not listed run no clock.
STEP_OF_STATUS: dict[str, str] = {
    "reported": "register",
    "registered": "dispatch",
    "returned": "dispatch",
    "dispatched": "accept",
    "accepted": "handle",
    "in_progress": "handle",
    "handled": "verify",
}

# In the town profile these sources are registered and dispatched on arrival, by the system.
AUTO_DISPATCH: dict[str, frozenset[str]] = {
    "grid": frozenset(),
    "town": frozenset({"resident", "alarm"}),
}


@dataclass(frozen=True, slots=True)
class Transition:
    """One row of the table.

    `assigned_scope`: the permission may be held on the case's assigned unit as well as on the
    unit where it happened. `reason_required`: the note must say why.
    """

    action: str
    sources: frozenset[str]
    target: str
    permission: str
    assigned_scope: bool = False
    reason_required: bool = False


TABLE: tuple[Transition, ...] = (
    Transition("register", frozenset({"reported"}), "registered", "cases:register"),
    Transition("dispatch", frozenset({"registered", "returned"}), "dispatched", "cases:dispatch"),
    Transition(
        "reject",
        frozenset({"reported", "registered"}),
        "rejected",
        "cases:register",
        reason_required=True,
    ),
    Transition("accept", frozenset({"dispatched"}), "accepted", "cases:handle", True),
    Transition("start", frozenset({"accepted"}), "in_progress", "cases:handle", True),
    Transition("handle", frozenset({"in_progress"}), "handled", "cases:handle", True, True),
    Transition(
        "return",
        frozenset({"dispatched", "accepted"}),
        "returned",
        "cases:handle",
        assigned_scope=True,
        reason_required=True,
    ),
    # The level above the supervisor rules who is responsible after a return; the ruling binds.
    Transition(
        "arbitrate",
        frozenset({"returned"}),
        "dispatched",
        "cases:arbitrate",
        reason_required=True,
    ),
    Transition("verify", frozenset({"handled"}), "verified", "cases:verify", True),
    Transition(
        "fail_verification",
        frozenset({"handled"}),
        "in_progress",
        "cases:verify",
        assigned_scope=True,
        reason_required=True,
    ),
    Transition("close", frozenset({"verified"}), "closed", "cases:close", True),
)
TRANSITIONS: dict[str, Transition] = {t.action: t for t in TABLE}
ACTIONS = tuple(TRANSITIONS)


def transition(action: str, status: str) -> Transition:
    """Return the row for `action` from `status`, or raise Conflict(illegal_transition)."""
    row = TRANSITIONS.get(action)
    if row is None:
        raise Conflict(f"unknown case action '{action}'", code="unknown_action")
    if status not in row.sources:
        raise Conflict(
            f"cannot {action} a case that is '{status}' (allowed from: "
            f"{', '.join(sorted(row.sources))}; it would become '{row.target}')",
            code="illegal_transition",
            action=action,
            from_status=status,
            to_status=row.target,
        )
    return row


def step_for(status: str) -> str | None:
    """Return the step whose clock runs in `status` (None: no clock)."""
    return STEP_OF_STATUS.get(status)
