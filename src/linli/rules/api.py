"""Rules HTTP API: threshold rules and alarms."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from linli.rules import service
from linli.rules.models import ALARM_STATUSES
from linli.rules.schemas import (
    AlarmAcknowledge,
    AlarmPage,
    AlarmRead,
    RuleCreate,
    RulePage,
    RuleRead,
)
from linli.security.deps import DbSession, require
from linli.security.permissions import Principal

router = APIRouter(prefix="/api", tags=["rules"])

Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0)]


@router.get("/rules")
async def list_rules(
    session: DbSession,
    principal: Annotated[Principal, Depends(require("rules:read"))],
    device_type: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> RulePage:
    """List the threshold rules that apply within the caller's scope."""
    items, total = await service.list_rules(
        session, principal=principal, device_type=device_type, limit=limit, offset=offset
    )
    return RulePage(items=[RuleRead.model_validate(r) for r in items], total=total)


@router.post("/rules", status_code=201)
async def create_rule(
    data: RuleCreate,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("rules:write"))],
) -> RuleRead:
    """Create a threshold rule (refused with 422 if type, metric, op or severity is unknown)."""
    rule = await service.create_rule(session, data=data, principal=principal)
    return RuleRead.model_validate(rule)


@router.get("/alarms")
async def list_alarms(
    session: DbSession,
    principal: Annotated[Principal, Depends(require("alarms:read"))],
    status: Annotated[list[str] | None, Query(description=f"any of {ALARM_STATUSES}")] = None,
    open: Annotated[bool | None, Query(description="true: not cleared; false: cleared")] = None,
    device_id: uuid.UUID | None = None,
    severity: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> AlarmPage:
    """List alarms in the caller's scope, newest first."""
    items, total = await service.list_alarms(
        session,
        principal=principal,
        statuses=status or (),
        open=open,
        device_id=device_id,
        severity=severity,
        limit=limit,
        offset=offset,
    )
    return AlarmPage(items=[AlarmRead.model_validate(a) for a in items], total=total)


@router.get("/alarms/{alarm_id}")
async def get_alarm(
    alarm_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("alarms:read"))],
) -> AlarmRead:
    """Return one alarm."""
    return AlarmRead.model_validate(await service.get_alarm(session, alarm_id, principal=principal))


@router.post("/alarms/{alarm_id}/acknowledge")
async def acknowledge_alarm(
    alarm_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("alarms:write"))],
    data: AlarmAcknowledge | None = None,
) -> AlarmRead:
    """Acknowledge an active alarm, with an optional note."""
    alarm = await service.get_alarm(session, alarm_id, principal=principal)
    note = data.note if data else ""
    alarm = await service.acknowledge_alarm(session, alarm, note=note, principal=principal)
    return AlarmRead.model_validate(alarm)
