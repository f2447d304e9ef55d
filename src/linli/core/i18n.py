"""Translations: the gettext catalogues of `linli/locale` and the choice of a language.

Catalogues live in `src/linli/locale/<lang>/LC_MESSAGES/linli.po`; `make locale` compiles them to
`.mo`. A checkout without compiled (or with stale) `.mo` files still speaks every language: the
`.po` file is compiled in memory on first use.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "linli"
SUPPORTED = ("en", "zh_Hans", "ms", "ta")
NATIVE_NAMES = {"en": "English", "zh_Hans": "简体中文", "ms": "Bahasa Melayu", "ta": "தமிழ்"}
# Language subtags as they appear in `?lang=` and Accept-Language, mapped to our catalogues.
_ALIASES = {
    "en": "en",
    "zh": "zh_Hans",
    "zh-hans": "zh_Hans",
    "zh-cn": "zh_Hans",
    "zh-sg": "zh_Hans",
    "zh-my": "zh_Hans",
    "ms": "ms",
    "ta": "ta",
}


def normalise(tag: str | None) -> str | None:
    """Return the supported locale named by a tag such as `zh-CN` or `zh_Hans`, or None."""
    if not tag:
        return None
    key = tag.strip().replace("_", "-").lower()
    if key in _ALIASES:
        return _ALIASES[key]
    primary = key.split("-", 1)[0]
    return _ALIASES.get(primary)


def parse_accept_language(header: str | None) -> list[str]:
    """Return the tags of an Accept-Language header, most preferred first."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        if not tag or tag == "*":
            continue
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        if quality > 0:
            weighted.append((-quality, index, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def choose_locale(
    *,
    account_locale: str | None = None,
    requested: str | None = None,
    accept_language: str | None = None,
    default: str = "en",
) -> str:
    """Pick the language: the staff member's, else `?lang=`, else the browser's, else default."""
    for candidate in (account_locale, requested):
        found = normalise(candidate)
        if found:
            return found
    for tag in parse_accept_language(accept_language):
        found = normalise(tag)
        if found:
            return found
    return normalise(default) or "en"


def html_lang(locale: str) -> str:
    """Return the BCP 47 tag for `<html lang>` (`zh_Hans` → `zh-Hans`)."""
    return locale.replace("_", "-")


@lru_cache(maxsize=len(SUPPORTED))
def translations(locale: str) -> NullTranslations:
    """Return the catalogue of `locale` (English phrases are their own translation)."""
    folder = LOCALE_DIR / locale / "LC_MESSAGES"
    po_file, mo_file = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo_file.exists() and (
        not po_file.exists() or mo_file.stat().st_mtime >= po_file.stat().st_mtime
    ):
        with mo_file.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)
    if po_file.exists():
        with po_file.open("rb") as fp:
            catalog = read_po(fp, locale=locale, domain=DOMAIN)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        return Translations(buffer, domain=DOMAIN)
    return NullTranslations()


def N_(message: str) -> str:
    """Mark `message` for the catalogues; it is translated where it is shown."""
    return message
