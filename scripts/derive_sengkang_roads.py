"""Derive the Sengkang road layer shipped with the demo from the shipped blocks and bus stops.

Usage: python scripts/derive_sengkang_roads.py [--input CSV] [--output GEOJSON]

No road geometry ships with the reference data, only points that stand on or beside roads: bus
stops (LTA, each with its road) and HDB blocks (each with the street of its address). For each
road name this script joins that road's points into lines:

* a road with three or more bus stops (on the road itself; stops on opposite sides of the road
  merged into one point in the middle) is drawn through them;
* a street with fewer is drawn through its blocks (set back from the street, on both sides of
  it, merged likewise) and stops;
* a road with buses (two or more stops) is a `main` road, any other a `local` one;
* the points are chained along a minimum spanning tree, split where the next point is too far
  (a gap in what is known, not a road); each chain's longest path, then each long branch off it,
  becomes a line, smoothed by corner cutting;
* only roads passing within `NEAR_TOWN_M` of a Sengkang block are kept.

The lines are schematic: they run where the points say the road runs, not along a surveyed
centreline. Names are the source's with abbreviations spelt out (`SENGKANG EAST RD` →
`Sengkang East Road`). The output is deterministic: the same input gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import pairwise
from pathlib import Path

from shapely.geometry import LineString

DATA = Path(__file__).resolve().parents[1] / "src/linli/twin/data"
DEFAULT_INPUT = DATA / "sengkang.csv"
DEFAULT_OUTPUT = DATA / "sengkang_roads.geojson"
ATTRIBUTION = (
    "Drawn by scripts/derive_sengkang_roads.py from sengkang.csv: bus stops from LTA DataMall "
    "(Singapore Open Data Licence) via github.com/cheeaun/sgbusdata, HDB blocks from HDB / OneMap "
    "via github.com/veager/GeoDatabase-SG (MIT); schematic lines, not surveyed centrelines"
)

MERGE_STOPS_M = 80.0  # stops on both sides of a road, or a staggered pair, become one point
MERGE_BLOCKS_M = 60.0  # blocks facing each other across a street
GAP_STOPS_M = 750.0  # stops further apart than this along one road leave a gap
GAP_BLOCKS_M = 220.0
BRANCH_MIN_M = 150.0  # a shorter branch off a road's longest path is left out
MIN_LENGTH_M = 100.0
NEAR_TOWN_M = 500.0  # as far as the demo's town reaches for its bus stops
SIMPLIFY_M = 1.0
DIGITS = 5  # ~1 m

M_PER_DEG_LAT = 110_574.0
ABBREVIATIONS = {
    "AVE": "Avenue",
    "CRES": "Crescent",
    "CTRL": "Central",
    "DR": "Drive",
    "JLN": "Jalan",
    "PL": "Place",
    "RD": "Road",
    "S'GOON": "Serangoon",
    "SQ": "Square",
    "ST": "Street",
    "TPE": "Tampines Expressway",
    "UPP": "Upper",
}

Point = tuple[float, float]
Graph = dict[int, list[tuple[int, float]]]


def road_name(source: str) -> str:
    """Return the source's road name with its abbreviations spelt out."""
    return " ".join(ABBREVIATIONS.get(w, w.capitalize()) for w in source.upper().split())


def merge(points: Sequence[Point], radius: float) -> list[tuple[Point, list[int]]]:
    """Return points closer than `radius` to a cluster's first point merged into their mean,
    each with the indexes of the points it stands for."""
    clusters: list[list[int]] = []
    for i, p in enumerate(points):
        home = next((c for c in clusters if math.dist(points[c[0]], p) <= radius), None)
        if home is None:
            clusters.append([i])
        else:
            home.append(i)
    return [
        (
            (sum(points[i][0] for i in c) / len(c), sum(points[i][1] for i in c) / len(c)),
            c,
        )
        for c in clusters
    ]


