"""Tests for the demo-site geography generator (pure, no database)."""

from __future__ import annotations

import dataclasses
import importlib.util
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import shapely
from shapely.geometry import Point, shape

from linli.twin import geography, sengkang
from linli.twin.geography import SiteSpec, UnitSpec, baoan_district, sengkang_town
from linli.twin.sites import Frame

ROOT = Path(__file__).resolve().parents[2]
SINGAPORE_DATA = ROOT.parent / "shared" / "data" / "singapore"
LEAF_KINDS = {"grid", "zone"}


def _require_singapore_data() -> Path:
    if not (SINGAPORE_DATA / "hdb_blocks.csv").is_file():
        pytest.skip(f"Singapore reference data not found at {SINGAPORE_DATA}")
    return SINGAPORE_DATA


@pytest.fixture(scope="module")
def baoan() -> SiteSpec:
    return baoan_district()


@pytest.fixture(scope="module")
def baoan_small() -> SiteSpec:
    return baoan_district(scale=0.1)


@pytest.fixture(scope="module")
def sengkang_shipped() -> SiteSpec:
    return sengkang_town(data_dir=None)


@pytest.fixture(scope="module")
def sengkang_full() -> SiteSpec:
    return sengkang_town(data_dir=_require_singapore_data())


@pytest.fixture(scope="module", params=["baoan", "baoan_small", "sengkang_shipped"])
def site(request: pytest.FixtureRequest) -> SiteSpec:
    return request.getfixturevalue(str(request.param))  # type: ignore[no-any-return]


def _children(site: SiteSpec) -> dict[str | None, list[UnitSpec]]:
    children: dict[str | None, list[UnitSpec]] = defaultdict(list)
    for unit in site.units:
        children[unit.parent_key].append(unit)
    return children


def test_unit_keys_unique_and_parents_first(site: SiteSpec) -> None:
    seen: set[str] = set()
    for unit in site.units:
        assert unit.key not in seen
        assert unit.parent_key is None or unit.parent_key in seen, unit.key
        seen.add(unit.key)
    assert len({u.code for u in site.units}) == len(site.units)
    assert sum(u.parent_key is None for u in site.units) == 1


def test_children_partition_parent(site: SiteSpec) -> None:
    for parent in site.units:
        kids = [k for k in _children(site)[parent.key] if k.boundary is not None]
        if not kids:
            continue
        assert parent.boundary is not None
        whole = shape(parent.boundary)
        parts = [shape(k.boundary) for k in kids]
        assert whole.is_valid and all(p.is_valid and p.geom_type == "Polygon" for p in parts)
        union = shapely.union_all(parts)
        assert union.symmetric_difference(whole).area <= 1e-9 * whole.area, parent.key
        assert abs(sum(p.area for p in parts) - whole.area) <= 1e-9 * whole.area, parent.key
        for i, first in enumerate(parts):
            for second in parts[i + 1 :]:
                assert first.intersection(second).area <= 1e-9 * whole.area


def test_boundaries_are_geojson_lon_lat(site: SiteSpec) -> None:
    for unit in site.units:
        if unit.kind == "department":
            assert unit.boundary is None
            continue
        assert unit.boundary is not None and unit.boundary["type"] == "Polygon"
        ring = unit.boundary["coordinates"][0]
        assert ring[0] == ring[-1]
        lon, lat = ring[0]
        assert 100 < lon < 115 and 0 < lat < 25  # lon first, both sites in the tropics


def test_buildings_and_places_lie_in_their_deepest_unit(site: SiteSpec) -> None:
    units = {u.key: u for u in site.units}
    children = _children(site)
    polygons = {u.key: shape(u.boundary) for u in site.units if u.boundary is not None}
    located = [(b.key, b.unit_key, b.lon, b.lat) for b in site.buildings]
    located += [(p.key, p.unit_key, p.lon, p.lat) for p in site.places]
    for key, unit_key, lon, lat in located:
        unit = units[unit_key]
        assert unit.kind in LEAF_KINDS and not children[unit_key], key
        assert polygons[unit_key].contains(Point(lon, lat)), key
        # Every ancestor contains it too.
        parent_key = unit.parent_key
        while parent_key is not None:
            assert polygons[parent_key].buffer(1e-9).contains(Point(lon, lat)), key
            parent_key = units[parent_key].parent_key


