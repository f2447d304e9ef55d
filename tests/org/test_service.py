"""The org tree: locating points, walking subtrees, routing categories to units."""

from __future__ import annotations

import pytest

from factories import EQUATOR, MID, NORTH, WEST, center, make_district, square
from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.core.errors import Conflict, ValidationFailed
from linli.org import service as org_service


async def test_locate_returns_the_deepest_unit(db: str, clock: clock_mod.ManualClock) -> None:
    async with session_scope() as session:
        tree = await make_district(session)
        for grid in tree.grids:
            found = await org_service.locate(session, *center(grid))
            assert found is not None and found.code == grid.code
        community = tree.unit("S2-C1")
        assert await org_service.locate(session, *center(community), within=community) in (
            [g for g in tree.grids if g.parent_id == community.id]
        )


async def test_locate_outside_every_boundary_is_none(db: str, clock: clock_mod.ManualClock) -> None:
    async with session_scope() as session:
        await make_district(session)
        assert await org_service.locate(session, 114.20, 22.55) is None  # east of the district
        assert await org_service.locate(session, 113.85, 22.70) is None  # north of it
        assert await org_service.locate(session, 0.0, 0.0) is None


async def test_locate_within_keeps_to_a_subtree(db: str, clock: clock_mod.ManualClock) -> None:
    async with session_scope() as session:
        tree = await make_district(session)
        point = center(tree.unit("S2-C2-G1"))
        assert await org_service.locate(session, *point, within=tree.unit("S1")) is None
        found = await org_service.locate(session, *point, within=tree.unit("S2"))
        assert found is not None and found.code == "T-S2-C2-G1"


async def test_a_point_on_a_shared_edge_goes_to_the_lowest_code(
    db: str, clock: clock_mod.ManualClock
) -> None:
    async with session_scope() as session:
        tree = await make_district(session)
        # On the edge between the streets (and four grids meet at the corner).
        corner = await org_service.locate(session, MID, EQUATOR)
        edge = await org_service.locate(session, MID, 22.52)
        half = (WEST + MID) / 2  # between the two grids of S1-C2
        inner = await org_service.locate(session, half, 22.56)
        on_outer_edge = await org_service.locate(session, WEST, NORTH)
    assert corner is not None and corner.code == "T-S1-C1-G2"
    assert edge is not None and edge.code == "T-S1-C1-G2"
    assert inner is not None and inner.code == "T-S1-C2-G1"
    assert on_outer_edge is not None and on_outer_edge.code == "T-S1-C2-G1"
    assert tree.unit("S1-C1-G2").code == "T-S1-C1-G2"


async def test_subtree_and_ancestors(db: str, clock: clock_mod.ManualClock) -> None:
    async with session_scope() as session:
        tree = await make_district(session)
        street = tree.unit("S1")
        codes = [u.code for u in await org_service.subtree(session, street)]
        assert codes == [
            "T-S1",
            "T-S1-C1",
            "T-S1-C2",
            "T-S1-C1-G1",
            "T-S1-C1-G2",
            "T-S1-C2-G1",
            "T-S1-C2-G2",
        ]
        grids = await org_service.subtree(session, street, kinds=("grid",))
        assert len(grids) == 4 and all(g.kind == "grid" for g in grids)
        everything = await org_service.subtree(session, tree.district)
        assert len(everything) == 1 + 1 + 2 + 4 + 8
        chain = await org_service.ancestors(session, tree.unit("S2-C1-G2"))
        assert [u.code for u in chain] == ["T", "T-S2", "T-S2-C1"]
        parent = await org_service.escalation_parent(session, tree.unit("S2-C1-G2"))
        assert parent is not None and parent.code == "T-S2-C1"


async def test_unit_codes_are_unique_and_boundaries_checked(
    db: str, clock: clock_mod.ManualClock
) -> None:
    async with session_scope() as session:
        tree = await make_district(session)
        with pytest.raises(Conflict):
            await org_service.create_unit(
                session, kind="grid", code="T-S1-C1-G1", name="again", parent=tree.unit("S1-C1")
            )
        for boundary in (
            {"type": "Point", "coordinates": [113.9, 22.5]},
            {"type": "Polygon", "coordinates": "nonsense"},
            {"type": "Polygon"},
            {"hello": "world"},
            # A bow tie: the ring crosses itself.
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
        ):
            with pytest.raises(ValidationFailed) as err:
                await org_service.create_unit(
                    session,
                    kind="grid",
                    code="X",
                    name="x",
                    parent=tree.district,
                    boundary=boundary,
                )
            assert err.value.code == "bad_boundary"
        unit = await org_service.create_unit(
            session,
            kind="zone",
            code="Z",
            name="zone",
            parent=tree.district,
            boundary=square(113.81, 22.51, 113.82, 22.52),
        )
    assert unit.id.version == 7 and unit.path == tree.district.path + unit.id.hex + "/"


async def test_routing_most_specific_scope_wins(db: str, clock: clock_mod.ManualClock) -> None:
    async with session_scope() as session:
        tree = await make_district(session)
        dept, community = tree.department, tree.unit("S1-C1")
        await org_service.set_route(
            session, category_code="waste", scope=tree.district, target=dept
        )
        await org_service.set_route(
            session, category_code="waste", scope=community, target=community
        )
        in_community = await org_service.route(
            session, category_code="waste", unit=tree.unit("S1-C1-G2")
        )
        elsewhere = await org_service.route(
            session, category_code="waste", unit=tree.unit("S2-C2-G1")
        )
        at_district = await org_service.route(session, category_code="waste", unit=tree.district)
    assert in_community is not None and in_community.code == "T-S1-C1"
    assert elsewhere is not None and elsewhere.code == "T-DEPT"
    assert at_district is not None and at_district.code == "T-DEPT"


async def test_routing_falls_back_to_the_parent_category(
    db: str, clock: clock_mod.ManualClock
) -> None:
    async with session_scope() as session:
        tree = await make_district(session)
        street = tree.unit("S2")
        await org_service.set_route(
            session, category_code="env", scope=tree.district, target=tree.department
        )
        await org_service.set_route(session, category_code="env.noise", scope=street, target=street)
        grid_s2, grid_s1 = tree.unit("S2-C1-G1"), tree.unit("S1-C1-G1")
        night_noise_s2 = await org_service.route(
            session, category_code="env.noise.night", unit=grid_s2
        )
        night_noise_s1 = await org_service.route(
            session, category_code="env.noise.night", unit=grid_s1
        )
        water = await org_service.route(session, category_code="env.water", unit=grid_s2)
        unrouted = await org_service.route(session, category_code="roads.pothole", unit=grid_s2)
        # Lookalike codes are not parents: "envelope" does not fall back to "env".
        lookalike = await org_service.route(session, category_code="envelope", unit=grid_s2)
    assert night_noise_s2 is not None and night_noise_s2.code == "T-S2"
    assert night_noise_s1 is not None and night_noise_s1.code == "T-DEPT"
    assert water is not None and water.code == "T-DEPT"
    assert unrouted is None and lookalike is None


async def test_set_route_replaces_the_rule_for_the_same_scope(
    db: str, clock: clock_mod.ManualClock
) -> None:
    async with session_scope() as session:
        tree = await make_district(session)
        first = await org_service.set_route(
            session, category_code="lift", scope=tree.district, target=tree.department
        )
        second = await org_service.set_route(
            session, category_code="lift", scope=tree.district, target=tree.unit("S1")
        )
        routed = await org_service.route(session, category_code="lift", unit=tree.unit("S2"))
    assert first.id == second.id
    assert routed is not None and routed.code == "T-S1"
