"""Rules HTTP API: rules of each kind, their preview, and alarms."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from linli.core.deps import Paging
from linli.core.errors import ValidationFailed
from linli.core.pagination import page_meta
from linli.core.schemas import Key
from linli.rules import service
from linli.rules.models import ALARM_STATUSES, RULE_KINDS
from linli.rules.preview import preview_rule
from linli.rules.schemas import (
    AlarmAcknowledge,
    AlarmPage,
    AlarmRead,
    AlarmShelve,
    RuleCreate,
    RulePage,
    RulePreview,
    RuleRead,
    RuleUpdate,
    RuleVersionRead,
)
from linli.security.deps import DbSession, require
from linli.security.permissions import Principal

router = APIRouter(prefix="/api", tags=["rules"])


@router.get("/rules")
async def list_rules(
    session: DbSession,
    principal: Annotated[Principal, Depends(require("rules:read"))],
    paging: Paging,
    device_type: Key | None = None,
    kind: Annotated[Key | None, Query(description=f"one of {RULE_KINDS}")] = None,
) -> RulePage:
    """List the rules that apply within the caller's scope, by name."""
    page = await service.list_rules(
        session, principal=principal, device_type=device_type, kind=kind, paging=paging
    )
    return RulePage(items=[RuleRead.model_validate(r) for r in page.items], **page_meta(page))


@router.post("/rules", status_code=201)
async def create_rule(
    data: RuleCreate,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("rules:write"))],
) -> RuleRead:
    """Create a rule (refused with 422 if its type, metric, severity or parameters are wrong)."""
    rule = await service.create_rule(session, data=data, principal=principal)
    return RuleRead.model_validate(rule)


@router.get("/rules/{rule_id}")
async def get_rule(
    rule_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("rules:read"))],
) -> RuleRead:
    """Return one rule that applies within the caller's scope."""
    return RuleRead.model_validate(await service.get_rule(session, rule_id, principal=principal))


@router.patch("/rules/{rule_id}")
async def update_rule(
    rule_id: uuid.UUID,
    data: RuleUpdate,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("rules:write"))],
) -> RuleRead:
    """Change a rule, checked like a new one; the change is saved as the rule's next version."""
    rule = await service.get_rule(session, rule_id, principal=principal)
    rule = await service.update_rule(session, rule, data=data, principal=principal)
    return RuleRead.model_validate(rule)


@router.get("/rules/{rule_id}/versions")
async def rule_versions(
    rule_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("rules:read"))],
) -> list[RuleVersionRead]:
    """List a rule's versions, oldest first."""
    rule = await service.get_rule(session, rule_id, principal=principal)
    versions = await service.rule_versions(session, rule)
    return [RuleVersionRead.model_validate(v) for v in versions]


@router.get("/rules/{rule_id}/preview")
async def preview(
    rule_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("rules:read"))],
    days: Annotated[int, Query(ge=1, le=90)] = 7,
) -> RulePreview:
    """Count the alarms the rule would have raised on the stored readings of the last days."""
    rule = await service.get_rule(session, rule_id, principal=principal)
    if rule.kind == "composite":
        raise ValidationFailed(
            "a composite rule has no readings of its own to replay", code="preview_unsupported"
        )
    return await preview_rule(session, rule_id, days=days, principal=principal)


@router.get("/alarms")
async def list_alarms(
    session: DbSession,
    principal: Annotated[Principal, Depends(require("alarms:read"))],
    paging: Paging,
    status: Annotated[
        list[Key] | None, Query(max_length=10, description=f"any of {ALARM_STATUSES}")
    ] = None,
    open: Annotated[bool | None, Query(description="true: not cleared; false: cleared")] = None,
    device_id: uuid.UUID | None = None,
    severity: Key | None = None,
) -> AlarmPage:
    """List alarms in the caller's scope, newest first."""
    page = await service.list_alarms(
        session,
        principal=principal,
        statuses=status or (),
        open=open,
        device_id=device_id,
        severity=severity,
        paging=paging,
    )
    return AlarmPage(items=[AlarmRead.model_validate(a) for a in page.items], **page_meta(page))


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


@router.post("/alarms/{alarm_id}/shelve")
async def shelve_alarm(
    alarm_id: uuid.UUID,
    data: AlarmShelve,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("alarms:write"))],
) -> AlarmRead:
    """Silence an open alarm until a time; it still clears when the readings recover."""
    alarm = await service.get_alarm(session, alarm_id, principal=principal)
    alarm = await service.shelve_alarm(
        session, alarm, until=data.until, note=data.note, principal=principal
    )
    return AlarmRead.model_validate(alarm)
