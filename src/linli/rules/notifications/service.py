"""Notifications for people: my inbox and preferences, on-call routes, deliveries and gateway
receipts (residents to phone or visit live in `reach`).

Functions taking `principal` check and scope by it; `principal=None` means a trusted caller.
"""

from __future__ import annotations

import hmac
import json
import uuid
from collections.abc import Sequence
from urllib.parse import urlsplit

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from linli.core.pagination import (
    Page,
    PageQuery,
    bounded_count,
    keyset_page,
    newest_first,
    oldest_first,
)
from linli.org import service as org_service
from linli.registry import service as registry_service
from linli.rules.notifications import routing
from linli.rules.notifications.case_notices import (
    dispatch_case_events as dispatch_case_events,
)
from linli.rules.notifications.channels import Channel as Channel
from linli.rules.notifications.channels import DeliveryFailed as DeliveryFailed
from linli.rules.notifications.channels import FileGateway as FileGateway
from linli.rules.notifications.channels import Message as Message
from linli.rules.notifications.channels import Receipt as Receipt
from linli.rules.notifications.channels import build_gateways as build_gateways
from linli.rules.notifications.config import NotifySettings
from linli.rules.notifications.config import get_notify_settings as get_notify_settings
from linli.rules.notifications.dispatcher import dispatch_events as dispatch_events
from linli.rules.notifications.dispatcher import drain as drain
from linli.rules.notifications.dispatcher import follow as follow
from linli.rules.notifications.models import (
    Delivery,
    NoticeMessage,
    Notification,
    NotificationPreference,
    NotificationRoute,
)
from linli.rules.notifications.schemas import (
    DeliveryRead,
    PreferenceRead,
    PreferenceUpdate,
    ReceiptCreate,
    ReceiptRead,
    RouteCreate,
    RouteUpdate,
)
from linli.security import audit
from linli.security.models import StaffAccount
from linli.security.permissions import Principal, actor_of, scope_or_all

# The orders of the lists (a unique key last, for keyset pages).
INBOX_ORDER = newest_first(Notification.created_at, Notification.id)
ROUTE_ORDER = oldest_first(
    NotificationRoute.unit_path, NotificationRoute.severity_min, NotificationRoute.id
)
DELIVERY_ORDER = newest_first(Delivery.created_at, Delivery.id)

# --- my inbox --------------------------------------------------------------------------------


def _mine(principal: Principal) -> Select[Notification]:
    return select(Notification).where(Notification.account_id == principal.account_id)


async def inbox(
    session: AsyncSession,
    *,
    principal: Principal,
    unread: bool = False,
    paging: PageQuery = PageQuery(),
) -> tuple[Page[Notification], int, bool]:
    """Return a page of the principal's notifications (newest first) and how many are unread
    (counted up to `COUNT_CAP`; the flag says the count stopped there)."""
    stmt = _mine(principal)
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    found = await keyset_page(session, stmt, INBOX_ORDER, paging)
    unread_count, capped = await bounded_count(
        session, _mine(principal).where(Notification.read_at.is_(None))
    )
    return found, unread_count, capped


async def mark_read(
    session: AsyncSession, notification_id: uuid.UUID, *, principal: Principal
) -> Notification:
    """Mark one of the principal's notifications as read (others' answer 404)."""
    notification = await session.get(Notification, notification_id)
    if notification is None or notification.account_id != principal.account_id:
        raise NotFound("notification not found", code="notification_not_found")
    if notification.read_at is None:
        notification.read_at = clock.now()
        await session.flush()
    return notification


