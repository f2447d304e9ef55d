"""The printable lists of residents without smartphones to phone or visit about an alert."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from linli.core import i18n
from linli.rules.notifications import reach
from linli.security.deps import DbSession, require_page
from linli.security.permissions import Principal
from linli.web.frame import page_context, viewer_timezone
from linli.web.templating import page_locale, render

router = APIRouter(include_in_schema=False)


@router.get("/notices/print")
async def print_reach_lists(
    request: Request,
    principal: Annotated[Principal, Depends(require_page("residents:read"))],
    session: DbSession,
    alarm_id: uuid.UUID | None = None,
    reveal: bool = False,
) -> Response:
    """Print, per community with an open alarm, whom to phone or visit and what to tell them.

    Phone numbers and names are masked unless `reveal=1` (needs `residents:pii`; audited).
    """
    lists = await reach.reach_lists(session, principal=principal, alarm_id=alarm_id, reveal=reveal)
    return render(
        request,
        "notice_print.html",
        locale=page_locale(request, principal.locale),
        timezone=await viewer_timezone(session, principal),
        lists=lists,
        reveal=reveal,
        alarm_id=alarm_id,
        can_reveal=principal.has("residents:pii"),
        language_names=i18n.NATIVE_NAMES,
        **page_context(principal),
    )
