"""Messages rendered from text templates in the recipient's language, times in the site's zone."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from babel.support import NullTranslations
from jinja2 import Environment, PackageLoader, StrictUndefined

from linli.core import i18n, localtime
from linli.core.settings import get_settings
from linli.rules.models import Alarm

_translations: ContextVar[NullTranslations | None] = ContextVar(
    "linli_notify_translations", default=None
)
_ENGLISH = NullTranslations()


def _gettext(message: str) -> str:
    return (_translations.get() or _ENGLISH).gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return (_translations.get() or _ENGLISH).ngettext(singular, plural, n)


_env = Environment(
    loader=PackageLoader("linli.rules.notifications", "templates"),
    autoescape=False,  # plain text: e-mail, SMS, push, voice
    extensions=["jinja2.ext.i18n"],
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
)
_env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]

# The words the catalogues already translate (see web/templates/_labels.html).
SEVERITY_LABELS = {
    "critical": "Critical",
    "major": "Major",
    "minor": "Minor",
    "warning": "Warning",
}


@dataclass(frozen=True, slots=True)
class Rendered:
    locale: str
    subject: str
    body: str


def render(template: str, *, locale: str, **context: object) -> str:
    """Render text template `template` in `locale`."""
    token = _translations.set(i18n.translations(locale))
    try:
        return _env.get_template(template).render(locale=locale, **context).strip()
    finally:
        _translations.reset(token)


def severity_label(severity: str, locale: str) -> str:
    """Return the translated name of a severity."""
    return i18n.translations(locale).gettext(SEVERITY_LABELS.get(severity, severity))


def alarm_message(
    alarm: Alarm, *, locale: str, timezone: str, place: str, escalated: bool = False
) -> Rendered:
    """Render the subject and body telling a staff member about an alarm."""
    locale = i18n.normalise(locale) or "en"
    context = {
        "alarm": alarm,
        "severity_label": severity_label(alarm.severity, locale),
        "value": f"{alarm.value:g}",
        "place": place,
        "raised_at": localtime.format_when(alarm.raised_at, timezone=timezone, locale=locale),
        "escalated": escalated,
        "link": f"{get_settings().base_url.rstrip('/')}/?alarm={alarm.id}",
    }
    return Rendered(
        locale=locale,
        subject=render("alarm_subject.txt", locale=locale, **context),
        body=render("alarm_body.txt", locale=locale, **context),
    )


def resident_notice(alarm: Alarm, *, locale: str, place: str) -> str:
    """Render what to tell a resident without a smartphone about an alarm, in their language."""
    locale = i18n.normalise(locale) or "en"
    return render(
        "resident_notice.txt",
        locale=locale,
        alarm=alarm,
        severity_label=severity_label(alarm.severity, locale),
        place=place,
    )
