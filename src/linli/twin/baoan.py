"""Generate the synthetic Bao'an-like district: 10 real streets, 124 communities, grids."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import NamedTuple

from shapely.geometry import MultiPoint, Polygon

from linli.twin import names
from linli.twin.baoan_roads import baoan_roads
from linli.twin.sites import (
    Frame,
    SiteBuilder,
    SiteSpec,
    check_scale,
    inner_polygon,
    partition,
    point_in,
    voronoi_cells,
)


class _Street(NamedTuple):
    slug: str
    name: str
    name_zh: str
    code: str
    lon: float
    lat: float
    communities: int  # illustrative share of the 124, not the official count
    postal: str


_BAOAN_STREETS = (
    _Street("xixiang", "Xixiang", "西乡", "XX", 113.865, 22.585, 22, "518102"),
    _Street("xinan", "Xin'an", "新安", "XA", 113.895, 22.560, 16, "518101"),
    _Street("hangcheng", "Hangcheng", "航城", "HC", 113.850, 22.625, 11, "518128"),
    _Street("fuyong", "Fuyong", "福永", "FY", 113.835, 22.665, 11, "518103"),
    _Street("fuhai", "Fuhai", "福海", "FH", 113.805, 22.690, 10, "518103"),
    _Street("shajing", "Shajing", "沙井", "SJ", 113.820, 22.735, 16, "518104"),
    _Street("xinqiao", "Xinqiao", "新桥", "XQ", 113.860, 22.720, 11, "518125"),
    _Street("songgang", "Songgang", "松岗", "SG", 113.845, 22.775, 9, "518105"),
    _Street("yanluo", "Yanluo", "燕罗", "YL", 113.890, 22.790, 6, "518127"),
    _Street("shiyan", "Shiyan", "石岩", "SY", 113.930, 22.680, 12, "518108"),
)
# Corners (lon, lat) of a convex outline roughly covering the real district (~400 km²).
_BAOAN_OUTLINE = (
    (113.860, 22.520), (113.930, 22.545), (113.980, 22.650), (113.960, 22.740), (113.905, 22.810),
    (113.830, 22.815), (113.780, 22.750), (113.785, 22.660), (113.820, 22.580),
)  # fmt: skip
_BAOAN_DEPARTMENTS = (
    ("urban-management", "Urban Management", "城管", "UM"),
    ("housing-construction", "Housing & Construction", "住建", "HC"),
    ("water-affairs", "Water Affairs", "水务", "WA"),
    ("public-security", "Public Security", "公安", "PS"),
    ("emergency-management", "Emergency Management", "应急管理", "EM"),
    ("ecology-environment", "Ecology & Environment", "生态环境", "EE"),
    ("transport", "Transport", "交通", "TR"),
    ("civil-affairs", "Civil Affairs", "民政", "CA"),
    ("health", "Health", "卫生健康", "HE"),
    ("market-regulation", "Market Regulation", "市场监管", "MR"),
)
_ESTATE_SUFFIXES = ("Garden", "Court", "Village", "Residences", "Apartments", "New Village")
# What the estates are called in Chinese: "Huangling Garden Bldg 5" is 黄岭花园5栋.
_ESTATE_SUFFIXES_ZH = {
    "Garden": "花园",
    "Court": "苑",
    "Village": "村",
    "Residences": "公馆",
    "Apartments": "公寓",
    "New Village": "新村",
}
# Optional community amenities: (kind, English suffix, chance per community).
_BAOAN_AMENITIES = (
    ("clinic", "Community Health Centre", 0.8),
    ("school", "Primary School", 0.5),
    ("market", "Market", 0.6),
    ("park", "Park", 0.5),
)


def _allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Share `total` over len(weights) slots, each at least 1, by largest remainder on weight-1."""
    extra = total - len(weights)
    base = [max(w - 1, 0) for w in weights]
    quotas = [extra * b / sum(base) for b in base]
    counts = [math.floor(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (counts[i] - quotas[i], i))
    for i in order[: extra - sum(counts)]:
        counts[i] += 1
    return [c + 1 for c in counts]


def baoan_district(*, scale: float = 1.0, seed: int = 7) -> SiteSpec:
    """Generate the synthetic Bao'an-like district: 10 streets, 124 communities at scale 1."""
    check_scale(scale)
    rng = random.Random(seed)
    frame = Frame(lon0=113.88, lat0=22.55)
    b = SiteBuilder(frame, names.chinese_person_name, names.china_mobile)
    outline = MultiPoint([frame.xy(lon, lat) for lon, lat in _BAOAN_OUTLINE]).convex_hull

    total = max(2, round(124 * scale))
    streets = _BAOAN_STREETS if scale >= 0.1 else _BAOAN_STREETS[: max(2, min(10, total // 2))]
    per_street = _allocate(total, [s.communities for s in streets])
    street_seeds = [
        (x + rng.uniform(-400, 400), y + rng.uniform(-400, 400))
        for x, y in (frame.xy(s.lon, s.lat) for s in streets)
    ]
    street_cells = voronoi_cells(outline, street_seeds)
    labels = names.community_names(rng, total, exclude=[s.name for s in _BAOAN_STREETS])

    b.unit("baoan", None, "district", "Bao'an District", "宝安区", outline, "BA")
    for slug, name, name_zh, code in _BAOAN_DEPARTMENTS:
        b.unit(f"baoan/dept/{slug}", "baoan", "department", name, name_zh, None, f"BA-D-{code}")
    for street, cell in zip(streets, street_cells, strict=True):
        b.unit(
            f"baoan/{street.slug}",
            "baoan",
            "street",
            f"{street.name} Street",
            f"{street.name_zh}街道",
            cell,
            f"BA-{street.code}",
        )

    communities: list[tuple[_Street, str, str, str, str, Polygon]] = []
    for street, cell, count in zip(streets, street_cells, per_street, strict=True):
        for number, polygon in enumerate(partition(cell, count, rng), start=1):
            pinyin, chinese = labels[len(communities)]
            key, code = f"baoan/{street.slug}/c{number:02d}", f"BA-{street.code}-{number:02d}"
            communities.append((street, key, code, pinyin, chinese, polygon))
            b.unit(
                key,
                f"baoan/{street.slug}",
                "community",
                f"{pinyin} Community",
                f"{chinese}社区",
                polygon,
                code,
            )

    community_grids: list[list[Polygon]] = []
    for street, key, code, pinyin, chinese, polygon in communities:
        grids: list[tuple[str, Polygon]] = []
        for number, grid in enumerate(partition(polygon, rng.randint(4, 8), rng), start=1):
            grids.append((f"{key}/g{number}", grid))
            b.unit(
                f"{key}/g{number}",
                key,
                "grid",
                f"{pinyin} Grid {number}",
                f"{chinese}社区第{number}网格",
                grid,
                f"{code}-G{number}",
            )
        _baoan_buildings(b, rng, street, (pinyin, chinese), grids)
        _baoan_places(b, rng, key, pinyin, chinese, grids)
        community_grids.append([grid for _key, grid in grids])

    baoan_roads(
        b,
        outline,
        [
            (f"baoan/{s.slug}", s.name, s.name_zh, cell)
            for s, cell in zip(streets, street_cells, strict=True)
        ],
        [
            (key, pinyin, chinese, polygon, grids)
            for (_s, key, _c, pinyin, chinese, polygon), grids in zip(
                communities, community_grids, strict=True
            )
        ],
    )

    note = f"synthetic Bao'an-like district (seed={seed}, scale={scale}); street names are real"
    return b.site("baoan", "Bao'an District", "grid", note)


def _baoan_buildings(
    b: SiteBuilder,
    rng: random.Random,
    street: _Street,
    names: tuple[str, str],
    grids: list[tuple[str, Polygon]],
) -> None:
    community, chinese = names
    road_number = 1
    for grid_key, grid in grids:
        suffix = rng.choice(_ESTATE_SUFFIXES)
        estate, estate_zh = f"{community} {suffix}", f"{chinese}{_ESTATE_SUFFIXES_ZH[suffix]}"
        inner = inner_polygon(grid, 15.0)
        for number in range(1, rng.randint(3, 12) + 1):
            village = rng.random() < 0.35  # urban-village "handshake" buildings are low
            floors = rng.randint(6, 9) if village else rng.randint(12, 33)
            households = floors * rng.randint(4, 8 if village else 6)
            road_number += rng.randint(1, 6)
            address = (
                f"Bldg {number}, {estate}, {road_number} {community} Road, "
                f"{street.name} Street, Bao'an District, Shenzhen"
            )
            spec = (
                f"{grid_key}/b{number:02d}",
                grid_key,
                f"{estate} Bldg {number}",
                address,
                street.postal,
            )
            lonlat = b.frame.lonlat(*point_in(inner, rng))
            b.building(rng, spec, lonlat, floors, households, name_zh=f"{estate_zh}{number}栋")


def _baoan_places(
    b: SiteBuilder,
    rng: random.Random,
    community_key: str,
    pinyin: str,
    chinese: str,
    grids: list[tuple[str, Polygon]],
) -> None:
    def put(kind: str, index: int, name: str) -> None:
        grid_key, grid = rng.choice(grids)
        b.place(
            f"{community_key}/{kind}-{index}",
            grid_key,
            kind,
            name,
            point_in(inner_polygon(grid, 10.0), rng),
        )

    put("community_centre", 1, f"{pinyin} Party-Mass Service Centre ({chinese}社区党群服务中心)")
    for kind, suffix, chance in _BAOAN_AMENITIES:
        if rng.random() < chance:
            put(kind, 1, f"{pinyin} {suffix}")
    for index in range(1, rng.randint(1, 3) + 1):
        put("bus_stop", index, f"{pinyin} Bus Stop {index}")
