"""The roads the Bao'an-like district's layout implies, named in pinyin and in Chinese.

Nothing here is random: the roads follow the borders the generator drew with its fixed seed.

* Bao'an Avenue (宝安大道): the route along the borders between streets that joins the two
  ends of those borders furthest apart;
* each street's avenue (`Xixiang Avenue`, 西乡大道): likewise along the borders between its
  communities;
* each community's road (`Fuwei Road`, 福围路, the road its buildings' addresses are on): every
  border between its grids, so that the grids are the blocks between its streets.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from itertools import pairwise

import shapely
from shapely.geometry import LineString, MultiLineString, Point, Polygon

from linli.twin.sites import SiteBuilder

_ON_OUTLINE_M = 0.5  # a border this close to the outside of the whole is the whole's own
_SNAP_M = 0.01

XY = tuple[float, float]


def _snap(xy: tuple[float, ...]) -> XY:
    return round(xy[0] / _SNAP_M) * _SNAP_M, round(xy[1] / _SNAP_M) * _SNAP_M


def inner_borders(whole: Polygon, parts: Sequence[Polygon]) -> list[LineString]:
    """Return the borders between `parts`, which tile `whole`, merged into lines."""
    outline = whole.boundary
    segments: dict[tuple[XY, XY], LineString] = {}
    for part in parts:
        for a, b in pairwise(part.exterior.coords):
            ends = (_snap(a), _snap(b))
            key = (min(ends), max(ends))
            if key[0] == key[1] or key in segments:
                continue
            middle = Point((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
            if outline.distance(middle) > _ON_OUTLINE_M:
                segments[key] = LineString(key)
    if not segments:
        return []
    merged = shapely.line_merge(MultiLineString([segments[k] for k in sorted(segments)]))
    return list(merged.geoms) if isinstance(merged, MultiLineString) else [merged]


def _route(graph: dict[XY, list[tuple[XY, float]]], start: XY, end: XY) -> list[XY] | None:
    """Return the shortest route from `start` to `end` along the network (None: not connected)."""
    dist, prev, queue = {start: 0.0}, {start: start}, [(0.0, start)]
    while queue:
        d, node = heapq.heappop(queue)
        if node == end:
            route = [end]
            while route[-1] != start:
                route.append(prev[route[-1]])
            return route
        if d > dist[node]:
            continue
        for other, length in graph[node]:
            if d + length < dist.get(other, math.inf):
                dist[other], prev[other] = d + length, node
                heapq.heappush(queue, (d + length, other))
    return None


def through_route(lines: Sequence[LineString]) -> LineString | None:
    """Return the shortest route between the two ends of the network furthest apart (a road
    across the whole, as straight as the borders allow), None for no network."""
    graph: dict[XY, list[tuple[XY, float]]] = {}
    for line in lines:
        for a, b in pairwise(_snap(c) for c in line.coords):
            graph.setdefault(a, []).append((b, math.dist(a, b)))
            graph.setdefault(b, []).append((a, math.dist(a, b)))
    ends = sorted(node for node, edges in graph.items() if len(edges) == 1)
    pairs = sorted(
        ((math.dist(a, b), a, b) for i, a in enumerate(ends) for b in ends[i + 1 :]), reverse=True
    )
    for _, a, b in pairs:
        route = _route(graph, a, b)
        if route is not None:
            return LineString(route)
    return None


def baoan_roads(
    b: SiteBuilder,
    district: Polygon,
    streets: Sequence[tuple[str, str, str, Polygon]],
    communities: Sequence[tuple[str, str, str, Polygon, Sequence[Polygon]]],
) -> None:
    """Add the district's avenue, each street's avenue and each community's road.

    `streets` are (key, name, Chinese name, cell); `communities` (key, pinyin, Chinese, polygon,
    grids), each community's key under its street's."""
    trunk = through_route(inner_borders(district, [cell for *_, cell in streets]))
    if trunk is not None:
        b.road("baoan/road/baoan-avenue", "baoan", "main", ("Bao'an Avenue", "宝安大道"), [trunk])
    for key, name, name_zh, cell in streets:
        mine = [c[3] for c in communities if c[0].startswith(f"{key}/")]
        avenue = through_route(inner_borders(cell, mine))
        if avenue is not None:
            b.road(f"{key}/avenue", key, "main", (f"{name} Avenue", f"{name_zh}大道"), [avenue])
    for key, pinyin, chinese, polygon, grids in communities:
        lines = inner_borders(polygon, grids)
        if lines:
            b.road(f"{key}/road", key, "local", (f"{pinyin} Road", f"{chinese}路"), lines)