def test_keys_unique_and_references_resolve(site: SiteSpec) -> None:
    building_keys = [b.key for b in site.buildings]
    assert len(set(building_keys)) == len(building_keys)
    assert len({p.key for p in site.places}) == len(site.places)
    assert len({r.key for r in site.residents}) == len(site.residents)
    assert len({r.phone for r in site.residents}) == len(site.residents)
    per_building = Counter(r.building_key for r in site.residents)
    assert set(per_building) == set(building_keys)
    assert all(2 <= n <= 6 for n in per_building.values())
    assert all(1920 < r.birth_year < 2010 for r in site.residents)


def test_baoan_counts_at_full_scale(baoan: SiteSpec) -> None:
    kinds = Counter(u.kind for u in baoan.units)
    assert kinds["district"] == 1 and kinds["street"] == 10 and kinds["community"] == 124
    assert baoan.profile == "grid" and baoan.units[0].name_zh == "宝安区"
    streets = {u.name_zh for u in baoan.units if u.kind == "street"}
    assert streets == {
        f"{zh}街道"
        for zh in ("西乡", "新安", "航城", "福永", "福海", "沙井", "新桥", "松岗", "燕罗", "石岩")
    }
    children = _children(baoan)
    per_street = [len(children[u.key]) for u in baoan.units if u.kind == "street"]
    assert min(per_street) >= 1 and len(set(per_street)) > 3  # uneven
    for unit in baoan.units:
        if unit.kind == "community":
            assert 4 <= len(children[unit.key]) <= 8
    per_grid = Counter(b.unit_key for b in baoan.buildings)
    assert all(3 <= n <= 12 for n in per_grid.values())
    assert len(per_grid) == kinds["grid"]
    assert all(6 <= b.floors <= 33 and b.households >= b.floors for b in baoan.buildings)


def test_baoan_departments_and_community_centres(baoan: SiteSpec) -> None:
    departments = {u.name_zh for u in baoan.units if u.kind == "department"}
    assert {"城管", "住建", "水务", "公安", "应急管理", "生态环境", "交通"} <= departments
    assert all(u.parent_key == "baoan" for u in baoan.units if u.kind == "department")
    centres = Counter(p.key.rsplit("/", 1)[0] for p in baoan.places if p.kind == "community_centre")
    communities = {u.key for u in baoan.units if u.kind == "community"}
    assert set(centres) == communities and set(centres.values()) == {1}
    assert all("党群服务中心" in p.name for p in baoan.places if p.kind == "community_centre")
    assert {"clinic", "school", "market", "park"} <= {p.kind for p in baoan.places}


def test_baoan_people_look_mainland(baoan: SiteSpec) -> None:
    for resident in baoan.residents[:500]:
        assert re.fullmatch(r"\+861[3-9]\d{9}", resident.phone), resident.phone
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,3}", resident.name), resident.name


def test_baoan_near_shenzhen(baoan: SiteSpec) -> None:
    district = shape(baoan.units[0].boundary)
    assert district.contains(Point(113.88, 22.56))


def test_baoan_scale_shrinks_counts(baoan: SiteSpec, baoan_small: SiteSpec) -> None:
    def kinds(site: SiteSpec) -> Counter[str]:
        return Counter(u.kind for u in site.units)

    small = kinds(baoan_small)
    assert small["street"] == 10 and 10 <= small["community"] < 124
    assert small["grid"] < kinds(baoan)["grid"]
    assert len(baoan_small.buildings) < len(baoan.buildings) / 4
    assert len(baoan_small.residents) < len(baoan.residents) / 4

    tiny = kinds(baoan_district(scale=0.01))
    assert tiny["street"] >= 2 and tiny["community"] >= 2


