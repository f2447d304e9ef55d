"""Rules, their evaluation on ingest batches and absence sweeps, and the alarms they raise.

Functions taking `principal` check and scope by it; `principal=None` means a trusted system
caller.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import ColumnElement, and_, or_, true
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import Conflict, NotFound, ValidationFailed
from linli.core.ids import new_id
from linli.core.pagination import Page, PageQuery, keyset_page
from linli.iot.events import ReadingsStored
from linli.iot.models import Device
from linli.org import service as org_service
from linli.rules import case_policy, composite, engine, evaluation, repository, schedule
from linli.rules.events import AlarmChanged
from linli.rules.models import SEVERITIES, Alarm, Rule, RuleVersion
from linli.rules.schemas import RuleCreate, RuleUpdate
from linli.security import audit
from linli.security.permissions import Principal, actor_of

check_rule = engine.check_rule
evaluate = evaluation.evaluate
sweep_absence = evaluation.sweep_absence
Sample = evaluation.Sample


async def evaluate_readings(session: AsyncSession, batch: ReadingsStored) -> None:
    """Evaluate the device's rules on a stored batch of new readings (the pipeline's consumer)."""
    await evaluation.evaluate(session, device=batch.device, samples=batch.readings)


# --- rules -----------------------------------------------------------------------------------


async def create_rule(
    session: AsyncSession, *, data: RuleCreate, principal: Principal | None = None
) -> Rule:
    """Check and save a rule applying to every device of its type inside the scope's subtree."""
    scope = await org_service.get_unit(session, data.scope_unit_id)
    data, params = await _checked(session, data, scope_path=scope.path, principal=principal)
    if data.case_category is not None:
        from linli.cases import service as cases_service

        await cases_service.get_category(session, data.case_category)  # unknown_category, 422
    if principal is not None:
        principal.require("rules:write", scope.path)
    rule = Rule(
        **data.model_dump(exclude={"params"}),
        params=params,
        scope_path=scope.path,
        created_by=actor_of(principal),
    )
    session.add(rule)
    await session.flush()
    await _new_version(session, rule, "rule.create", principal)
    return rule


async def update_rule(
    session: AsyncSession, rule: Rule, *, data: RuleUpdate, principal: Principal | None = None
) -> Rule:
    """Check the changed rule like a new one and save it as its next version."""
    if principal is not None:
        principal.require("rules:write", rule.scope_path)
    changes = data.model_dump(exclude_unset=True)
    if not changes:
        return rule
    current = {f: getattr(rule, f) for f in RuleCreate.model_fields}
    try:
        merged = RuleCreate.model_validate({**current, **changes})
    except ValidationError as err:
        raise ValidationFailed(str(err.errors()[0]["msg"]), code="validation_failed") from err
    merged, params = await _checked(
        session, merged, scope_path=rule.scope_path, rule_id=rule.id, principal=principal
    )
    if merged.case_category is not None and merged.case_category != rule.case_category:
        from linli.cases import service as cases_service

        await cases_service.get_category(session, merged.case_category)
    for name in (
        "name",
        "metric",
        "severity",
        "case_category",
        "flap_seconds",
        "active",
        "schedule",
        "case_policy",
    ):
        setattr(rule, name, getattr(merged, name))
    rule.params = params
    rule.version += 1
    # A breach pending under the old definition is not one under the new.
    await repository.forget_states(session, rule.id)
    await session.flush()
    await _new_version(session, rule, "rule.update", principal)
    return rule


async def _checked(
    session: AsyncSession,
    data: RuleCreate,
    *,
    scope_path: str,
    rule_id: uuid.UUID | None = None,
    principal: Principal | None = None,
) -> tuple[RuleCreate, dict[str, Any]]:
    """Return the rule with its schedule and case policy normalised, and its checked params."""
    changes: dict[str, Any] = {
        "schedule": schedule.check_schedule(data.schedule),
        "case_policy": case_policy.resolve(data.case_policy, data.case_category),
    }
    if data.kind != "composite":
        return data.model_copy(update=changes), engine.check_rule(data)
    if data.severity not in SEVERITIES:
        raise ValidationFailed(
            f"unknown severity '{data.severity}'", code="unknown_severity", severities=SEVERITIES
        )
    params = await composite.check_definition(
        session, raw=data.params, scope_path=scope_path, rule_id=rule_id, principal=principal
    )
    changes |= {"device_type": "composite", "metric": None}
    return data.model_copy(update=changes), params


def describe(rule: Rule) -> str:
    """Return the rule's condition in words, schedule included."""
    when = composite.describe(rule) if rule.kind == "composite" else engine.describe(rule)
    if rule.schedule:
        when += f", only {schedule.describe(rule.schedule)}"
    return when


async def _new_version(
    session: AsyncSession, rule: Rule, action: str, principal: Principal | None
) -> None:
    session.add(
        RuleVersion(
            id=new_id(),
            rule_id=rule.id,
            version=rule.version,
            name=rule.name,
            metric=rule.metric,
            params=rule.params,
            severity=rule.severity,
            case_category=rule.case_category,
            flap_seconds=rule.flap_seconds,
            active=rule.active,
            changed_by=actor_of(principal),
            schedule=rule.schedule,
            case_policy=rule.case_policy,
        )
    )
    await session.flush()
    await audit.record(
        session,
        actor=actor_of(principal),
        action=action,
        target_type="rule",
        target_id=str(rule.id),
        org_path=rule.scope_path,
        detail={
            "name": rule.name,
            "kind": rule.kind,
            "version": rule.version,
            "when": describe(rule),
        },
    )


