"""The maps' base layer and the public map's cases over HTTP: each caller gets the layer of their
own subtree, named in their language, with the roads of their area; the public layer and the
public cases hold nothing internal; both demo sites show their named roads; boxes and sizes are
bounded, and bad ones get a 4xx problem."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from linli.cases import service as cases_service
from linli.core.database import session_scope
from linli.org import service as org_service
from linli.registry import service as registry_service
from linli.registry.roads import service as roads_service
from linli.registry.roads.schemas import RoadCreate
from linli.registry.schemas import BuildingCreate, PlaceCreate
from linli.security.models import StaffAccount
from linli.twin import demo
from linli.twin.geography import SiteSpec, baoan_district, sengkang_town

BASE = "/api/map/base"
PUBLIC = "/api/public/map/base"
CASES = "/api/public/map/cases"
AROUND_A = "113.79,22.49,113.86,22.56"  # communities A and B of the site
MakeStaff = Callable[..., Awaitable[Any]]
Site = Any  # the web tests' site: district → street → communities A (with a grid) and B


def square(lon: float, lat: float, size: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


async def _registry(site: Site) -> None:
    """Buildings and a clinic in communities A and B, and a building in another district."""
    async with session_scope() as session:
        other = await org_service.create_unit(
            session,
            kind="district",
            code="other",
            name="Other District",
            boundary=square(103.80, 1.30, 0.1),
        )
        rows = [
            ("A-1", "Block 1", None, 113.81, 22.51, 20),
            ("A-2", "Block 2", None, 113.812, 22.511, 30),
            ("B-1", "Block 9", "9座", 113.86, 22.51, 12),
            ("O-1", "Far Tower", None, 103.85, 1.35, 40),
        ]
        for code, name, name_zh, lon, lat, floors in rows:
            await registry_service.create_building(
                session,
                data=BuildingCreate(
                    code=code, name=name, name_zh=name_zh, lon=lon, lat=lat, floors=floors,
                    households=floors * 8,
                ),
            )  # fmt: skip
        await registry_service.create_place(
            session, data=PlaceCreate(kind="clinic", name="Xixiang Clinic", lon=113.815, lat=22.52)
        )
        assert other.path


def line(*points: tuple[float, float]) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [list(p) for p in points]}


async def _roads(site: Site) -> None:
    """An avenue across communities A and B, a road in B, a road in the other district."""
    async with session_scope() as session:
        other = await org_service.get_unit_by_code(session, "other")
        avenue = line((113.805, 22.52), (113.85, 22.521), (113.895, 22.52))
        rows = [
            ("r-xx", "main", "Xixiang Avenue", "西乡大道", avenue, site.street.id),
            ("r-fw", "local", "Fuwei Road", "福围路", line((113.87, 22.53), (113.89, 22.54)),
             site.community_b.id),
            ("r-far", "local", "Far Road", None, line((103.82, 1.32), (103.88, 1.38)), other.id),
        ]  # fmt: skip
        await roads_service.import_roads(
            session,
            rows=[
                RoadCreate(code=code, kind=kind, name=name, name_zh=name_zh, geometry=geometry,
                           org_unit_id=unit_id)
                for code, kind, name, name_zh, geometry, unit_id in rows
            ],
        )  # fmt: skip


def _layers(body: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for f in body["features"]:
        out.setdefault(f["properties"]["layer"], []).append(f)
    return out


def _names(features: list[dict[str, Any]]) -> set[str]:
    return {f["properties"]["name"] for f in features}


async def test_staff_get_the_layer_of_their_own_subtree_named_in_their_language(
    client: httpx.AsyncClient, site: Site, staff: MakeStaff, token_for: Any
) -> None:
    await _registry(site)
    await _roads(site)
    chen = await staff("chen", role="operator", unit=site.district, locale="zh_Hans")
    grid = await staff("gina", role="grid_worker", unit=site.community_a)
    chen_h = {"Authorization": f"Bearer {await token_for(chen)}"}
    gina_h = {"Authorization": f"Bearer {await token_for(grid)}"}

    res = await client.get(BASE, headers=chen_h)
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("application/geo+json")
    layers = _layers(res.json())
    # Unit names in the reader's language: the district has a Chinese name, the others not.
    assert {"宝安区", "Xixiang", "Community A", "Community B", "Grid A1"} <= _names(layers["unit"])
    assert "Other District" not in _names(layers["unit"])
    # Buildings too, where they have a Chinese name; not "Far Tower" (another district).
    assert _names(layers["building"]) == {"Block 1", "Block 2", "9座"}
    assert _names(layers["place"]) == {"Xixiang Clinic"}
    # The roads of the district, named in Chinese where they have a Chinese name.
    assert _names(layers["road"]) == {"西乡大道", "福围路"}  # not "Far Road"
    avenue = next(f for f in layers["road"] if f["properties"]["code"] == "r-xx")
    assert avenue["geometry"]["type"] == "LineString"
    assert avenue["properties"]["kind"] == "main"
    assert avenue["properties"]["label_at"] == [113.85, 22.521]  # halfway along, on the road
    unit = next(f for f in layers["unit"] if f["properties"]["code"] == "comm-a")
    assert unit["geometry"]["type"] == "Polygon"
    lon, lat = unit["properties"]["label_at"]
    assert 113.80 < lon < 113.85 and 22.50 < lat < 22.55  # the name sits inside the unit

    # A grid worker of community A gets community A's layer only, names in English.
    mine = _layers((await client.get(BASE, headers=gina_h)).json())
    assert _names(mine["unit"]) == {"Community A", "Grid A1"}
    assert _names(mine["building"]) == {"Block 1", "Block 2"}
    assert _names(mine["road"]) == {"Xixiang Avenue"}  # the road through her area, not B's
    # …and a box around community B holds nothing of hers.
    box_b = await client.get(BASE, params={"bbox": "113.855,22.505,113.865,22.515"}, headers=gina_h)
    assert _layers(box_b.json()).get("building") is None


async def test_the_layer_is_bounded_and_cached(
    client: httpx.AsyncClient, site: Site, staff: MakeStaff, token_for: Any
) -> None:
    await _registry(site)
    chen = await staff("chen", role="operator", unit=site.district)
    h = {"Authorization": f"Bearer {await token_for(chen)}"}
    res = await client.get(BASE, params={"limit": 2}, headers=h)
    body = res.json()
    assert len(_layers(body)["building"]) == 2
    assert body["truncated"] == {
        "units": False,
        "roads": False,
        "buildings": True,
        "places": False,
    }
    near = await client.get(BASE, params={"bbox": "113.805,22.505,113.815,22.515"}, headers=h)
    assert _names(_layers(near.json())["building"]) == {"Block 1", "Block 2"}
    # The same answer again costs the browser nothing.
    again = await client.get(BASE, headers={**h, "If-None-Match": res.headers["etag"]})
    assert again.status_code == 200  # another limit, another answer
    same = await client.get(
        BASE, params={"limit": 2}, headers={**h, "If-None-Match": res.headers["etag"]}
    )
    assert same.status_code == 304 and not same.content
    assert "private" in res.headers["cache-control"]


@pytest.mark.parametrize(
    ("url", "params", "code"),
    [
        (BASE, {"bbox": "113.8,22.5,113.9"}, "bad_bbox"),
        (BASE, {"bbox": "east,22.5,113.9,22.6"}, "bad_bbox"),
        (BASE, {"bbox": "113.9,22.5,113.8,22.6"}, "bad_bbox"),
        (BASE, {"bbox": "113.8,22.5,113.9,95"}, "bad_bbox"),
        (BASE, {"bbox": "nan,22.5,113.9,22.6"}, "bad_bbox"),
        (BASE, {"bbox": "110,20,115,24"}, "bbox_too_large"),
        (BASE, {"limit": "0"}, "validation_failed"),
        (BASE, {"limit": "100000"}, "validation_failed"),
        (BASE, {"bbox": "1" * 300}, "validation_failed"),
        (PUBLIC, {"bbox": "113,22,114,23"}, "bbox_too_large"),
        (PUBLIC, {"limit": "5000"}, "validation_failed"),
        (CASES, {}, "validation_failed"),
        (CASES, {"bbox": "113,22,114,23"}, "bbox_too_large"),
        (CASES, {"bbox": AROUND_A, "limit": "1000"}, "validation_failed"),
    ],
)
async def test_bad_boxes_and_sizes_get_a_problem(
    client: httpx.AsyncClient,
    site: Site,
    staff: MakeStaff,
    token_for: Any,
    url: str,
    params: dict[str, str],
    code: str,
) -> None:
    chen = await staff("chen", role="operator", unit=site.district)
    res = await client.get(
        url, params=params, headers={"Authorization": f"Bearer {await token_for(chen)}"}
    )
    assert res.status_code == 422, res.text
    assert res.headers["content-type"].startswith("application/problem+json")
    assert res.json()["code"] == code


async def test_the_base_layer_needs_a_signed_in_reader(
    client: httpx.AsyncClient, site: Site, staff: MakeStaff, token_for: Any
) -> None:
    assert (await client.get(BASE)).status_code == 401
    nobody = await staff("nobody", role=None, unit=None)
    res = await client.get(BASE, headers={"Authorization": f"Bearer {await token_for(nobody)}"})
    assert res.status_code == 403


async def test_the_public_layer_holds_public_facts_only(
    client: httpx.AsyncClient, site: Site
) -> None:
    await _registry(site)
    await _roads(site)
    res = await client.get(PUBLIC, params={"bbox": AROUND_A, "lang": "zh_Hans"})
    assert res.status_code == 200, res.text
    assert "public" in res.headers["cache-control"]
    layers = _layers(res.json())
    # Areas people live in, by name; no grids (how staff divide the work), no departments.
    assert _names(layers["unit"]) == {"宝安区", "Xixiang", "Community A", "Community B"}
    assert {f["properties"]["kind"] for f in layers["unit"]} == {"district", "street", "community"}
    assert _names(layers["building"]) == {"Block 1", "Block 2", "9座"}
    assert _names(layers["road"]) == {"西乡大道"}  # the road of the box, by its Chinese name
    for f in res.json()["features"]:
        # No ids, codes, floors or households: names, kinds and places only.
        assert set(f["properties"]) <= {"layer", "kind", "depth", "name", "label_at"}, f
    text = res.text
    for internal in ("grid-a1", "Grid A1", "Sanitation", "comm-a", "A-1", "households", "r-xx"):
        assert internal not in text


async def test_the_public_map_shows_open_public_cases_only(
    client: httpx.AsyncClient, site: Site, staff: MakeStaff, token_for: Any
) -> None:
    async with session_scope() as session:
        await cases_service.upsert_category(session, code="sanitation.bin_overflow", name="Bins")
        care = await cases_service.upsert_category(session, code="care.elderly", name="Care")
        care.public = False
    report = await client.post(
        "/api/public/reports",
        data={"text": "Bin overflowing", "lon": "113.81", "lat": "22.51",
              "category_code": "sanitation.bin_overflow"},
    )  # fmt: skip
    assert report.status_code == 201, report.text
    care_report = await client.post(
        "/api/public/reports",
        data={"text": "My neighbour needs help", "lon": "113.811", "lat": "22.511",
              "category_code": "care.elderly"},
    )  # fmt: skip
    assert care_report.status_code == 201, care_report.text
    chen = await staff("chen", role="operator", unit=site.district)
    hotline = await client.post(
        "/api/cases",
        json={"category_code": "sanitation.bin_overflow", "title": "Caller Mr Lim says bins",
              "lon": 113.812, "lat": 22.512, "source": "hotline"},
        headers={"Authorization": f"Bearer {await token_for(chen)}"},
    )  # fmt: skip
    assert hotline.status_code == 201, hotline.text

    res = await client.get(CASES, params={"bbox": AROUND_A})
    assert res.status_code == 200, res.text
    features = res.json()["features"]
    assert [f["properties"]["ref"] for f in features] == [report.json()["ref"]]
    assert features[0]["properties"]["title"] == "Bins"  # not the resident's words: unpublished
    assert "Mr Lim" not in res.text and "neighbour" not in res.text
    # Elsewhere: nothing.
    far = await client.get(CASES, params={"bbox": "103.8,1.3,103.9,1.4"})
    assert far.json()["features"] == []


def _box(spec: SiteSpec) -> str:
    """Return the bbox of the site's outline, exactly."""
    ring = spec.units[0].boundary["coordinates"][0] if spec.units[0].boundary else []
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    return ",".join(str(v) for v in (min(lons), min(lats), max(lons), max(lats)))


