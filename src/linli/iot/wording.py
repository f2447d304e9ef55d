"""Device types and metrics as people read them, in their language: names, readings with
units, alarm headlines ("Bin 99 % full"). The words are declared with the types
(`linli.iot.types`); other rooms reach these through `linli.iot.service`.
"""

from __future__ import annotations

from babel.numbers import format_decimal

from linli.core import i18n
from linli.core.i18n import N_
from linli.iot.types import DEVICE_TYPES, Metric

# Units people read differently in some languages (the symbols are the same in all four but
# these, which are words or abbreviations of words); marked here so the catalogues hold them.
UNIT_LABELS = {"L/min": N_("L/min"), "dB(A)": N_("dB(A)")}
YES, NO = N_("yes"), N_("no")
# Alarms of rules that do not compare a reading with a level (`rules` kinds).
KIND_HEADLINES = {
    "absence": N_("No readings from %(device)s"),
    "anomaly": N_("Unusual %(metric)s"),
    "rate": N_("%(metric)s changing fast"),
}


def type_label(name: str, locale: str) -> str:
    """Return the name people read for device type `name` in `locale` (the type name if unknown)."""
    kind = DEVICE_TYPES.get(name)
    return i18n.translations(locale).gettext(kind.label) if kind else name


def _metric(name: str, device_type: str | None) -> Metric | None:
    kind = DEVICE_TYPES.get(device_type or "")
    if kind is not None and name in kind.metrics:
        return kind.metrics[name]
    return next((t.metrics[name] for t in DEVICE_TYPES.values() if name in t.metrics), None)


def metric_label(name: str, locale: str, *, device_type: str | None = None) -> str:
    """Return the name people read for metric `name` in `locale` (the key if unknown)."""
    metric = _metric(name, device_type)
    if metric is None or not metric.label:
        return name
    return i18n.translations(locale).gettext(metric.label)


def reading_text(name: str, value: float, locale: str, *, device_type: str | None = None) -> str:
    """Return a value with its unit as people read it: `99 %`, `82 dB(A)`, `yes`."""
    metric = _metric(name, device_type)
    if metric is None:
        return f"{value:g}"
    translate = i18n.translations(locale).gettext
    if metric.boolean:
        return translate(YES) if value >= 0.5 else translate(NO)
    unit = translate(UNIT_LABELS[metric.unit]) if metric.unit in UNIT_LABELS else metric.unit
    return f"{format_decimal(value, format='#,##0.#', locale=locale)} {unit}".strip()


def alarm_headline(
    name: str,
    value: float,
    locale: str,
    *,
    device_type: str | None = None,
    kind: str = "threshold",
) -> str:
    """Return the headline of an alarm on metric `name`: "Bin 99 % full", "Smoke detected"."""
    translate = i18n.translations(locale).gettext
    if kind in KIND_HEADLINES:
        what = (
            type_label(device_type or "", locale)
            if kind == "absence" or name in ("", "*")
            else metric_label(name, locale, device_type=device_type)
        )
        return translate(KIND_HEADLINES[kind]) % {"device": what, "metric": what}
    metric = _metric(name, device_type)
    if metric is None or not metric.headline:
        return f"{name} {value:g}"
    if metric.boolean:
        chosen = metric.headline if value >= 0.5 else metric.headline_off or metric.headline
        return translate(chosen)
    text = reading_text(name, value, locale, device_type=device_type)
    return translate(metric.headline) % {"value": text}


def metric_words(locale: str) -> dict[str, dict[str, object]]:
    """Return every metric's words in `locale` for pages that write alarm headlines in the
    browser: label, headline (`{value}` for the reading), headline_off, unit, boolean."""
    translate = i18n.translations(locale).gettext
    words: dict[str, dict[str, object]] = {}
    for kind in DEVICE_TYPES.values():
        for metric in kind.metrics.values():
            if metric.name in words or not metric.label:
                continue
            unit = (
                translate(UNIT_LABELS[metric.unit]) if metric.unit in UNIT_LABELS else metric.unit
            )
            words[metric.name] = {
                "label": translate(metric.label),
                "headline": translate(metric.headline).replace("%(value)s", "{value}"),
                "headline_off": translate(metric.headline_off or metric.headline),
                "unit": unit,
                "boolean": metric.boolean,
            }
    return words
