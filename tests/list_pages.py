"""Reading a list route as a client does: page after page by its `next` cursor, and the paging
parameters it must refuse (as 422 problem+json, never a 5xx)."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx

PROBLEM = "application/problem+json"


def _with(url: str, params: dict[str, Any]) -> httpx.URL:
    # httpx's `params=` replaces a URL's own query; the list's filters must stay.
    return httpx.URL(url).copy_merge_params(params)


async def walk(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], *, limit: int
) -> list[dict[str, Any]]:
    """Return every item of the list at `url`, read `limit` at a time by following `next`."""
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": limit}
    for _ in range(10_000):
        response = await client.get(_with(url, params), headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= limit
        assert body["total"] is None, "a total is counted only when asked"
        items += body["items"]
        if body["next"] is None:
            return items
        assert body["items"], "a page with a next page is never empty"
        params = {"limit": limit, "cursor": body["next"]}
    raise AssertionError("the pages never end")


async def total(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> int:
    """Return the list's total as `count=true` gives it (checking it is not capped)."""
    response = await client.get(_with(url, {"count": "true", "limit": 1}), headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total_capped"] is False
    return int(body["total"])


async def assert_bad_paging_refused(
    client: httpx.AsyncClient, url: str, headers: dict[str, str]
) -> None:
    """Check that a forged cursor and limits out of range answer 422 problem+json."""
    for cursor in ("garbage!", "bm90IGpzb24", "W10", "W1tdXQ", "eyJhIjoxfQ"):
        response = await client.get(_with(url, {"cursor": cursor}), headers=headers)
        assert response.status_code == 422, (cursor, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.json()["code"] == "bad_cursor"
    for limit in ("1e20", "0", "201", "-1", "ten"):
        response = await client.get(_with(url, {"limit": limit}), headers=headers)
        assert response.status_code == 422, (limit, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
    response = await client.get(_with(url, {"offset": "1e20"}), headers=headers)
    assert response.status_code == 200, "offset is no longer read"


_NEXT = re.compile(r'<a href="([^"]+)" rel="next"')
_FIRST = re.compile(r'<a href="([^"]+)" rel="first"')


async def follow_pages(client: httpx.AsyncClient, url: str) -> list[str]:
    """Return the HTML of every page of a list page, got by following its "Next page" links
    (each later page links back to the first)."""
    pages: list[str] = []
    for _ in range(1_000):
        response = await client.get(url)
        assert response.status_code == 200, response.text[-2000:]
        pages.append(response.text)
        first = _FIRST.search(response.text)
        assert (first is not None) == (len(pages) > 1), "only later pages link to the first"
        found = _NEXT.search(response.text)
        if found is None:
            return pages
        url = html.unescape(found.group(1))
    raise AssertionError("the pages never end")
