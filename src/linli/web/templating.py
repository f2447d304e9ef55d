"""The Jinja2 environment of the pages: autoescaped, translated per request, times per viewer."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import date, datetime
from typing import Any

from babel.support import NullTranslations
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context

from linli.cases.service import StoredWords, description_in, title_in
from linli.core import clock, i18n, localtime
from linli.core.settings import get_settings
from linli.iot.service import alarm_headline, metric_label, type_label
from linli.security.permissions import ROLE_LABELS

_translations: ContextVar[NullTranslations | None] = ContextVar("linli_translations", default=None)
_ENGLISH = NullTranslations()


def gettext(message: str) -> str:
    """Translate `message` into the language of the page being rendered."""
    return (_translations.get() or _ENGLISH).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message with a count into the language of the page being rendered."""
    return (_translations.get() or _ENGLISH).ngettext(singular, plural, n)


@pass_context
def _when(
    context: Context, value: datetime | date | None, style: str = "medium", part: str = "datetime"
) -> str:
    """Write an instant in the site's time zone and the page's language (the one way pages do)."""
    return localtime.format_when(
        value,
        timezone=context.get("timezone"),
        locale=context.get("locale", "en"),
        style=style,
        part="date" if part == "date" else "time" if part == "time" else "datetime",
    )


def _iso(value: datetime | None) -> str:
    return "" if value is None else clock.as_utc(value).isoformat()


def named(thing: Any, fallback: str = "", *, locale: str = "en") -> str:
    """Return a unit's or category's name in the page's language (`name_zh`, `name_ms`,
    `name_ta` where the thing has one), else its English name."""
    if thing is None:
        return fallback
    own = getattr(thing, f"name_{locale.split('_', 1)[0]}", None) if locale != "en" else None
    if own:
        return str(own)
    return str(getattr(thing, "name", fallback) or fallback)


@pass_context
def _case_title(context: Context, case: Any) -> str:
    """Say a case's title in the page's language (a rule's words rendered, a person's as
    written)."""
    return title_in(case, context.get("locale", "en"))


@pass_context
def _case_description(context: Context, case: Any) -> str:
    """Say a case's description in the page's language."""
    return description_in(case, context.get("locale", "en"))


@pass_context
def _event_note(context: Context, event: Any) -> str:
    """Say a timeline note in the page's language: an alarm that joined a case is told from its
    words (`alarm_attached`), any other note as written."""
    detail = getattr(event, "detail", None) or {}
    note = str(event.note or "")
    if not detail.get("text_key"):
        return note
    words = StoredWords(note, "", detail.get("text_key"), detail.get("text_params"))
    title = title_in(words, context.get("locale", "en"))
    code = detail.get("device_code")
    return f"{title} ({code})" if title != note and code else title


def _actor(actor: str) -> str:
    """Return the readable part of an actor nobody resolved (`camera:gate-3` → `gate-3`)."""
    return actor.split(":", 1)[1] if ":" in actor else actor


def role_label(role: str) -> str:
    """Return the name people read for a role, in the language of the page being rendered."""
    label = ROLE_LABELS.get(role)
    return gettext(label) if label else role


env = Environment(
    loader=PackageLoader("linli.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)
env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
env.filters["when"] = _when
env.filters["iso"] = _iso
env.filters["actor"] = _actor
env.globals["named"] = named
env.globals["case_title"] = _case_title
env.globals["case_description"] = _case_description
env.globals["event_note"] = _event_note
env.globals["role_label"] = role_label
env.filters["role_label"] = role_label
# Device types, metrics and alarm headlines as people read them (`linli.iot.types`).
env.globals["device_type_label"] = type_label
env.globals["metric_label"] = metric_label
env.globals["alarm_headline"] = alarm_headline


def page_locale(request: Request, account_locale: str | None = None) -> str:
    """Choose the language of a page for this request (and this staff member, if signed in)."""
    return i18n.choose_locale(
        account_locale=account_locale,
        requested=request.query_params.get("lang"),
        accept_language=request.headers.get("accept-language"),
        default=get_settings().default_locale,
    )


def render(
    request: Request,
    name: str,
    *,
    locale: str,
    status_code: int = 200,
    timezone: str = "UTC",
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render template `name` in `locale` as an HTML response."""
    token = _translations.set(i18n.translations(locale))
    try:
        html = env.get_template(name).render(
            request=request,
            locale=locale,
            html_lang=i18n.html_lang(locale),
            languages=i18n.NATIVE_NAMES,
            timezone=timezone,
            settings=get_settings(),
            **context,
        )
    finally:
        _translations.reset(token)
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    response.headers.setdefault("Content-Language", i18n.html_lang(locale))
    return response
