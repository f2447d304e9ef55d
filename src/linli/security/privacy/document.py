"""The export of a person's data as a document they can read: HTML in their language."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from linli.core import i18n

_env = Environment(
    loader=PackageLoader("linli.security.privacy", "templates"),
    autoescape=True,
    extensions=["jinja2.ext.i18n"],
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_export(export: dict[str, Any]) -> str:
    """Return the HTML document of an export made by `service.export_subject`."""
    locale = export["locale"]
    translations = i18n.translations(locale)
    _env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    return _env.get_template("export.html").render(
        export=export, lang=i18n.html_lang(locale), title=translations.gettext
    )