@pytest.mark.parametrize("scale", [0.0, -0.5, 1.5])
def test_scale_out_of_range_is_refused(scale: float) -> None:
    with pytest.raises(ValueError, match="scale"):
        baoan_district(scale=scale)
    with pytest.raises(ValueError, match="scale"):
        sengkang_town(data_dir=None, scale=scale)


def test_same_seed_same_site() -> None:
    assert baoan_district(scale=0.1) == baoan_district(scale=0.1)
    assert baoan_district(scale=0.1, seed=1) != baoan_district(scale=0.1, seed=2)
    assert sengkang_town(data_dir=None, scale=0.2) == sengkang_town(data_dir=None, scale=0.2)


def test_sengkang_from_reference_data(sengkang_full: SiteSpec) -> None:
    assert len(sengkang_full.buildings) == 596
    assert sengkang_full.profile == "town"
    assert "veager/GeoDatabase-SG" in sengkang_full.source_note
    assert "cheeaun/sgbusdata" in sengkang_full.source_note
    zones = [u for u in sengkang_full.units if u.kind == "zone"]
    assert [z.key for z in zones] == [
        "sengkang/anchorvale",
        "sengkang/compassvale",
        "sengkang/fernvale",
        "sengkang/rivervale",
        "sengkang/town-centre",
    ]
    per_zone = Counter(b.unit_key for b in sengkang_full.buildings)
    assert all(n >= 50 for n in per_zone.values()) and len(per_zone) == 5
    stops = [p for p in sengkang_full.places if p.kind == "bus_stop"]
    assert any(p.key == "sengkang/bus-stop/67009" for p in stops)  # Sengkang Int
    assert len(stops) > 100


def test_sengkang_shipped_subset_equals_reference(
    sengkang_full: SiteSpec, sengkang_shipped: SiteSpec
) -> None:
    assert "shipped subset" in sengkang_shipped.source_note
    assert dataclasses.replace(sengkang_full, source_note="") == dataclasses.replace(
        sengkang_shipped, source_note=""
    )


def test_sengkang_shipped_file_is_compact() -> None:
    text = geography.SHIPPED_DATA.read_text(encoding="utf-8")
    assert text.startswith("kind,code,name,street,postal,lat,lon\n")
    assert len(text) < 100_000


def test_sengkang_missing_data_dir_falls_back_to_shipped(tmp_path: Path) -> None:
    site = sengkang_town(data_dir=tmp_path / "absent", scale=0.1)
    assert "shipped subset" in site.source_note and "not found" in site.source_note
    assert len(site.buildings) == round(596 * 0.1)


def test_sengkang_town_structure(sengkang_shipped: SiteSpec) -> None:
    units = sengkang_shipped.units
    assert units[0].kind == "town" and units[0].name == "Sengkang" and units[0].name_zh == "盛港"
    departments = [u for u in units if u.kind == "department"]
    assert len(departments) == 7 and all(u.parent_key == "sengkang" for u in departments)
    assert {"community_centre", "clinic", "school", "market", "park", "bus_stop"} <= {
        p.kind for p in sengkang_shipped.places
    }
    for resident in sengkang_shipped.residents:
        assert re.fullmatch(r"\+65[89]\d{7}", resident.phone), resident.phone
    names = " ".join(r.name for r in sengkang_shipped.residents)
    assert " bin " in names and "/o " in names


def test_sengkang_scale_subsamples_blocks(sengkang_shipped: SiteSpec) -> None:
    small = sengkang_town(data_dir=None, scale=0.25)
    keys = {b.key for b in sengkang_shipped.buildings}
    assert len(small.buildings) == round(596 * 0.25)
    assert {b.key for b in small.buildings} <= keys
    assert len(small.residents) < len(sengkang_shipped.residents) / 2


