"""Matching volunteers to a need: nearest first, only those available and qualified then,
speakers of the wanted language first, only the subtree asked for."""

from __future__ import annotations

from datetime import date, timedelta

from factories import make_district
from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.volunteers import service
from linli.volunteers.models import Leave, Programme, Shift, Signup

from .world import HOME, ids, volunteer


async def test_nearest_first_and_only_the_available(db: str, clock: clock_mod.ManualClock) -> None:
    now = clock.now()  # Monday 09:00 in the district's zone
    async with session_scope() as session:
        tree = await make_district(session)
        near = await volunteer(session, tree, "Near", metres=100)
        mid = await volunteer(session, tree, "Mid", metres=600)
        far = await volunteer(session, tree, "Far", metres=3000)
        # Only on Tuesdays: outside the window.
        await volunteer(
            session,
            tree,
            "Tuesday",
            metres=50,
            windows=[{"weekday": 1, "start": "08:00", "end": "12:00"}],
        )
        # A Monday morning window that covers now.
        monday = await volunteer(
            session,
            tree,
            "Monday",
            metres=1500,
            windows=[{"weekday": 0, "start": "08:30", "end": "10:00"}],
        )
        away = await volunteer(session, tree, "Away", metres=60)
        session.add(
            Leave(
                volunteer_id=away.id,
                starts_at=now - timedelta(days=1),
                ends_at=now + timedelta(days=3),
            )
        )
        busy = await volunteer(session, tree, "Busy", metres=70)
        await volunteer(session, tree, "Inactive", metres=80, active=False)
        c1 = tree.unit("S1-C1")
        programme = Programme(
            unit_id=c1.id, org_path=c1.path, name={"en": "Meals"}, created_by="test"
        )
        session.add(programme)
        await session.flush()
        shift = Shift(
            programme_id=programme.id,
            org_path=programme.org_path,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=2),
            place="Hall",
            needed=2,
            skills=[],
        )
        session.add(shift)
        await session.flush()
        session.add(
            Signup(
                shift_id=shift.id,
                volunteer_id=busy.id,
                starts_at=shift.starts_at,
                ends_at=shift.ends_at,
                status="confirmed",
                actor="test",
            )
        )
    async with session_scope() as session:
        lon, lat = HOME
        found = await service.nearest_available(
            session, org_path=tree.district.path, lon=lon, lat=lat, at=now, limit=10
        )
        assert ids(found) == [near.id, mid.id, monday.id, far.id]
        assert [c.display_name for c in found][:2] == ["Near", "Mid"]
        assert 90 < found[0].distance_m < 110
        two = await service.nearest_available(
            session,
            org_path=tree.district.path,
            lon=lon,
            lat=lat,
            at=now,
            limit=2,
            exclude=[near.id],
        )
        assert ids(two) == [mid.id, monday.id]
        # Tuesday 09:00 local: the Tuesday volunteer is nearest, the Monday one is not there.
        tuesday = now + timedelta(days=1)
        found = await service.nearest_available(
            session, org_path=tree.district.path, lon=lon, lat=lat, at=tuesday, limit=10
        )
        assert monday.id not in ids(found) and ids(found)[0] != near.id
        assert busy.id in ids(found)  # the shift is over by then


async def test_expired_qualification_excludes(db: str, clock: clock_mod.ManualClock) -> None:
    now = clock.now()
    today = now.date()
    async with session_scope() as session:
        tree = await make_district(session)
        expired = await volunteer(
            session,
            tree,
            "Expired",
            metres=50,
            skills=["first_aid"],
            qualifications={"first_aid_certificate": today - timedelta(days=1)},
        )
        valid = await volunteer(
            session,
            tree,
            "Valid",
            metres=400,
            skills=["first_aid"],
            qualifications={"first_aid_certificate": date(2099, 1, 1)},
        )
        await volunteer(session, tree, "No skill", metres=10)
        lapsing = await volunteer(
            session,
            tree,
            "Lapsing",
            metres=200,
            skills=["first_aid"],
            qualifications={"first_aid_certificate": today},
        )
    async with session_scope() as session:
        lon, lat = HOME
        found = await service.nearest_available(
            session,
            org_path=tree.district.path,
            lon=lon,
            lat=lat,
            at=now,
            skills=frozenset({"first_aid"}),
        )
        assert ids(found) == [lapsing.id, valid.id]
        later = await service.nearest_available(
            session,
            org_path=tree.district.path,
            lon=lon,
            lat=lat,
            at=now + timedelta(days=2),
            skills=frozenset({"first_aid"}),
        )
        assert ids(later) == [valid.id]
        assert expired.id not in ids(later)


async def test_language_first_and_subtree(db: str, clock: clock_mod.ManualClock) -> None:
    now = clock.now()
    async with session_scope() as session:
        tree = await make_district(session)
        english = await volunteer(session, tree, "English", metres=100)
        tamil = await volunteer(session, tree, "Tamil", metres=900, languages=["ta", "en"])
        other = await volunteer(session, tree, "Street 2", metres=50, unit="S2-C1-G1")
    async with session_scope() as session:
        lon, lat = HOME
        found = await service.nearest_available(
            session, org_path=tree.district.path, lon=lon, lat=lat, at=now, language="ta"
        )
        assert ids(found) == [tamil.id, other.id, english.id]
        assert found[0].languages == ("ta", "en")
        street1 = await service.nearest_available(
            session, org_path=tree.unit("S1").path, lon=lon, lat=lat, at=now
        )
        assert ids(street1) == [english.id, tamil.id]
