"""Notifications HTTP API: my inbox and preferences, on-call routes, deliveries, receipts."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import Response

from linli.core.deps import Paging
from linli.core.pagination import page_meta
from linli.core.schemas import Key, Secret
from linli.rules.notifications import notice_delivery, push_key, service
from linli.rules.notifications import reach as reach_service
from linli.rules.notifications.config import get_notify_settings
from linli.rules.notifications.schemas import (
    DeliveryPage,
    NoticeDeliveriesPage,
    NoticeDeliveriesRead,
    NotificationPage,
    NotificationRead,
    PreferenceRead,
    PreferenceUpdate,
    PushKeyRead,
    ReachRead,
    ReachUpdate,
    ReceiptCreate,
    ReceiptRead,
    RouteCreate,
    RoutePage,
    RouteRead,
    RouteUpdate,
)
from linli.security.deps import DbSession, credentials_checked, public, require
from linli.security.permissions import Principal

router = APIRouter(prefix="/api/notifications", tags=["notifications"])

Reader = Annotated[Principal, Depends(require("alarms:read"))]


@router.get("/inbox")
async def inbox(
    session: DbSession,
    principal: Reader,
    paging: Paging,
    unread: bool = False,
) -> NotificationPage:
    """List my notifications, newest first, with how many are unread."""
    page, unread_count, unread_capped = await service.inbox(
        session, principal=principal, unread=unread, paging=paging
    )
    return NotificationPage(
        items=[NotificationRead.model_validate(n) for n in page.items],
        unread=unread_count,
        unread_capped=unread_capped,
        **page_meta(page),
    )


@router.post("/inbox/{notification_id}/read")
async def mark_read(
    notification_id: uuid.UUID, session: DbSession, principal: Reader
) -> NotificationRead:
    """Mark one of my notifications as read."""
    notification = await service.mark_read(session, notification_id, principal=principal)
    return NotificationRead.model_validate(notification)


@router.post("/inbox/read-all")
async def mark_all_read(session: DbSession, principal: Reader) -> dict[str, int]:
    """Mark all my notifications as read."""
    return {"marked": await service.mark_all_read(session, principal=principal)}


@router.get("/preferences")
async def get_preferences(session: DbSession, principal: Reader) -> PreferenceRead:
    """Return my channels per severity, quiet hours, time zone and addresses."""
    return service.preference_view(await service.get_preferences(session, principal=principal))


@router.put("/preferences")
async def set_preferences(
    data: PreferenceUpdate, session: DbSession, principal: Reader
) -> PreferenceRead:
    """Replace my notification preferences."""
    pref = await service.set_preferences(session, principal=principal, data=data)
    return service.preference_view(pref)


@router.get("/routes")
async def list_routes(
    session: DbSession,
    principal: Annotated[Principal, Depends(require("rules:read"))],
    paging: Paging,
) -> RoutePage:
    """List the on-call routes of units in my scope, by unit and severity."""
    page = await service.list_routes(session, principal=principal, paging=paging)
    return RoutePage(items=[RouteRead.model_validate(r) for r in page.items], **page_meta(page))


@router.post("/routes", status_code=201)
async def create_route(
    data: RouteCreate,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("rules:write"))],
) -> RouteRead:
    """Set a unit's on-call list for alarms of a minimum severity (each must read its alarms)."""
    route = await service.create_route(session, data=data, principal=principal)
    return RouteRead.model_validate(route)


@router.get("/routes/{route_id}")
async def get_route(
    route_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("rules:read"))],
) -> RouteRead:
    """Return one route."""
    return RouteRead.model_validate(await service.get_route(session, route_id, principal=principal))


@router.patch("/routes/{route_id}")
async def update_route(
    route_id: uuid.UUID,
    data: RouteUpdate,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("rules:write"))],
) -> RouteRead:
    """Change a route's minimum severity, on-call list or acknowledgement timeout."""
    route = await service.get_route(session, route_id, principal=principal)
    route = await service.update_route(session, route, data=data, principal=principal)
    return RouteRead.model_validate(route)


@router.delete("/routes/{route_id}", status_code=204)
async def delete_route(
    route_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("rules:write"))],
) -> Response:
    """Remove a route."""
    route = await service.get_route(session, route_id, principal=principal)
    await service.delete_route(session, route, principal=principal)
    return Response(status_code=204)


@router.get("/deliveries")
async def list_deliveries(
    session: DbSession,
    principal: Reader,
    paging: Paging,
    status: Literal["queued", "sent", "failed", "dead"] | None = None,
    channel: Literal["inapp", "push", "email", "sms", "voice"] | None = None,
    notification_id: uuid.UUID | None = None,
) -> DeliveryPage:
    """List deliveries about alarms in my scope (addresses masked), newest first."""
    page = await service.list_deliveries(
        session,
        principal=principal,
        status=status,
        channel=channel,
        notification_id=notification_id,
        paging=paging,
    )
    return DeliveryPage(items=[service.delivery_view(d) for d in page.items], **page_meta(page))


@router.post(
    "/receipts/{gateway}",
    dependencies=[Depends(public)],
    responses={401: {"description": "No gateway token, or a wrong one"}},
)
async def record_receipt(
    gateway: Key,
    data: ReceiptCreate,
    request: Request,
    session: DbSession,
    x_gateway_token: Annotated[Secret | None, Header()] = None,
) -> ReceiptRead:
    """Take a gateway's delivery receipt (public; the gateway proves itself with its token)."""
    with credentials_checked(request, "receipts"):
        return await service.record_receipt(
            session, gateway=gateway, token=x_gateway_token, data=data
        )


@router.put("/reach/{resident_id}")
async def set_reach(
    resident_id: uuid.UUID,
    data: ReachUpdate,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("residents:write"))],
) -> ReachRead:
    """Record whether a resident has a smartphone, and how and in which language to reach them."""
    reach = await reach_service.set_reach(session, resident_id, data=data, principal=principal)
    return ReachRead.model_validate(reach)


@router.get("/push/key", responses={404: {"description": "Web Push is not configured"}})
async def push_public_key(principal: Reader) -> PushKeyRead:
    """Return the VAPID public key a browser subscribes to Web Push with (any signed-in staff)."""
    return PushKeyRead(public_key=push_key.public_key(get_notify_settings()))


@router.get("/incidents/{incident_id}/deliveries")
async def incident_notice_deliveries(
    incident_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("incidents:read"))],
) -> NoticeDeliveriesPage:
    """Show what became of each notice of an incident: staff told, messages per channel."""
    views = await notice_delivery.deliveries_of(session, incident_id, principal=principal)
    return NoticeDeliveriesPage(
        items=[NoticeDeliveriesRead.model_validate(v, from_attributes=True) for v in views]
    )
