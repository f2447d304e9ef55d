"""The words of a case an alarm opens: its title and description, from translatable templates.

A case's title is stored rendered in the site's language (`LINLI_DEFAULT_LOCALE`), as every
other case's title is the words somebody wrote: lists, searches, exports, Open311 and the
notifications all read the one stored text. Alarms are not stored with words; pages render their
headlines per viewer (`linli.iot.types.alarm_headline`).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime

from linli.core import i18n
from linli.core.i18n import N_
from linli.core.settings import get_settings
from linli.iot.models import Device
from linli.iot.service import alarm_headline, metric_label, reading_text, type_label
from linli.rules.models import Alarm, Rule

TITLE = N_("%(what)s — %(place)s")
DESCRIPTION = N_(
    "%(device)s %(code)s at %(place)s reported %(reading)s at %(time)s "
    "(rule “%(rule)s”, severity: %(severity)s)."
)
COMPOSITE_DESCRIPTION = N_(
    "Rule “%(rule)s” fired at %(time)s: %(count)d rules alarmed together "
    "(first: %(device)s %(code)s at %(place)s)."
)
# The words the catalogues already translate (see web/templates/_labels.html).
SEVERITY_LABELS = {
    "critical": N_("Critical"),
    "major": N_("Major"),
    "minor": N_("Minor"),
    "warning": N_("Warning"),
}


def site_locale() -> str:
    """Return the language stored texts are written in: the site's."""
    return i18n.normalise(get_settings().default_locale) or "en"


def _when(at: datetime, timezone: str, locale: str) -> str:
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return format_datetime(at, "medium", tzinfo=zone, locale=locale)


def case_title(alarm: Alarm, rule: Rule, device: Device, *, place: str, locale: str) -> str:
    """Return the title of an alarm's case, e.g. "Bin 99 % full — Kangqiao Apartments Bldg 8"."""
    translate = i18n.translations(locale).gettext
    if rule.kind == "composite":
        what = rule.name
    else:
        what = alarm_headline(
            alarm.metric, alarm.value, locale, device_type=device.type, kind=rule.kind
        )
    return translate(TITLE) % {"what": what, "place": place}


def case_description(
    alarm: Alarm, rule: Rule, device: Device, *, place: str, timezone: str, locale: str
) -> str:
    """Return what happened, in plain words, for the description of an alarm's case."""
    translate = i18n.translations(locale).gettext
    common = {
        "device": type_label(device.type, locale),
        "code": device.code,
        "place": place,
        "rule": rule.name,
        "time": _when(alarm.raised_at, timezone, locale),
        "severity": translate(SEVERITY_LABELS.get(rule.severity, rule.severity)),
    }
    if rule.kind == "composite":
        count = len(rule.params.get("members", []))
        return translate(COMPOSITE_DESCRIPTION) % {**common, "count": count}
    if rule.kind == "threshold":
        reading = reading_text(alarm.metric, alarm.value, locale, device_type=device.type)
        reading = f"{metric_label(alarm.metric, locale, device_type=device.type)} {reading}"
    else:
        reading = alarm_headline(
            alarm.metric, alarm.value, locale, device_type=device.type, kind=rule.kind
        )
    return translate(DESCRIPTION) % {**common, "reading": reading}