async def mark_all_read(session: AsyncSession, *, principal: Principal) -> int:
    """Mark every unread notification of the principal as read; return how many."""
    result = await session.execute(
        update(Notification)
        .where(Notification.account_id == principal.account_id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- my preferences --------------------------------------------------------------------------


def preference_view(pref: NotificationPreference | None) -> PreferenceRead:
    """Return preferences as the owner sees them (unset: the defaults)."""
    if pref is None:
        return PreferenceRead(
            channels={}, timezone=None, quiet_start=None, quiet_end=None,
            email=None, phone=None, push_endpoint=None,
        )  # fmt: skip
    return PreferenceRead.model_validate(pref)


async def get_preferences(
    session: AsyncSession, *, principal: Principal
) -> NotificationPreference | None:
    """Return the principal's preferences, or None while they keep the defaults."""
    return await session.get(NotificationPreference, principal.account_id)


async def set_preferences(
    session: AsyncSession, *, principal: Principal, data: PreferenceUpdate
) -> NotificationPreference:
    """Replace the principal's preferences."""
    phone = registry_service.normalise_phone(data.phone) if data.phone else None
    pref = await session.get(NotificationPreference, principal.account_id)
    if pref is None:
        pref = NotificationPreference(account_id=principal.account_id)
        session.add(pref)
    pref.channels = {k: list(dict.fromkeys(v)) for k, v in data.channels.items()}
    pref.timezone = data.timezone
    pref.quiet_start, pref.quiet_end = data.quiet_start, data.quiet_end
    pref.email, pref.phone = data.email, phone
    push = data.push
    pref.push_endpoint = push.endpoint if push else None
    pref.push_p256dh = push.keys["p256dh"] if push else None
    pref.push_auth = push.keys["auth"] if push else None
    pref.updated_at = clock.now()
    await session.flush()
    return pref


# --- on-call routes --------------------------------------------------------------------------


async def _check_staff(session: AsyncSession, staff_ids: Sequence[uuid.UUID], path: str) -> None:
    if len(set(staff_ids)) != len(staff_ids):
        raise ValidationFailed("a person is listed twice", code="staff_repeated")
    for staff_id in staff_ids:
        account = await session.get(StaffAccount, staff_id)
        if account is None or not await routing.may_read(session, account, path):
            raise ValidationFailed(
                f"staff {staff_id} cannot read alarms of this unit", code="staff_cannot_read"
            )


async def _audit_route(
    session: AsyncSession, route: NotificationRoute, action: str, principal: Principal | None
) -> None:
    await audit.record(
        session,
        actor=actor_of(principal),
        action=action,
        target_type="notification_route",
        target_id=str(route.id),
        org_path=route.unit_path,
        detail={
            "severity_min": route.severity_min,
            "staff": list(route.staff_ids),
            "ack_timeout_minutes": route.ack_timeout_minutes,
        },
    )


async def create_route(
    session: AsyncSession, *, data: RouteCreate, principal: Principal | None = None
) -> NotificationRoute:
    """Set the on-call list of a unit for alarms of a minimum severity."""
    try:
        unit = await org_service.get_unit(session, data.unit_id)
    except NotFound as err:
        raise ValidationFailed("no such org unit", code="unknown_unit") from err
    if principal is not None:
        principal.require("rules:write", unit.path)
    taken = await session.scalar(
        select(NotificationRoute.id).where(
            NotificationRoute.unit_id == unit.id,
            NotificationRoute.severity_min == data.severity_min,
        )
    )
    if taken is not None:
        raise Conflict("this unit has a route for that severity", code="route_exists")
    await _check_staff(session, data.staff_ids, unit.path)
    route = NotificationRoute(
        unit_id=unit.id,
        unit_path=unit.path,
        severity_min=data.severity_min,
        staff_ids=[str(s) for s in data.staff_ids],
        ack_timeout_minutes=data.ack_timeout_minutes,
    )
    session.add(route)
    await session.flush()
    await _audit_route(session, route, "notification_route.create", principal)
    return route


async def list_routes(
    session: AsyncSession, *, principal: Principal | None, paging: PageQuery = PageQuery()
) -> Page[NotificationRoute]:
    """Return a page of the routes of units in the principal's scope, by unit and severity."""
    stmt = select(NotificationRoute).where(
        scope_or_all(principal, "rules:read", NotificationRoute.unit_path)
    )
    return await keyset_page(session, stmt, ROUTE_ORDER, paging)


async def get_route(
    session: AsyncSession, route_id: uuid.UUID, *, principal: Principal | None = None
) -> NotificationRoute:
    """Return a route in the principal's scope, or raise NotFound."""
    route = await session.get(NotificationRoute, route_id)
    if route is None or (
        principal is not None and not principal.can("rules:read", route.unit_path)
    ):
        raise NotFound("route not found", code="route_not_found")
    return route


async def update_route(
    session: AsyncSession,
    route: NotificationRoute,
    *,
    data: RouteUpdate,
    principal: Principal | None = None,
) -> NotificationRoute:
    """Change a route's severity, list or timeout."""
    if principal is not None:
        principal.require("rules:write", route.unit_path)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("severity_min") not in (None, route.severity_min):
        taken = await session.scalar(
            select(NotificationRoute.id).where(
                NotificationRoute.unit_id == route.unit_id,
                NotificationRoute.severity_min == changes["severity_min"],
            )
        )
        if taken is not None:
            raise Conflict("this unit has a route for that severity", code="route_exists")
    if data.staff_ids is not None:
        await _check_staff(session, data.staff_ids, route.unit_path)
        route.staff_ids = [str(s) for s in data.staff_ids]
    if data.severity_min is not None:
        route.severity_min = data.severity_min
    if data.ack_timeout_minutes is not None:
        route.ack_timeout_minutes = data.ack_timeout_minutes
    await session.flush()
    await _audit_route(session, route, "notification_route.update", principal)
    return route


async def delete_route(
    session: AsyncSession, route: NotificationRoute, *, principal: Principal | None = None
) -> None:
    """Remove a route (its running escalations stop with it)."""
    if principal is not None:
        principal.require("rules:write", route.unit_path)
    await _audit_route(session, route, "notification_route.delete", principal)
    await session.delete(route)
    await session.flush()


# --- deliveries and receipts -----------------------------------------------------------------


def _mask(channel: str, address: str | None) -> str | None:
    if not address:
        return None
    if channel == "email":
        user, _, domain = address.partition("@")
        return f"{user[:1]}***@{domain}"
    if channel in ("sms", "voice"):
        return registry_service.mask_phone(address)
    if channel == "push":
        endpoint = str(json.loads(address).get("endpoint", ""))
        return f"push:{urlsplit(endpoint).netloc or '?'}"
    return "***"


def delivery_view(delivery: Delivery) -> DeliveryRead:
    """Return a delivery with its address masked."""
    view = DeliveryRead.model_validate(delivery)
    view.address = _mask(delivery.channel, delivery.address)
    return view


async def list_deliveries(
    session: AsyncSession,
    *,
    principal: Principal | None,
    status: str | None = None,
    channel: str | None = None,
    notification_id: uuid.UUID | None = None,
    paging: PageQuery = PageQuery(),
) -> Page[Delivery]:
    """Return a page of deliveries about alarms the principal may read, newest first."""
    stmt = select(Delivery).where(scope_or_all(principal, "alarms:read", Delivery.org_path))
    if status is not None:
        stmt = stmt.where(Delivery.status == status)
    if channel is not None:
        stmt = stmt.where(Delivery.channel == channel)
    if notification_id is not None:
        stmt = stmt.where(Delivery.notification_id == notification_id)
    return await keyset_page(session, stmt, DELIVERY_ORDER, paging)


async def record_receipt(
    session: AsyncSession,
    *,
    gateway: str,
    token: str | None,
    data: ReceiptCreate,
    settings: NotifySettings | None = None,
) -> ReceiptRead:
    """Record a gateway's callback (delivered, or failed and retried like any failure) for a
    staff delivery or a resident's incident message."""
    settings = settings or get_notify_settings()
    expected = settings.receipt_token
    if not expected or not token or not hmac.compare_digest(token, expected):
        raise Unauthenticated("missing or wrong gateway token", code="bad_gateway_token")
    message: Delivery | NoticeMessage | None = await session.scalar(
        select(Delivery).where(Delivery.gateway == gateway, Delivery.receipt_id == data.receipt_id)
    )
    if message is None:
        message = await session.scalar(
            select(NoticeMessage).where(
                NoticeMessage.gateway == gateway, NoticeMessage.receipt_id == data.receipt_id
            )
        )
    if message is None:
        raise NotFound("no delivery has this receipt", code="receipt_not_found")
    now = clock.now()
    if data.status == "delivered":
        message.delivered_at = message.delivered_at or now
    elif message.status == "sent" and message.delivered_at is None:
        message.last_error = (data.error or "the gateway reported a failure")[:1000]
        message.status = "dead" if message.attempts >= settings.max_attempts else "failed"
        message.next_attempt_at = now
    await session.flush()
    kind = "delivery" if isinstance(message, Delivery) else "notice_message"
    return ReceiptRead(
        kind=kind, id=message.id, status=message.status, delivered_at=message.delivered_at
    )


async def send_now(*, channel: str, to: str, subject: str, body: str, locale: str = "en") -> str:
    """Send one message at once over the install's gateway for `channel` (sms, email): no inbox
    row, no retry, nothing stored — for what must never be kept, such as a one-time code. Call it
    with no transaction open; return the gateway's receipt id, or raise DeliveryFailed."""
    gateway = build_gateways(get_notify_settings()).get(channel)
    if gateway is None:
        raise DeliveryFailed(f"no gateway for {channel}", code="no_gateway")
    message = Message(
        delivery_id=uuid.uuid4(),
        notification_id=uuid.uuid4(),
        channel=channel,
        to=to,
        subject=subject,
        body=body,
        locale=locale,
    )
    receipt = await gateway.send(message)
    return receipt.receipt_id
