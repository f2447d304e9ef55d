"""Messages rendered from text templates in the recipient's language, times in the site's zone."""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from dataclasses import dataclass

from babel.support import NullTranslations
from jinja2 import Environment, PackageLoader, StrictUndefined

from linli.core import i18n, localtime
from linli.core.settings import get_settings
from linli.iot.service import alarm_headline, type_label
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


@dataclass(frozen=True, slots=True)
class AlarmSource:
    """What an alarm message says of where it came from, in people's words."""

    device_type: str
    device_code: str
    place: str  # the device's place or building, else its name
    unit: str  # the org unit's name in the recipient's language
    kind: str = "threshold"  # the rule's kind
    case_id: uuid.UUID | None = None


def alarm_link(alarm: Alarm, device_id: uuid.UUID | None = None) -> str:
    """Return the page (a path on the site) where a person acts on an alarm: its case, else its
    device."""
    if alarm.case_id is not None:
        return f"/cases/{alarm.case_id}"
    return f"/devices/{device_id or alarm.device_id}"


def absolute(link: str) -> str:
    """Return a site path as a URL people can open from an e-mail or SMS (`LINLI_BASE_URL`)."""
    return f"{get_settings().base_url.rstrip('/')}{link}"


def link_line(link: str, *, locale: str) -> str:
    """Return the line that ends a message sent outside the site: where to open it."""
    return render("link_line.txt", locale=i18n.normalise(locale) or "en", url=absolute(link))


def alarm_message(
    alarm: Alarm, *, locale: str, timezone: str, source: AlarmSource, escalated: bool = False
) -> Rendered:
    """Render the subject and body telling a staff member about an alarm."""
    locale = i18n.normalise(locale) or "en"
    context = {
        "headline": alarm_headline(
            alarm.metric, alarm.value, locale, device_type=source.device_type, kind=source.kind
        ),
        "device": type_label(source.device_type, locale),
        "code": source.device_code,
        "place": source.place,
        "unit": source.unit,
        "severity_label": severity_label(alarm.severity, locale),
        "raised_at": localtime.format_when(alarm.raised_at, timezone=timezone, locale=locale),
        "escalated": escalated,
        "has_case": source.case_id is not None,
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
        what=alarm_headline(alarm.metric, alarm.value, locale),
        severity_label=severity_label(alarm.severity, locale),
        place=place,
    )
