"""What every signed-in page shares: who is looking, their CSRF token, navigation, time zone."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.errors import NotFound
from linli.org import service as org_service
from linli.security.permissions import Principal


async def viewer_timezone(session: AsyncSession, principal: Principal) -> str:
    """Return the site's time zone for the principal (their first unit's calendar): the zone
    every time on their pages is shown in, whatever the browser's own."""
    if not principal.grants:
        return "UTC"
    try:
        unit = await org_service.get_unit(session, principal.grants[0].unit_id)
    except NotFound:
        return "UTC"
    return await org_service.site_timezone(session, unit)


# The read permissions of the community sections (`linli.web.community_pages`): any of them shows
# the menu's one "Community" link.
COMMUNITY_READ = (
    "residents:read",
    "notices:read",
    "bookings:read",
    "participation:read",
    "participation:ballots",
    "surveys:read",
    "meetings:read",
)


def page_context(principal: Principal) -> dict[str, Any]:
    """Return the frame of a signed-in page: the principal, CSRF token and navigation rights."""
    return {
        "principal": principal,
        "csrf_token": principal.csrf_token or "",
        "can_watch": principal.has("alarms:read"),
        "can_handle": principal.has("cases:handle"),
        "can_community": any(principal.has(p) for p in COMMUNITY_READ),
    }
