"""A case's words in the reader's language.

A case stores its title and description as one text in the site's language: what a person wrote,
or what a rule's template said once (lists, searches, exports, Open311 and the notifications
read that text). A case a rule opened also keeps what its words were made from — a template
key and its parameters (`Case.text_key`, `Case.text_params`) — and every page and API that
staff or residents read renders them again in the reader's language (`title_in`,
`description_in`). Cases written by people keep their words: they have no key.

Keys:

* `alarm` — a sensor alarm: "%(headline)s — %(place)s", the headline from the device type's
  words (`linli.iot.service`) and the device's place named in every language when the case
  opened; for a composite rule, the rule's name.
* `camera` — a camera's analytics event: "%(kind)s (camera %(camera)s)", the case kind named in
  every language when the case opened.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from babel.numbers import format_percent

from linli.core import i18n, localtime
from linli.core.i18n import N_
from linli.iot.service import alarm_headline, metric_label, reading_text, type_label

ALARM = "alarm"
CAMERA = "camera"

TITLE = N_("%(what)s — %(place)s")
DESCRIPTION = N_(
    "%(device)s %(code)s at %(place)s reported %(reading)s at %(time)s "
    "(rule “%(rule)s”, severity: %(severity)s)."
)
COMPOSITE_DESCRIPTION = N_(
    "Rule “%(rule)s” fired at %(time)s: %(count)d rules alarmed together "
    "(first: %(device)s %(code)s at %(place)s)."
)
CAMERA_TITLE = N_("%(kind)s (camera %(camera)s)")
CAMERA_DESCRIPTION = N_("%(kind)s seen by camera %(camera)s at %(time)s.")
CAMERA_DESCRIPTION_SURE = N_(
    "%(kind)s seen by camera %(camera)s at %(time)s (confidence %(confidence)s)."
)
# The words the catalogues already translate (see web/templates/_labels.html).
SEVERITY_LABELS = {
    "critical": N_("Critical"),
    "major": N_("Major"),
    "minor": N_("Minor"),
    "warning": N_("Warning"),
}


class Worded(Protocol):
    """Anything read like a case: its stored words and what they were made from."""

    @property
    def title(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def text_key(self) -> str | None: ...

    @property
    def text_params(self) -> dict[str, Any] | None: ...


@dataclass(frozen=True, slots=True)
class StoredWords:
    """A case's words as something other than the case carries them (an event's copy)."""

    title: str
    description: str = ""
    text_key: str | None = None
    text_params: dict[str, Any] | None = None


def alarm_params(
    *,
    kind: str,
    metric: str,
    value: float,
    device_type: str,
    device_code: str,
    places: Mapping[str, str],
    rule: str,
    severity: str,
    raised_at: datetime,
    timezone: str,
    members: int = 0,
) -> dict[str, Any]:
    """Return the parameters of an alarm case's words (JSON: stored with the case)."""
    return {
        "kind": kind,
        "metric": metric,
        "value": value,
        "device_type": device_type,
        "device_code": device_code,
        "place": dict(places),
        "rule": rule,
        "severity": severity,
        "raised_at": raised_at.isoformat(),
        "timezone": timezone,
        "members": members,
    }


def camera_params(
    *,
    kinds: Mapping[str, str],
    camera: str,
    seen_at: datetime,
    timezone: str,
    confidence: float | None,
) -> dict[str, Any]:
    """Return the parameters of a camera case's words (`kinds`: the case kind by locale)."""
    return {
        "kind": dict(kinds),
        "camera": camera,
        "seen_at": seen_at.isoformat(),
        "timezone": timezone,
        "confidence": confidence,
    }


def _in(names: Mapping[str, str], locale: str) -> str:
    """Return the one of `names` (by locale) for `locale`, else the English one."""
    return names.get(locale) or names.get("en") or next(iter(names.values()), "")


def _place(params: Mapping[str, Any], locale: str) -> str:
    return _in(params["place"], locale)


def _camera(params: Mapping[str, Any], locale: str) -> tuple[str, str]:
    translate = i18n.translations(locale).gettext
    at = datetime.fromisoformat(params["seen_at"])
    words = {
        "kind": _in(params["kind"], locale),
        "camera": params["camera"],
        "time": localtime.format_when(at, timezone=params["timezone"], locale=locale),
    }
    title = translate(CAMERA_TITLE) % words
    if params.get("confidence") is None:
        return title, translate(CAMERA_DESCRIPTION) % words
    sure = format_percent(float(params["confidence"]), locale=locale)
    return title, translate(CAMERA_DESCRIPTION_SURE) % {**words, "confidence": sure}


def _alarm_title(params: Mapping[str, Any], locale: str) -> str:
    if params["kind"] == "composite":
        what = str(params["rule"])
    else:
        what = alarm_headline(
            params["metric"],
            float(params["value"]),
            locale,
            device_type=params["device_type"],
            kind=params["kind"],
        )
    place = _place(params, locale)
    return i18n.translations(locale).gettext(TITLE) % {"what": what, "place": place}


def _alarm_description(params: Mapping[str, Any], locale: str) -> str:
    translate = i18n.translations(locale).gettext
    kind, metric, device_type = params["kind"], params["metric"], params["device_type"]
    severity = str(params["severity"])
    at = datetime.fromisoformat(params["raised_at"])
    common = {
        "device": type_label(device_type, locale),
        "code": params["device_code"],
        "place": _place(params, locale),
        "rule": params["rule"],
        "time": localtime.format_when(at, timezone=params["timezone"], locale=locale),
        "severity": translate(SEVERITY_LABELS.get(severity, severity)),
    }
    if kind == "composite":
        return translate(COMPOSITE_DESCRIPTION) % {**common, "count": int(params["members"])}
    value = float(params["value"])
    if kind == "threshold":
        reading = reading_text(metric, value, locale, device_type=device_type)
        reading = f"{metric_label(metric, locale, device_type=device_type)} {reading}"
    else:
        reading = alarm_headline(metric, value, locale, device_type=device_type, kind=kind)
    return translate(DESCRIPTION) % {**common, "reading": reading}


def render(key: str, params: Mapping[str, Any], locale: str) -> tuple[str, str]:
    """Return the title and description a template key and its parameters say in `locale`.

    Raises KeyError for an unknown key or missing parameters, ValueError for bad ones."""
    locale = i18n.normalise(locale) or "en"
    if key == CAMERA:
        return _camera(params, locale)
    if key != ALARM:
        raise KeyError(key)
    return _alarm_title(params, locale), _alarm_description(params, locale)


def _rendered(case: Worded, locale: str) -> tuple[str, str] | None:
    if not case.text_key or not case.text_params:
        return None
    try:
        return render(case.text_key, case.text_params, locale)
    except (KeyError, TypeError, ValueError):
        return None  # words stored by a version that spoke otherwise: the stored text stands


def title_in(case: Worded, locale: str) -> str:
    """Return a case's title as a reader of `locale` reads it (a person's words as written)."""
    rendered = _rendered(case, locale)
    return rendered[0] if rendered else case.title


def description_in(case: Worded, locale: str) -> str:
    """Return a case's description as a reader of `locale` reads it."""
    rendered = _rendered(case, locale)
    return rendered[1] if rendered else case.description


def words_in(case: Worded, locale: str) -> dict[str, str]:
    """Return `{"title", "description"}` as a reader of `locale` reads them."""
    rendered = _rendered(case, locale)
    title, description = rendered or (case.title, case.description)
    return {"title": title, "description": description}
