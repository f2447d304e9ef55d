"""The staff's cheap booking count (the community hub's tile): bookings of the caller's subtree
starting in a range, by status; another subtree's are not counted."""

from __future__ import annotations

from linli.core.database import session_scope
from linli.core.pagination import PageQuery
from linli.residents.bookings import service
from linli.residents.bookings.models import CANCELLED, HOLDING
from linli.security.permissions import Principal

from .conftest import TUESDAY, Site, local


async def test_count_bookings_of_a_day_in_the_callers_subtree(site: Site) -> None:
    one, two = await site.resident(), await site.resident()
    async with session_scope() as session:
        kept = await service.book(
            session,
            one,
            facility_id=site.facility.id,
            starts_at=local(TUESDAY, 10),
            ends_at=local(TUESDAY, 11),
        )
        await service.book(
            session,
            two,
            facility_id=site.facility.id,
            starts_at=local(TUESDAY, 14),
            ends_at=local(TUESDAY, 15),
        )
        await service.cancel_booking(session, kept.id, principal=site.admin, reason="storm")
    day = {"starts": local(TUESDAY, 0), "ends": local(TUESDAY, 24)}
    async with session_scope() as session:
        admin: Principal = site.admin
        assert await service.count_bookings(session, principal=admin, **day) == 1
        assert (
            await service.count_bookings(session, principal=admin, statuses=(CANCELLED,), **day)
            == 1
        )
        before = {"starts": local(TUESDAY, 0), "ends": local(TUESDAY, 10)}
        assert await service.count_bookings(session, principal=admin, **before) == 0
        listed = await service.bookings_page(session, principal=admin, paging=PageQuery(limit=50))
        assert len([b for b in listed.items if b.status in HOLDING]) == 1
