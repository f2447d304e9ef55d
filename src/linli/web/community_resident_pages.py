"""The staff page of residents' accounts (`/community/residents`): the accounts whose home is in
the viewer's subtree, their verification level, and confirming a resident in person
(`residents:verify`, audited). Names show only to holders of `residents:pii`, each read audited."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from linli.core.pagination import PageQuery
from linli.residents.types import LEVEL_LABELS, Level
from linli.residents.verification import service as verification
from linli.security.deps import DbSession, require_page
from linli.security.permissions import Principal
from linli.web.frame import page_context, viewer_timezone
from linli.web.paging import PageCursor, pager
from linli.web.templating import page_locale, render

router = APIRouter(include_in_schema=False)

Reader = Annotated[Principal, Depends(require_page("residents:read"))]
Verifier = Annotated[Principal, Depends(require_page("residents:verify"))]


@router.get("/community/residents")
async def residents_page(
    request: Request, principal: Reader, session: DbSession, cursor: PageCursor = None
) -> Response:
    """List the residents' accounts of the viewer's subtree, newest first."""
    locale = page_locale(request, principal.locale)
    page = await verification.staff_accounts_page(
        session, principal=principal, paging=PageQuery(cursor=cursor, limit=50)
    )
    names: dict[uuid.UUID, str | None] = {}
    for account in page.items:  # each shown name is an audited read of personal data
        if principal.can("residents:pii", account.org_path):
            read = await verification.staff_get_account(
                session, account.id, principal=principal, reveal=True
            )
            names[account.id] = read.display_name
    return render(
        request,
        "community_residents.html",
        locale=locale,
        timezone=await viewer_timezone(session, principal),
        accounts=page.items,
        names=names,
        levels={int(level): label for level, label in LEVEL_LABELS.items()},
        in_person=int(Level.IN_PERSON),
        pages=pager(request, page, locale=locale),
        done=request.query_params.get("done"),
        error=request.query_params.get("error"),
        page_path="/community/residents",
        **page_context(principal),
    )


@router.post("/community/residents/{resident_account_id}/verify")
async def verify_page(
    resident_account_id: uuid.UUID,
    principal: Verifier,
    session: DbSession,
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Confirm a resident in person, and show the list again."""
    await verification.verify_in_person(
        session, resident_account_id, principal=principal, note=note
    )
    return RedirectResponse("/community/residents?done=verified", status_code=303)
