"""FastAPI dependencies shared by every domain's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from linli.core.pagination import COUNT_CAP, MAX_CURSOR, MAX_LIMIT, PageQuery


def _page_query(
    cursor: Annotated[
        str | None,
        Query(max_length=MAX_CURSOR, description="the `next` of the previous page"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="rows per page")] = 50,
    count: Annotated[
        bool, Query(description=f"also count the matches (up to {COUNT_CAP:,})")
    ] = False,
) -> PageQuery:
    return PageQuery(cursor=cursor, limit=limit, count=count)


Paging = Annotated[PageQuery, Depends(_page_query)]
