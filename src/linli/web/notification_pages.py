"""My notifications (`/inbox`), how I want to be told (`/preferences`), and an incident's list
of residents to phone or visit (`/incidents/{id}/notices/print`)."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import i18n
from linli.core.pagination import PageQuery
from linli.rules.models import SEVERITIES
from linli.rules.notifications import account_language, reach, routing, service
from linli.rules.notifications.models import CHANNELS, NotificationPreference
from linli.rules.notifications.schemas import PreferenceUpdate, PushSubscription
from linli.security.deps import DbSession, require_page
from linli.security.permissions import Principal
from linli.web.frame import page_context, viewer_timezone
from linli.web.paging import PageCursor, count_label, pager
from linli.web.templating import page_locale, render

router = APIRouter(include_in_schema=False)

Staff = Annotated[Principal, Depends(require_page("alarms:read"))]
PAGE = 50


@router.get("/inbox")
async def inbox_page(
    request: Request,
    principal: Staff,
    session: DbSession,
    unread: bool = False,
    cursor: PageCursor = None,
) -> Response:
    """Show my notifications, newest first; new ones arrive live."""
    locale = page_locale(request, principal.locale)
    page, unread_count, unread_capped = await service.inbox(
        session, principal=principal, unread=unread, paging=PageQuery(cursor=cursor, limit=PAGE)
    )
    return render(
        request,
        "inbox.html",
        locale=locale,
        timezone=await viewer_timezone(session, principal),
        items=page.items,
        unread=unread,
        unread_count=unread_count,
        unread_capped=unread_capped,
        unread_label=count_label(unread_count, unread_capped, locale),
        pages=pager(request, page, locale=locale),
        active="inbox",
        **page_context(principal),
    )


@router.post("/inbox/read-all")
async def inbox_read_all(principal: Staff, session: DbSession) -> Response:
    """Mark all my notifications as read."""
    await service.mark_all_read(session, principal=principal)
    return RedirectResponse("/inbox", status_code=303)


@router.post("/inbox/{notification_id}/read")
async def inbox_read(notification_id: uuid.UUID, principal: Staff, session: DbSession) -> Response:
    """Mark one of my notifications as read."""
    await service.mark_read(session, notification_id, principal=principal)
    return RedirectResponse("/inbox", status_code=303)


def _form_values(pref: NotificationPreference | None, locale: str) -> dict[str, Any]:
    view = service.preference_view(pref)
    channels = {
        s: (view.channels.get(s) or routing.DEFAULT_CHANNELS.get(s, ["inapp"])) for s in SEVERITIES
    }
    return {
        "channels": channels,
        "timezone": view.timezone or "",
        "quiet_start": view.quiet_start or "",
        "quiet_end": view.quiet_end or "",
        "email": view.email or "",
        "phone": view.phone or "",
        "language": locale,
        "push_endpoint": view.push_endpoint,
    }


async def _render_preferences(
    request: Request,
    principal: Principal,
    session: AsyncSession,
    *,
    values: dict[str, Any],
    errors: list[str] | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "preferences.html",
        locale=page_locale(request, principal.locale),
        timezone=await viewer_timezone(session, principal),
        status_code=status_code,
        values=values,
        errors=errors or [],
        saved=saved,
        severities=SEVERITIES,
        channels=CHANNELS,
        language_names=i18n.NATIVE_NAMES,
        active="preferences",
        **page_context(principal),
    )


@router.get("/preferences")
async def preferences_page(
    request: Request, principal: Staff, session: DbSession, saved: bool = False
) -> Response:
    """Show how I want to be told: channels per severity, quiet hours, language, addresses."""
    pref = await service.get_preferences(session, principal=principal)
    values = _form_values(pref, i18n.normalise(principal.locale) or "en")
    return await _render_preferences(request, principal, session, values=values, saved=saved)


def _text(form: Any, name: str) -> str | None:
    value = form.get(name)
    return value.strip() or None if isinstance(value, str) else None


def _push_of(form: Any, pref: NotificationPreference | None) -> PushSubscription | None:
    """Return the push subscription to keep: a new one from the page, else the stored one."""
    if form.get("push_remove"):
        return None
    sent = _text(form, "push")
    if sent:
        return PushSubscription.model_validate(json.loads(sent))
    if pref is not None and pref.push_endpoint and pref.push_p256dh and pref.push_auth:
        keys = {"p256dh": pref.push_p256dh, "auth": pref.push_auth}
        return PushSubscription(endpoint=pref.push_endpoint, keys=keys)
    return None


@router.post("/preferences")
async def save_preferences(request: Request, principal: Staff, session: DbSession) -> Response:
    """Save the preferences form; a bad field shows the form again with what was wrong."""
    form = await request.form()
    pref = await service.get_preferences(session, principal=principal)
    channels = {
        s: ["inapp", *[c for c in form.getlist(f"ch_{s}") if c in CHANNELS and c != "inapp"]]
        for s in SEVERITIES
    }
    language = _text(form, "language") or principal.locale
    values: dict[str, Any] = {
        "channels": channels,
        "timezone": _text(form, "timezone") or "",
        "quiet_start": _text(form, "quiet_start") or "",
        "quiet_end": _text(form, "quiet_end") or "",
        "email": _text(form, "email") or "",
        "phone": _text(form, "phone") or "",
        "language": language,
        "push_endpoint": pref.push_endpoint if pref else None,
    }
    try:
        data = PreferenceUpdate(
            channels=channels,  # checked against CHANNELS above
            timezone=_text(form, "timezone"),
            quiet_start=_text(form, "quiet_start"),
            quiet_end=_text(form, "quiet_end"),
            email=_text(form, "email"),
            phone=_text(form, "phone"),
            push=_push_of(form, pref),
        )
    except (ValidationError, ValueError) as err:
        errors = (
            [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors()]
            if isinstance(err, ValidationError)
            else [str(err)]
        )
        return await _render_preferences(
            request, principal, session, values=values, errors=errors, status_code=422
        )
    if i18n.normalise(language) is None:
        return await _render_preferences(
            request,
            principal,
            session,
            values=values,
            errors=[f"language: {language}"],
            status_code=422,
        )
    await service.set_preferences(session, principal=principal, data=data)
    await account_language.set_language(session, principal=principal, locale=language)
    return RedirectResponse("/preferences?saved=1", status_code=303)


@router.get("/incidents/{incident_id}/notices/print")
async def print_incident_reach_list(
    request: Request,
    incident_id: uuid.UUID,
    principal: Annotated[Principal, Depends(require_page("residents:read"))],
    session: DbSession,
    reveal: bool = False,
) -> Response:
    """Print whom an incident's notices ask to be phoned or visited, and what to tell them."""
    lists = await reach.incident_reach_lists(
        session, incident_id, principal=principal, reveal=reveal
    )
    return render(
        request,
        "notice_print.html",
        locale=page_locale(request, principal.locale),
        timezone=await viewer_timezone(session, principal),
        lists=lists,
        reveal=reveal,
        alarm_id=None,
        can_reveal=principal.has("residents:pii"),
        language_names=i18n.NATIVE_NAMES,
        **page_context(principal),
    )
