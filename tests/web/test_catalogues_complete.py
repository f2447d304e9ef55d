"""Every language speaks fully: no empty translation in any catalogue, no Chinese or English left
in the Malay and Tamil ones, every string of the resident's pages translated, and every category
of the shipped catalogue named in all four languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from linli.cases import catalogue
from linli.core import i18n

HAN = re.compile(r"[\u4e00-\u9fff]")
TEMPLATES = Path(i18n.__file__).resolve().parent.parent / "web" / "templates"
# What a resident sees: the report form, the follow-up page and what they share.
RESIDENT_TEMPLATES = (
    "base.html",
    "_resident_header.html",
    "report.html",
    "report_status.html",
    "report_missing.html",
)
# Words that read the same in Malay or Tamil as in English (names, symbols, formats).
SAME_AS_ENGLISH = {"Menu", "SMS", "Status", "Unit", "Operator", "dB(A)", "L/min", "Linli"}
SAME_AS_ENGLISH |= {"%(what)s — %(place)s", "%(minutes)s min", "Kod", "Email"}
# Texted status lines: a reference, the status in words, the time; nothing to translate.
SAME_AS_ENGLISH |= {"%(ref)s: %(status)s (%(when)s).", "%(ref)s: %(status)s."}


def _catalogue(locale: str) -> Catalog:
    path = i18n.LOCALE_DIR / locale / "LC_MESSAGES" / "linli.po"
    with path.open("rb") as fp:
        return read_po(fp, locale=locale)


def _strings(message_string: str | tuple[str, ...]) -> tuple[str, ...]:
    return message_string if isinstance(message_string, tuple) else (message_string,)


@pytest.mark.parametrize("locale", i18n.SUPPORTED)
def test_no_translation_is_empty(locale: str) -> None:
    empty = [
        m.id for m in _catalogue(locale) if m.id and not all(s.strip() for s in _strings(m.string))
    ]
    assert empty == [], f"{locale}: {len(empty)} empty translations, e.g. {empty[:5]}"


@pytest.mark.parametrize("locale", ["ms", "ta"])
def test_malay_and_tamil_hold_no_chinese_or_untranslated_english(locale: str) -> None:
    chinese = [m.id for m in _catalogue(locale) if m.id and HAN.search("".join(_strings(m.string)))]
    assert chinese == [], f"{locale}: Chinese text in {chinese[:5]}"
    english = [
        m.id
        for m in _catalogue(locale)
        if m.id
        and isinstance(m.id, str)
        and m.string == m.id
        and m.id not in SAME_AS_ENGLISH
        and re.search("[a-z]{3}", m.id)
    ]
    assert english == [], f"{locale}: left in English: {english[:5]}"


@pytest.mark.parametrize("locale", ["zh_Hans", "ms", "ta"])
def test_every_string_of_the_residents_pages_is_translated(locale: str) -> None:
    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in _catalogue(locale)
        if m.id and all(s.strip() for s in _strings(m.string))
    }
    missing = []
    for name in RESIDENT_TEMPLATES:
        found = extract_from_file(
            "jinja2",
            str(TEMPLATES / name),
            options={"extensions": "jinja2.ext.i18n", "trim_blocks": "true"},
        )
        for _, message, _, _ in found:
            text = message[0] if isinstance(message, tuple) else message
            if text and text not in translated:
                missing.append((name, text))
    assert missing == [], f"{locale}: untranslated resident strings {missing[:5]}"


def test_every_category_is_named_in_malay_and_tamil() -> None:
    entries = catalogue.read_catalogue()
    unnamed = [e.code for e in entries if not (e.name_zh and e.name_ms and e.name_ta)]
    assert unnamed == [], f"categories without a name in every language: {unnamed[:5]}"
    wrong = [
        e.code
        for e in entries
        if HAN.search(f"{e.name_ms}{e.name_ta}") or e.name_ms == e.name or e.name_ta == e.name
    ]
    assert wrong == [], f"Malay or Tamil names that are Chinese or English: {wrong[:5]}"
    tamil = re.compile(r"[\u0b80-\u0bff]")
    assert all(tamil.search(e.name_ta or "") for e in entries), "Tamil names are in Tamil script"
