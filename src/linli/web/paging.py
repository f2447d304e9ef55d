"""Paging on the pages: "Next page" / "First page" links that carry a list's cursor, and counts
that say "10,000+" once the bounded count stopped at its cap."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from babel.numbers import format_decimal
from fastapi import Query, Request

from linli.core.pagination import Page

# The `cursor` query parameter of a page: the `next` of the list's previous page.
PageCursor = Annotated[
    str | None, Query(max_length=512, description="the cursor of the page to show")
]


@dataclass(frozen=True, slots=True)
class Pager:
    """The links of a page of a list (None: no such page) and its count as the page shows it."""

    next_url: str | None
    first_url: str | None
    count: str | None


def _link(request: Request, param: str, value: str | None) -> str:
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != param]
    if value is not None:
        kept.append((param, value))
    return f"{request.url.path}?{urlencode(kept)}" if kept else request.url.path


def count_label(total: int | None, capped: bool, locale: str) -> str | None:
    """Return a bounded count as shown to a reader: `1,234`, or `10,000+` when capped."""
    if total is None:
        return None
    return format_decimal(total, locale=locale) + ("+" if capped else "")


def pager(request: Request, page: Page[Any], *, locale: str, param: str = "cursor") -> Pager:
    """Return the links to the next and the first page of `page`, shown at `request` (whose
    query parameter `param` carried the cursor), and its count."""
    here = request.query_params.get(param)
    return Pager(
        next_url=_link(request, param, page.next) if page.next else None,
        first_url=_link(request, param, None) if here else None,
        count=count_label(page.total, page.total_capped, locale),
    )
