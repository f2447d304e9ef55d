"""Finding a facility: residents see the active facilities of their site open to their area,
and a day's slots free or taken (never by whom)."""

from __future__ import annotations

from datetime import date

from linli.core.database import session_scope
from linli.core.pagination import PageQuery
from linli.residents.bookings import service
from linli.residents.bookings.schemas import FacilityCreate

from .conftest import HALL, TUESDAY, Site, local


async def _names(site: Site, home: str) -> list[str]:
    async with session_scope() as session:
        page = await service.resident_facilities_page(
            session, await site.resident(home=home), paging=PageQuery()
        )
    return [f.name for f in page.items]


async def test_residents_find_the_facilities_open_to_their_area(site: Site) -> None:
    async with session_scope() as session:
        await service.create_facility(
            session,
            data=FacilityCreate(
                **(HALL | {"name": "Open court", "kind": "court"}),
                org_unit_id=site.units["S2"].id,
            ),
            principal=site.admin,
        )
        closed = await service.create_facility(
            session,
            data=FacilityCreate(**(HALL | {"name": "Old room"}), org_unit_id=site.units["S2"].id),
            principal=site.admin,
        )
        closed.active = False
    assert await _names(site, "S1-C1") == ["Community hall", "Open court"]
    assert await _names(site, "S2-C1") == ["Open court"]  # the hall is for Street 1's residents


async def test_a_days_slots_say_free_or_taken(site: Site) -> None:
    async with session_scope() as session:
        await service.book(
            session,
            await site.resident(),
            facility_id=site.facility.id,
            starts_at=local(TUESDAY, 10),
            ends_at=local(TUESDAY, 12),
        )
        _, (day,) = await service.calendar(session, site.facility, first=date(*TUESDAY), days=1)
    taken = [s.starts_at for s in day.slots if s.booking is not None]
    assert taken == [local(TUESDAY, 10), local(TUESDAY, 11)]
    assert len(day.slots) == 14 and day.open


def test_fees_are_written_as_each_language_writes_money() -> None:
    assert service.format_fee(1250, "SGD", "en") == "SGD12.50"
    assert service.format_fee(2000, "CNY", "zh_Hans") == "¥20.00"
    assert service.format_fee(2000, "CNY", "ta") == "CN¥20.00"
    assert service.format_fee(500, "JPY", "en") == "¥500"  # no minor unit