def spanning_forest(points: Sequence[Point], gap: float) -> Graph:
    """Return the minimum spanning forest of the points, with no edge longer than `gap`."""
    n = len(points)
    edges = sorted(
        (d, i, j)
        for i in range(n)
        for j in range(i + 1, n)
        if (d := math.dist(points[i], points[j])) <= gap
    )
    parent = list(range(n))

    def root(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    graph: Graph = {i: [] for i in range(n)}
    for d, i, j in edges:
        a, b = root(i), root(j)
        if a != b:
            parent[a] = b
            graph[i].append((j, d))
            graph[j].append((i, d))
    return graph


def farthest(graph: Graph, start: int, allowed: set[int]) -> tuple[float, list[int]]:
    """Return the tree path (and its length) from `start` to the farthest node in `allowed`."""
    dist, prev, stack = {start: 0.0}, {start: start}, [start]
    while stack:
        u = stack.pop()
        for v, d in graph[u]:
            if v in allowed and v not in dist:
                dist[v], prev[v] = dist[u] + d, u
                stack.append(v)
    end = max(dist, key=lambda k: (dist[k], -k))
    path = [end]
    while path[-1] != start:
        path.append(prev[path[-1]])
    return dist[end], path


def reach(graph: Graph, start: int, blocked: set[int]) -> set[int]:
    """Return the nodes reachable from `start` without passing through `blocked`."""
    found, stack = {start}, [start]
    while stack:
        for v, _ in graph[stack.pop()]:
            if v not in found and v not in blocked:
                found.add(v)
                stack.append(v)
    return found


def chains(points: Sequence[Point], gap: float) -> list[list[int]]:
    """Return each tree's longest path, then its long branches, as lists of point indexes."""
    graph = spanning_forest(points, gap)
    seen: set[int] = set()
    out: list[list[int]] = []
    for start in range(len(points)):
        if start in seen:
            continue
        tree = reach(graph, start, set())
        seen |= tree
        if len(tree) < 2:
            continue
        _, first = farthest(graph, start, tree)
        _, main = farthest(graph, first[0], tree)
        out.append(main)
        used = set(main)
        while True:
            branches = [
                farthest(graph, a, reach(graph, v, used) | {a})
                for a in sorted(used)
                for v, _ in graph[a]
                if v not in used
            ]
            if not branches:
                break
            length, branch = max(branches, key=lambda b: (b[0], b[1]))
            if length < BRANCH_MIN_M:
                break
            out.append(branch)
            used |= set(branch)
    return out


def moving_average(line: list[Point]) -> list[Point]:
    """Return the line with each inner point averaged with its neighbours (ends kept)."""
    if len(line) < 3:
        return line
    inner = [
        ((a[0] + b[0] + c[0]) / 3, (a[1] + b[1] + c[1]) / 3)
        for a, b, c in zip(line, line[1:], line[2:], strict=False)
    ]
    return [line[0], *inner, line[-1]]


def corner_cut(line: list[Point], rounds: int = 2) -> list[Point]:
    """Return the line smoothed by Chaikin's corner cutting (ends kept)."""
    for _ in range(rounds):
        if len(line) < 3:
            return line
        cut: list[Point] = [line[0]]
        for a, b in pairwise(line):
            cut.append((0.75 * a[0] + 0.25 * b[0], 0.75 * a[1] + 0.25 * b[1]))
            cut.append((0.25 * a[0] + 0.75 * b[0], 0.25 * a[1] + 0.75 * b[1]))
        cut.append(line[-1])
        line = cut
    return line


def lines_of(stops: list[Point], blocks: list[Point]) -> tuple[str, list[list[Point]], int, int]:
    """Return one road's kind, its lines and how many stops and blocks they were drawn through."""
    merged = merge(stops, MERGE_STOPS_M)
    kind = "main" if len(merged) >= 2 else "local"  # buses run along it
    if len(merged) >= 3 or (len(merged) == 2 and len(blocks) < 3):
        gap, smooth = GAP_STOPS_M, False
    else:  # too few stops to follow the road: its blocks show where it runs
        merged, gap, smooth = merge(stops + blocks, MERGE_BLOCKS_M), GAP_BLOCKS_M, True
    points = [p for p, _ in merged]
    lines = []
    drawn: set[int] = set()  # indexes into stops + blocks
    for chain in chains(points, gap):
        line = [points[i] for i in chain]
        line = corner_cut(moving_average(line) if smooth else line)
        if LineString(line).length >= MIN_LENGTH_M:
            lines.append(line)
            drawn.update(member for i in chain for member in merged[i][1])
    n_stops = sum(i < len(stops) for i in drawn)
    return kind, lines, n_stops, len(drawn) - n_stops


def read(path: Path) -> tuple[dict[str, tuple[list[Point], list[Point]]], Point, float]:
    """Return each road's stops and blocks in metres, the frame's origin and its metres per
    degree of longitude."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    lon0 = sum(float(r["lon"]) for r in rows) / len(rows)
    lat0 = sum(float(r["lat"]) for r in rows) / len(rows)
    kx = 111_320.0 * math.cos(math.radians(lat0))
    roads: dict[str, tuple[list[Point], list[Point]]] = defaultdict(lambda: ([], []))
    for r in rows:
        xy = ((float(r["lon"]) - lon0) * kx, (float(r["lat"]) - lat0) * M_PER_DEG_LAT)
        roads[r["street"].upper()][0 if r["kind"] == "bus_stop" else 1].append(xy)
    return dict(roads), (lon0, lat0), kx


def derive(path: Path) -> list[dict[str, object]]:
    """Return the road features (GeoJSON, lon/lat) derived from the shipped subset at `path`."""
    roads, (lon0, lat0), kx = read(path)
    homes = [b for _, blocks in roads.values() for b in blocks]
    features = []
    for source in sorted(roads):
        stops, blocks = roads[source]
        kind, lines, n_stops, n_blocks = lines_of(stops, blocks)
        near = any(
            math.dist(p, home) <= NEAR_TOWN_M for line in lines for p in line for home in homes
        )
        if not lines or not near:
            continue
        parts = [
            [
                [round(lon0 + x / kx, DIGITS), round(lat0 + y / M_PER_DEG_LAT, DIGITS)]
                for x, y in LineString(line).simplify(SIMPLIFY_M).coords
            ]
            for line in lines
        ]
        geometry: dict[str, object] = (
            {"type": "LineString", "coordinates": parts[0]}
            if len(parts) == 1
            else {"type": "MultiLineString", "coordinates": parts}
        )
        props = {"name": road_name(source), "kind": kind, "bus_stops": n_stops, "blocks": n_blocks}
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    return features


def render(features: Iterable[dict[str, object]]) -> str:
    """Return the features as a GeoJSON FeatureCollection, one feature a line."""
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    head = json.dumps(ATTRIBUTION, ensure_ascii=False)
    return (
        f'{{"type":"FeatureCollection","attribution":{head},"features":[\n'
        + ",\n".join(lines)
        + "\n]}\n"
    )


def main(argv: list[str] | None = None) -> int:
    """Write the derived Sengkang roads and report what they hold."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--input", type=Path, default=DEFAULT_INPUT)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    if not args.input.is_file():
        parser.error(f"{args.input} not found (python scripts/derive_sengkang.py makes it)")
    features = derive(args.input)
    args.output.write_text(render(features), encoding="utf-8")
    main_roads = sum(f["properties"]["kind"] == "main" for f in features)  # type: ignore[index]
    print(f"wrote {args.output}: {len(features)} roads, {main_roads} with buses")
    return 0


if __name__ == "__main__":
    sys.exit(main())
