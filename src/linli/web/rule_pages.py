"""Rule pages: the list (`/rules`) and a form per kind (`/rules/new`, `/rules/{id}/edit`) with the
API's own validation shown next to each field, a preview, and the version history."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.errors import LinliError
from linli.core.pagination import PageQuery
from linli.iot.types import DEVICE_TYPES
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.rules import service
from linli.rules.models import CASE_POLICIES, OPS, RULE_KINDS, SEVERITIES, Alarm, Rule
from linli.rules.preview import preview_rule
from linli.rules.schemas import RuleCreate, RulePreview, RuleUpdate
from linli.security import people as people_service
from linli.security.deps import DbSession, require_page
from linli.security.permissions import Principal
from linli.web.frame import page_context, viewer_timezone
from linli.web.paging import PageCursor, pager
from linli.web.templating import page_locale, render

router = APIRouter(include_in_schema=False)

Reader = Annotated[Principal, Depends(require_page("rules:read"))]
Writer = Annotated[Principal, Depends(require_page("rules:write"))]
PAGE = 50
SCOPE_KINDS = ("district", "street", "community", "town", "zone")
PARAM_FIELDS: dict[str, tuple[str, ...]] = {
    "threshold": ("op", "threshold", "clear_threshold", "for_seconds"),
    "rate": ("per_minute", "window_seconds"),
    "absence": ("silent_seconds",),
    "composite": ("op", "members", "within", "window_seconds"),
    "anomaly": ("threshold", "warmup_points", "clear_below"),
}
# Which form field a service error code is about (the rest are shown above the form).
FIELD_OF_CODE = {
    "unknown_device_type": "device_type",
    "unknown_metric": "metric",
    "metric_required": "metric",
    "unknown_severity": "severity",
    "unknown_op": "p_op",
    "bad_clear_threshold": "p_clear_threshold",
    "bad_rate": "p_per_minute",
    "bad_clear_below": "p_clear_below",
    "too_few_members": "p_members",
    "unknown_member": "p_members",
    "inactive_member": "p_members",
    "member_out_of_scope": "p_members",
    "incompatible_scope": "p_members",
    "duplicate_member": "p_members",
    "rule_cycle": "p_members",
    "case_category_required": "case_category",
    "unknown_category": "case_category",
    "unknown_unit": "scope_unit_id",
}


@router.get("/rules")
async def rules_page(
    request: Request,
    principal: Reader,
    session: DbSession,
    kind: str = "",
    device_type: str = "",
    cursor: PageCursor = None,
) -> Response:
    """List the rules that apply in my scope, with their open alarms; filter by kind or type."""
    locale = page_locale(request, principal.locale)
    page = await service.list_rules(
        session,
        principal=principal,
        kind=kind or None,
        device_type=device_type or None,
        paging=PageQuery(cursor=cursor, limit=PAGE, count=True),
    )
    return render(
        request,
        "rules.html",
        locale=locale,
        timezone=await viewer_timezone(session, principal),
        items=page.items,
        total=page.total or 0,
        total_capped=page.total_capped,
        pages=pager(request, page, locale=locale),
        open_alarms=await _open_alarms(session, principal, [r.id for r in page.items]),
        kind=kind,
        device_type=device_type,
        kinds=RULE_KINDS,
        device_types=sorted(DEVICE_TYPES),
        can_write=principal.has("rules:write"),
        active="rules",
        **page_context(principal),
    )


async def _open_alarms(
    session: AsyncSession, principal: Principal, rule_ids: list[uuid.UUID]
) -> dict[uuid.UUID, int]:
    if not rule_ids or not principal.has("alarms:read"):
        return {}
    rows = await session.execute(
        select(Alarm.rule_id, func.count())
        .where(
            Alarm.rule_id.in_(rule_ids),
            Alarm.status != "cleared",
            principal.scope("alarms:read", Alarm.org_path),
        )
        .group_by(Alarm.rule_id)
    )
    return {rule_id: int(count) for rule_id, count in rows}


def _defaults(kind: str, scope: OrgUnit | None) -> dict[str, Any]:
    defaults: dict[str, dict[str, Any]] = {
        "threshold": {"op": ">", "for_seconds": 0},
        "rate": {"window_seconds": 3600},
        "absence": {"silent_seconds": 3600},
        "composite": {"op": "all", "members": [], "within": "building", "window_seconds": 600},
        "anomaly": {"threshold": 0.75, "warmup_points": 300},
    }
    params = defaults[kind]
    return {
        "name": "",
        "kind": kind,
        "device_type": "" if kind != "composite" else "composite",
        "metric": "",
        "scope_unit_id": str(scope.id) if scope else "",
        "severity": "major",
        "case_category": "",
        "case_policy": "",
        "flap_seconds": 0,
        "active": True,
        "params": params,
        "schedule": None,
    }


def _values_of(rule: Rule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "kind": rule.kind,
        "device_type": rule.device_type,
        "metric": rule.metric or "",
        "scope_unit_id": str(rule.scope_unit_id),
        "severity": rule.severity,
        "case_category": rule.case_category or "",
        "case_policy": rule.case_policy or "",
        "flap_seconds": rule.flap_seconds,
        "active": rule.active,
        "params": dict(rule.params),
        "schedule": rule.schedule,
    }


def _text(form: Any, name: str) -> str | None:
    value = form.get(name)
    return value.strip() or None if isinstance(value, str) else None


def _values_from(form: Any, kind: str) -> dict[str, Any]:
    """Return the form as the values of a rule (strings are parsed by the API's schemas)."""
    params: dict[str, Any] = {}
    for name in PARAM_FIELDS[kind]:
        if name == "members":
            params[name] = [m for m in form.getlist("p_members") if m]
        elif (value := _text(form, f"p_{name}")) is not None:
            params[name] = value
    schedule: dict[str, Any] | None = None
    if _text(form, "s_start") or _text(form, "s_end"):
        schedule = {
            "tz": _text(form, "s_tz") or "UTC",
            "days": [d for d in form.getlist("s_days") if d],
            "start": _text(form, "s_start") or "",
            "end": _text(form, "s_end") or "",
        }
    return {
        "name": _text(form, "name") or "",
        "kind": kind,
        "device_type": _text(form, "device_type") or "",
        "metric": _text(form, "metric") or "",
        "scope_unit_id": _text(form, "scope_unit_id") or "",
        "severity": _text(form, "severity") or "major",
        "case_category": _text(form, "case_category") or "",
        "case_policy": _text(form, "case_policy") or "",
        "flap_seconds": _text(form, "flap_seconds") or "0",
        "active": form.get("active") == "1",
        "params": params,
        "schedule": schedule,
    }


def _payload(values: dict[str, Any]) -> dict[str, Any]:
    """Return the form's values as the JSON body the API would take."""
    body = {k: v for k, v in values.items() if v != ""}
    if values["kind"] == "composite":
        body.pop("device_type", None)
    return body


def _field_errors(err: ValidationError | LinliError) -> dict[str, str]:
    """Map a validation failure to the form fields it is about ("form" for the rest)."""
    found: dict[str, str] = {}
    if isinstance(err, ValidationError):
        for e in err.errors(include_url=False):
            found.setdefault(str(e["loc"][0]) if e["loc"] else "form", e["msg"])
        return found
    nested = err.extra.get("errors") if isinstance(err.extra.get("errors"), list) else None
    if err.code in ("bad_params", "bad_schedule") and nested:
        prefix = "p_" if err.code == "bad_params" else "s_"
        for e in nested:
            field = str(e.get("field", "")).split(".")[0]
            found.setdefault(prefix + field if field else "form", str(e.get("message")))
        return found
    found[FIELD_OF_CODE.get(err.code, "form")] = err.detail
    return found


async def _scopes(session: AsyncSession, principal: Principal) -> list[OrgUnit]:
    """Return the units the principal may set rules for (not grids: too many to list)."""
    found: dict[uuid.UUID, OrgUnit] = {}
    for grant in principal.grants:
        try:
            unit = await org_service.get_unit(session, grant.unit_id)
        except LinliError:
            continue
        if principal.can("rules:write", unit.path):
            for u in await org_service.subtree(session, unit, kinds=SCOPE_KINDS):
                found.setdefault(u.id, u)
    return sorted(found.values(), key=lambda u: u.path)


async def _render_form(
    request: Request,
    principal: Principal,
    session: AsyncSession,
    *,
    values: dict[str, Any],
    rule: Rule | None = None,
    errors: dict[str, str] | None = None,
    saved: bool = False,
    preview: RulePreview | None = None,
    status_code: int = 200,
) -> Response:
    from linli.cases import service as cases_service

    editable = (
        principal.can("rules:write", rule.scope_path)
        if rule is not None
        else principal.has("rules:write")
    )
    members = await service.list_rules(session, principal=principal, paging=PageQuery(limit=200))
    versions = await service.rule_versions(session, rule) if rule is not None else []
    return render(
        request,
        "rule_form.html",
        locale=page_locale(request, principal.locale),
        timezone=await viewer_timezone(session, principal),
        status_code=status_code,
        rule=rule,
        values=values,
        errors=errors or {},
        saved=saved,
        editable=editable,
        preview=preview,
        versions=versions,
        people=await people_service.people(session, actors=[v.changed_by for v in versions]),
        scopes=await _scopes(session, principal) if editable and rule is None else [],
        scope_unit=await org_service.get_unit(session, rule.scope_unit_id) if rule else None,
        kinds=RULE_KINDS,
        ops=OPS,
        severities=SEVERITIES,
        policies=CASE_POLICIES,
        device_types=DEVICE_TYPES,
        categories=await cases_service.list_categories(session),
        member_rules=[m for m in members.items if rule is None or m.id != rule.id],
        weekdays=range(7),
        active="rules",
        **page_context(principal),
    )


@router.get("/rules/new")
async def new_rule_page(
    request: Request, principal: Writer, session: DbSession, kind: str = "threshold"
) -> Response:
    """Show an empty form for a rule of `kind`."""
    kind = kind if kind in RULE_KINDS else "threshold"
    scopes = await _scopes(session, principal)
    values = _defaults(kind, scopes[0] if scopes else None)
    return await _render_form(request, principal, session, values=values)


@router.post("/rules/new")
async def create_rule(request: Request, principal: Writer, session: DbSession) -> Response:
    """Save a new rule; a refused field shows the form again with the reason beside it."""
    form = await request.form()
    kind = _text(form, "kind") or "threshold"
    kind = kind if kind in RULE_KINDS else "threshold"
    values = _values_from(form, kind)
    try:
        data = RuleCreate.model_validate(_payload(values))
        rule = await service.create_rule(session, data=data, principal=principal)
    except (ValidationError, LinliError) as err:
        if isinstance(err, LinliError) and err.status not in (400, 422):
            raise
        return await _render_form(
            request, principal, session, values=values, errors=_field_errors(err), status_code=422
        )
    return RedirectResponse(f"/rules/{rule.id}/edit?saved=1", status_code=303)


@router.get("/rules/{rule_id}/edit")
async def edit_rule_page(
    request: Request,
    rule_id: uuid.UUID,
    principal: Reader,
    session: DbSession,
    saved: bool = False,
    preview: bool = False,
) -> Response:
    """Show a rule (a form if I may change it), its versions and, on request, its preview."""
    rule = await service.get_rule(session, rule_id, principal=principal)
    shown = None
    if preview and rule.kind != "composite":
        shown = await preview_rule(session, rule.id, days=7, principal=principal)
    return await _render_form(
        request, principal, session, values=_values_of(rule), rule=rule, saved=saved, preview=shown
    )


@router.post("/rules/{rule_id}/edit")
async def update_rule(
    request: Request, rule_id: uuid.UUID, principal: Writer, session: DbSession
) -> Response:
    """Save a change to a rule as its next version; a refused field shows the form again."""
    rule = await service.get_rule(session, rule_id, principal=principal)
    form = await request.form()
    values = _values_from(form, rule.kind)
    values["device_type"], values["scope_unit_id"] = rule.device_type, str(rule.scope_unit_id)
    body = _payload(values)
    changes = {k: body.get(k) for k in RuleUpdate.model_fields}
    try:
        data = RuleUpdate.model_validate(changes)
        await service.update_rule(session, rule, data=data, principal=principal)
    except (ValidationError, LinliError) as err:
        if isinstance(err, LinliError) and err.status not in (400, 422):
            raise
        return await _render_form(
            request,
            principal,
            session,
            values=values,
            rule=rule,
            errors=_field_errors(err),
            status_code=422,
        )
    return RedirectResponse(f"/rules/{rule.id}/edit?saved=1", status_code=303)
