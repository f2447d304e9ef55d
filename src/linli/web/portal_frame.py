"""The resident portal's frame, shared by every `/my` page: its sections, the resident, whom
they act for, their language and display preferences, and the CSRF token of their session."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstanceState

from linli.residents import service as residents_service
from linli.residents.deps import resolve
from linli.residents.models import ResidentAccount, ResidentSession
from linli.residents.types import LEVEL_LABELS, Level
from linli.security.deps import DbSession
from linli.web.templating import page_locale, render

SECTIONS = (
    ("/my/reports", "reports"),
    ("/my/notices", "notices"),
    ("/my/bookings", "bookings"),
    ("/my/proposals", "proposals"),
    ("/my/budgets", "budgets"),
    ("/my/surveys", "surveys"),
    ("/my/meetings", "meetings"),
    ("/my/household", "household"),
)


async def portal_context(request: Request, session: DbSession) -> dict[str, Any]:
    """Return what every portal page needs: the resident, whom they act for, their language and
    display preferences, and the CSRF token of their session."""
    resolved = await resolve(request, session)
    rows: tuple[ResidentAccount, ResidentSession] = (resolved.account, resolved.session)
    for row in rows:
        state: InstanceState[Any] = inspect(row)
        if state.expired_attributes:  # a page shown after a rolled-back attempt
            await session.refresh(row)
    account = resolved.account
    acting_for = None
    if resolved.session.acting_for_id is not None:
        names = await residents_service.names_of(session, {resolved.session.acting_for_id})
        acting_for = names.get(resolved.session.acting_for_id)
    return {
        "account": account,
        "acting_for": acting_for,
        "consent_lost": resolved.session.acting_for_id is not None and resolved.actor is None,
        "csrf_token": resolved.session.csrf_token,
        "large_text": account.large_text,
        "high_contrast": account.high_contrast,
        "level_label": LEVEL_LABELS[Level(account.level)],
        "sections": SECTIONS,
    }


def portal_locale(request: Request, account_locale: str | None) -> str:
    """Return a portal page's language: a `?lang=` asked for, else the resident's own, else the
    browser's (a resident switching language on a shared phone sees the switch at once)."""
    return page_locale(request, None if request.query_params.get("lang") else account_locale)


def portal_render(
    request: Request, name: str, context: dict[str, Any], *, status_code: int = 200, **extra: Any
) -> Response:
    """Render a portal page in the resident's language (a `?lang=` asked for wins)."""
    account = context["account"]
    locale = portal_locale(request, account.locale)
    return render(
        request,
        name,
        locale=locale,
        status_code=status_code,
        page_path=request.url.path,
        headers={"Cache-Control": "no-store"},
        **context,
        **extra,
    )


async def portal_page(
    request: Request, session: AsyncSession, name: str, **values: Any
) -> Response:
    """Render a section's page (notices, bookings, votes…) in the portal's frame: its navigation,
    the acting-for notice and the resident's display preferences; the page's own values (its
    locale, its page path) win, and nothing personal is cached by the browser."""
    context = await portal_context(request, session)
    context.update(values)
    context.setdefault("headers", {"Cache-Control": "no-store"})
    return render(request, name, **context)
