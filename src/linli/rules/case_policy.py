"""Per-rule case policy: what a new alarm does about cases.

* `open` — open a case per alarm (the behaviour before policies existed);
* `attach` — join the open case of the same category at the same place (the device's place,
  else its building, else its org unit) that another alarm already opened or joined, with a
  timeline entry on it; open one if there is none;
* `none` — no case.

A rule with a category and no policy means `open`; `open` and `attach` need a category. An
attached alarm carries the case's id, so its clearing is recorded on that case.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.errors import ValidationFailed
from linli.iot.models import Device
from linli.rules import titles
from linli.rules.models import Alarm, Rule

OpenCase = Callable[..., Awaitable[uuid.UUID | None]]


def resolve(policy: str | None, case_category: str | None) -> str:
    """Return the effective policy, or raise ValidationFailed if it needs a missing category."""
    effective = policy or ("open" if case_category else "none")
    if effective in ("open", "attach") and not case_category:
        raise ValidationFailed(
            f"case policy '{effective}' needs a case category",
            code="case_category_required",
            errors=[{"field": "case_category", "message": "required by the case policy"}],
        )
    return effective


async def case_for(
    session: AsyncSession, *, alarm: Alarm, rule: Rule, device: Device, open_case: OpenCase
) -> uuid.UUID | None:
    """Return the case a new alarm belongs to under its rule's policy (opened if need be)."""
    policy = rule.case_policy or ("open" if rule.case_category else "none")
    if policy == "none" or not rule.case_category:
        return None
    if policy == "attach":
        found = await _open_case_nearby(session, alarm=alarm, rule=rule, device=device)
        if found is not None:
            await _record_attached(session, found, alarm=alarm, rule=rule, device=device)
            return found
    if rule.kind == "composite":  # no single reading to check the category against
        return await titles.open_alarm_case(session, alarm=alarm, rule=rule, device=device)
    return await open_case(session, alarm=alarm, rule=rule, device=device)


async def _open_case_nearby(
    session: AsyncSession, *, alarm: Alarm, rule: Rule, device: Device
) -> uuid.UUID | None:
    """Return the newest open case of the rule's category holding an alarm from the same place."""
    from linli.cases import service as cases_service

    if device.place_id is not None:
        same = Device.place_id == device.place_id
    elif device.building_id is not None:
        same = Device.building_id == device.building_id
    else:
        same = Device.org_unit_id == device.org_unit_id
    stmt = (
        select(Alarm.case_id)
        .join(Device, Device.id == Alarm.device_id)
        .where(same, Alarm.id != alarm.id, Alarm.case_id.is_not(None))
        .distinct()
    )
    candidates = [c for c in (await session.scalars(stmt)).all() if c is not None]
    assert rule.case_category is not None
    return await cases_service.newest_open_case(
        session, candidates, category_code=rule.case_category
    )


async def _record_attached(
    session: AsyncSession, case_id: uuid.UUID, *, alarm: Alarm, rule: Rule, device: Device
) -> None:
    """Add an `alarm_attached` entry to the case's timeline (the case itself does not move)."""
    from linli.cases import service as cases_service

    detail: dict[str, Any] = {
        "alarm_id": str(alarm.id),
        "rule": rule.name,
        "device_code": device.code,
        "value": alarm.value,
    }
    note, params = await titles.attached_note(session, alarm=alarm, rule=rule, device=device)
    detail["text_key"], detail["text_params"] = titles.ALARM, params
    await cases_service.record_alarm_attached(session, case_id=case_id, note=note, detail=detail)