async def test_both_demo_sites_show_their_named_roads(
    client: httpx.AsyncClient, db: str, token_for: Any
) -> None:
    baoan, sengkang = baoan_district(scale=0.01), sengkang_town(data_dir=None, scale=0.01)
    admins = {}
    async with session_scope() as session:
        await demo.load_categories(session)
        for spec in (baoan, sengkang):
            result = await demo.load_site(session, spec, password="demo-site-roads")
            admins[spec.key] = next(lg.username for lg in result.logins if lg.role == "admin")

    # Sengkang's real roads, drawn from its bus stops and blocks, by their full names.
    town = _layers((await client.get(PUBLIC, params={"bbox": _box(sengkang)})).json())
    names = _names(town["road"])
    assert {"Sengkang East Way", "Compassvale Road", "Rivervale Drive", "Anchorvale Link"} <= names
    assert len(names) == len(town["road"]) >= 30
    assert {f["properties"]["kind"] for f in town["road"]} == {"main", "local"}

    # Bao'an's roads follow its layout, named in Chinese for a Chinese reader.
    params = {"bbox": _box(baoan)}
    zh = _names(
        _layers((await client.get(PUBLIC, params={**params, "lang": "zh_Hans"})).json())["road"]
    )
    en = _names(_layers((await client.get(PUBLIC, params=params)).json())["road"])
    communities = [u for u in baoan.units if u.kind == "community"]
    assert {"宝安大道"} | {f"{(u.name_zh or '')[:-2]}路" for u in communities} <= zh
    assert {"Bao'an Avenue"} | {u.name.replace(" Community", " Road") for u in communities} <= en
    assert len(zh) == len(en) and all(n.endswith(("路", "大道")) for n in zh)

    # A site's staff see their site's roads, not the other site's.
    async with session_scope() as session:
        account = await session.scalar(
            select(StaffAccount).where(StaffAccount.username == admins["sengkang"])
        )
    assert account is not None
    h = {"Authorization": f"Bearer {await token_for(account)}"}
    staff_roads = _names(_layers((await client.get(BASE, headers=h)).json())["road"])
    assert staff_roads == names
