"""A meeting's public pages: its notice with the minutes and decisions so far, and the live
page (phone-sized) that receives new minutes and decisions over Server-Sent Events.

Both show everything said in public so far without a script and can be reloaded; the live page's
script only adds what arrives afterwards, as DOM nodes. The broadcast the operator named is
embedded here, and the page's Content-Security-Policy lets that one origin in, on these pages
only.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response

from linli.core import eventlog
from linli.core.settings import get_settings
from linli.org import service as org_service
from linli.participation.meetings import service as meetings_service
from linli.participation.meetings.api import public_view
from linli.participation.meetings.events import LIVE_PATTERN, is_public_for
from linli.security import csp
from linli.security.deps import DbSession, public
from linli.web import live
from linli.web.headers import tile_origin
from linli.web.templating import page_locale, render

router = APIRouter(include_in_schema=False)
stream_router = APIRouter(tags=["meetings"])

# A host (and port) as URLs write them: nothing that could end or extend a CSP directive.
_ORIGIN = re.compile(r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
_VIDEO = (".mp4", ".webm", ".ogg", ".m3u8")


def embed_of(url: str | None) -> dict[str, str] | None:
    """Return how to embed a broadcast URL (a video file or a player page) and its origin."""
    if not url:
        return None
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    if parts.scheme != "https" or not _ORIGIN.match(origin):
        return None
    kind = "video" if parts.path.lower().endswith(_VIDEO) else "frame"
    return {"kind": kind, "url": url, "origin": origin}


def _policy(embed: dict[str, str] | None) -> dict[str, str]:
    tiles = tile_origin(get_settings().tile_url)
    origin = embed["origin"] if embed else None
    return {"Content-Security-Policy": csp.page_policy(tile_origin=tiles, embed_origin=origin)}


async def _page(
    request: Request, session: DbSession, meeting_id: uuid.UUID, template: str, path: str
) -> Response:
    locale = page_locale(request)
    # The log's head first: whatever commits after it reaches the live page by the stream, and
    # what the page shows already is skipped there by its id.
    head = await eventlog.head(session)
    meeting = await meetings_service.find_meeting(session, meeting_id)
    view = await public_view(session, meeting_id, locale=locale)
    embed = embed_of(view.stream_url)
    items = {str(i.id): i for i in view.agenda}
    context: dict[str, Any] = {
        "m": view,
        "current": items.get(str(view.current_item_id)) if view.current_item_id else None,
        "items": items,
        "embed": embed,
        "after": head,
        "page_path": path,
    }
    return render(
        request,
        template,
        locale=locale,
        timezone=await org_service.site_timezone(session, meeting.unit_id),
        headers=_policy(embed),
        **context,
    )


@router.get("/meetings/{meeting_id}", dependencies=[Depends(public)])
async def meeting_page(meeting_id: uuid.UUID, request: Request, session: DbSession) -> Response:
    """Show a meeting's public notice: agenda, broadcast, minutes and decisions so far."""
    path = f"/meetings/{meeting_id}"
    return await _page(request, session, meeting_id, "meeting_public.html", path)


@router.get("/meetings/{meeting_id}/live", dependencies=[Depends(public)])
async def meeting_live_page(
    meeting_id: uuid.UUID, request: Request, session: DbSession
) -> Response:
    """Follow a meeting live: the item under discussion, new minutes and decisions as they come."""
    path = f"/meetings/{meeting_id}/live"
    return await _page(request, session, meeting_id, "meeting_live.html", path)


def public_envelope(envelope: dict[str, Any]) -> dict[str, Any]:
    """Return what the public stream sends of a meeting event: no org path, nothing internal."""
    keep = ("subject", "seq", "at", "meeting_id", "kind", "item")
    return {k: envelope[k] for k in keep if k in envelope}


@stream_router.get(
    "/api/public/meetings/{meeting_id}/stream",
    summary="A meeting's public minutes and decisions as they happen (Server-Sent Events)",
    dependencies=[Depends(public)],
    response_class=live.EventStream,
    responses=live.EVENT_STREAM,
)
async def meeting_stream(
    meeting_id: uuid.UUID,
    session: DbSession,
    after: Annotated[
        int | None,
        Query(
            ge=0,
            le=2**62,
            description="send the logged events after this seq first (first connection)",
        ),
    ] = None,
    last_event_id: Annotated[
        str | None,
        Header(
            alias="Last-Event-ID", max_length=32, description="resume after this seq (on reconnect)"
        ),
    ] = None,
) -> live.EventStream:
    """Stream the meeting's public events: status, current item, minutes, decisions."""
    await meetings_service.find_meeting(session, meeting_id)
    client = live.LiveClient(
        None,
        after=live.resume_point(last_event_id, after),
        patterns=(LIVE_PATTERN,),
        accepts=lambda envelope: is_public_for(envelope, meeting_id),
        project=public_envelope,
    )
    return live.stream(client)