async def rule_versions(session: AsyncSession, rule: Rule) -> list[RuleVersion]:
    """Return every version of a rule, oldest first."""
    return await repository.versions(session, rule.id)


def _above(principal: Principal) -> set[str]:
    """Return the paths of every unit on the way down to the principal's `rules:read` grants."""
    return {
        "/" + "/".join(parts[: n + 1]) + "/"
        for path in principal.paths_for("rules:read")
        for parts in [path.strip("/").split("/")]
        for n in range(len(parts))
    }


def _rules_visible(principal: Principal | None) -> ColumnElement[bool]:
    if principal is None:
        return true()
    # A rule is visible inside the granted subtrees, and so is one set above them that applies.
    return or_(
        principal.scope("rules:read", Rule.scope_path),
        Rule.scope_path.in_(sorted(_above(principal))),
    )


async def list_rules(
    session: AsyncSession,
    *,
    principal: Principal | None,
    device_type: str | None = None,
    kind: str | None = None,
    paging: PageQuery = PageQuery(),
) -> Page[Rule]:
    """Return a page of the rules that apply within the principal's scope, by name."""
    where = _rules_visible(principal)
    if kind is not None:
        where = and_(where, Rule.kind == kind)
    stmt = repository.rules(where, device_type=device_type)
    return await keyset_page(session, stmt, repository.RULE_ORDER, paging)


async def get_rule(
    session: AsyncSession, rule_id: uuid.UUID, *, principal: Principal | None = None
) -> Rule:
    """Return a rule that applies within the principal's scope, or raise NotFound."""
    rule = await session.get(Rule, rule_id)
    if rule is None or (
        principal is not None
        and not principal.can("rules:read", rule.scope_path)
        and rule.scope_path not in _above(principal)
    ):
        raise NotFound("rule not found", code="rule_not_found")
    return rule


# --- alarms ----------------------------------------------------------------------------------


async def list_alarms(
    session: AsyncSession,
    *,
    principal: Principal | None,
    statuses: Sequence[str] = (),
    open: bool | None = None,
    device_id: uuid.UUID | None = None,
    severity: str | None = None,
    paging: PageQuery = PageQuery(),
) -> Page[Alarm]:
    """Return a page of the alarms the principal may read, newest first."""
    where = true() if principal is None else principal.scope("alarms:read", Alarm.org_path)
    stmt = repository.alarms(
        where, statuses=statuses, open=open, device_id=device_id, severity=severity
    )
    return await keyset_page(session, stmt, repository.ALARM_ORDER, paging)


async def get_alarm(
    session: AsyncSession, alarm_id: uuid.UUID, *, principal: Principal | None = None
) -> Alarm:
    """Return an alarm the principal may read, or raise NotFound."""
    alarm = await session.get(Alarm, alarm_id)
    if alarm is None or (
        principal is not None and not principal.can("alarms:read", alarm.org_path)
    ):
        raise NotFound("alarm not found", code="alarm_not_found")
    return alarm


async def acknowledge_alarm(
    session: AsyncSession, alarm: Alarm, *, note: str = "", principal: Principal | None = None
) -> Alarm:
    """Mark an active alarm as seen by a person; it stays open until the readings clear it."""
    if principal is not None:
        principal.require("alarms:write", alarm.org_path)
    if alarm.status != "active":
        raise Conflict(f"the alarm is {alarm.status}, not active", code="alarm_not_active")
    alarm.status = "acknowledged"
    alarm.acknowledged_at = clock.now()
    alarm.acknowledged_by = actor_of(principal)
    alarm.ack_note = note or None
    await _changed(session, alarm, "alarm.acknowledge", {"note": note} if note else None, principal)
    return alarm


async def shelve_alarm(
    session: AsyncSession,
    alarm: Alarm,
    *,
    until: datetime,
    note: str = "",
    principal: Principal | None = None,
) -> Alarm:
    """Silence an open alarm until `until`; it still clears (and says so) when readings recover."""
    if principal is not None:
        principal.require("alarms:write", alarm.org_path)
    if alarm.status == "cleared":
        raise Conflict("the alarm is cleared", code="alarm_cleared")
    if until.tzinfo is None:
        raise ValidationFailed("'until' needs a time zone", code="naive_datetime")
    if until <= clock.now():
        raise ValidationFailed("'until' must be in the future", code="bad_shelve_until")
    if until > clock.now() + timedelta(days=30):
        raise ValidationFailed("an alarm is shelved for 30 days at most", code="bad_shelve_until")
    detail = {"until": until.isoformat(), **({"note": note} if note else {})}
    await _changed(session, alarm, "alarm.shelve", detail, principal)
    alarm.shelved_until = until  # after the event: subscribers learn that it went quiet
    await session.flush()
    return alarm


async def _changed(
    session: AsyncSession,
    alarm: Alarm,
    action: str,
    detail: dict[str, str] | None,
    principal: Principal | None,
) -> None:
    await session.flush()
    await audit.record(
        session,
        actor=actor_of(principal),
        action=action,
        target_type="alarm",
        target_id=str(alarm.id),
        org_path=alarm.org_path,
        detail=detail,
    )
    device = await session.get(Device, alarm.device_id)
    assert device is not None
    evaluation.publish(session, AlarmChanged, alarm, device)