def test_sengkang_synthetic_fallback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sengkang, "SHIPPED_DATA", tmp_path / "missing.csv")
    site = sengkang_town(data_dir=None)
    assert site.source_note.startswith("synthetic fallback")
    assert 150 <= len(site.buildings) <= 250
    assert Counter(u.kind for u in site.units)["zone"] == 5
    test_children_partition_parent(site)
    test_buildings_and_places_lie_in_their_deepest_unit(site)
    test_keys_unique_and_references_resolve(site)
    assert site.roads == ()  # roads come with the real blocks and stops only


def _parts(geometry: dict[str, object]) -> list[list[list[float]]]:
    coords = geometry["coordinates"]
    assert isinstance(coords, list)
    return [coords] if geometry["type"] == "LineString" else coords


def test_roads_are_named_lines_in_a_unit_of_the_site(site: SiteSpec) -> None:
    units = {u.key for u in site.units}
    assert len({r.key for r in site.roads}) == len(site.roads) >= 3
    for road in site.roads:
        assert road.unit_key in units and road.kind in ("main", "local") and road.name, road
        assert road.geometry["type"] in ("LineString", "MultiLineString")
        for part in _parts(road.geometry):
            assert len(part) >= 2
            assert all(100 < lon < 115 and 0 < lat < 25 for lon, lat in part), road.key


def test_baoan_roads_follow_the_layout_between_its_buildings(baoan: SiteSpec) -> None:
    roads = {r.key: r for r in baoan.roads}
    assert (roads["baoan/road/baoan-avenue"].name, roads["baoan/road/baoan-avenue"].name_zh) == (
        "Bao'an Avenue",
        "宝安大道",
    )
    avenues = {r.name_zh for r in baoan.roads if r.kind == "main"}
    assert {"西乡大道", "沙井大道", "石岩大道"} <= avenues and len(avenues) == 11
    frame = Frame(113.88, 22.55)
    for unit in (u for u in baoan.units if u.kind == "community"):
        road = roads[f"{unit.key}/road"]
        pinyin, chinese = unit.name.removesuffix(" Community"), (unit.name_zh or "")[:-2]
        assert (road.name, road.name_zh, road.kind) == (f"{pinyin} Road", f"{chinese}路", "local")
        lines = shapely.MultiLineString(
            [[frame.xy(lon, lat) for lon, lat in part] for part in _parts(road.geometry)]
        )
        assert shape(unit.boundary).buffer(1e-6).contains(shape(road.geometry)), unit.key
        homes = [b for b in baoan.buildings if b.key.startswith(f"{unit.key}/")]
        # The road of their addresses, running between the buildings, never through one.
        assert all(f"{pinyin} Road," in b.address for b in homes)
        gaps = shapely.distance(shapely.points([frame.xy(b.lon, b.lat) for b in homes]), lines)
        assert min(gaps) >= 3.0, unit.key


def test_sengkang_roads_are_the_shipped_derivation(sengkang_shipped: SiteSpec) -> None:
    spec = importlib.util.spec_from_file_location(
        "derive_sengkang_roads", ROOT / "scripts" / "derive_sengkang_roads.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    shipped = sengkang.SHIPPED_ROADS.read_text(encoding="utf-8")
    assert script.render(script.derive(geography.SHIPPED_DATA)) == shipped  # regenerate: README
    assert len(shipped) < 40_000
    names = {r.name: r for r in sengkang_shipped.roads}
    assert len(names) == len(sengkang_shipped.roads) >= 40
    assert names["Sengkang East Way"].kind == "main" and names["Compassvale Walk"].kind == "local"
    assert {"Upper Serangoon Road", "Jalan Kayu", "Sengkang Central"} <= set(names)
    assert all(r.name_zh is None and r.unit_key == "sengkang" for r in sengkang_shipped.roads)
    assert "sengkang_roads.geojson" in sengkang_shipped.source_note
