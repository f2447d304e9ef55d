"""The maps' own base layer, drawn from the site's data with no tile server, and the open public
cases the resident map shows.

* `GET /api/map/base` (staff, `org:read`): the boundaries of the units the caller may read, named
  in the caller's language with a point inside each to write the name on, the buildings and
  amenities of the caller's `buildings:read` subtrees as points, and the named roads (public
  facts) of the area those units cover, as lines with a point halfway along for the name.
* `GET /api/public/map/base` (anyone): the same from public facts only — boundaries and names of
  districts, streets, communities, towns and zones (not grids, not departments), names and points
  of buildings and amenities, names and lines of roads; no codes, ids, floors or households.
* `GET /api/public/map/cases` (anyone): open cases of the public projection in a box, at their
  snapped points, newest first.

Every answer is bounded by a `bbox` (at most a few degrees each way) and a `limit` per layer,
says which layers it cut short (`truncated`), and carries an ETag: a browser sending it back
gets 304 Not Modified.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from linli.cases import service as cases_service
from linli.cases.models import STATUSES as CASE_STATUSES
from linli.cases.models import TERMINAL, Case
from linli.core.geo import Box, parse_bbox
from linli.core.pagination import PageQuery
from linli.org import service as org_service
from linli.registry import service as registry_service
from linli.registry.models import Building, Place
from linli.registry.roads import service as roads_service
from linli.security.deps import DbSession, public, require
from linli.security.permissions import Principal
from linli.web.templating import page_locale

router = APIRouter(tags=["maps"])

GEOJSON = "application/geo+json"
MAX_SPAN = 2.0  # degrees: a district and its surroundings
MAX_PUBLIC_SPAN = 0.5  # degrees: a town
MAX_UNITS = 3000
PUBLIC_KINDS = ("district", "street", "community", "town", "zone")
OPEN_STATUSES = tuple(s for s in CASE_STATUSES if s not in TERMINAL)
SNAP_MARGIN = 0.05  # degrees: further than the coarsest public snapping (5 km) moves a point

Reader = Annotated[Principal, Depends(require("org:read"))]
BBOX_DOC = "west,south,east,north in degrees; without it, everywhere the caller may see"
Bbox = Annotated[str | None, Query(max_length=200, description=BBOX_DOC)]


def _box(text: str | None, max_span: float) -> Box | None:
    return parse_bbox(text, max_span=max_span) if text is not None else None


def _point(lon: float, lat: float, props: dict[str, Any]) -> dict[str, Any]:
    geometry = {"type": "Point", "coordinates": [lon, lat]}
    return {"type": "Feature", "geometry": geometry, "properties": props}


def _name(thing: Any, locale: str) -> str:
    name_zh = getattr(thing, "name_zh", None)
    return str(name_zh) if locale.startswith("zh") and name_zh else str(thing.name)


def _answer(request: Request, body: dict[str, Any], *, shared: bool) -> Response:
    """Answer GeoJSON with an ETag, or 304 when the browser already holds the same answer."""
    data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    tag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    headers = {
        "ETag": tag,
        "Cache-Control": "public, max-age=300" if shared else "private, max-age=60",
        "Vary": "Accept-Language" if shared else "Accept-Language, Cookie, Authorization",
    }
    if tag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=GEOJSON, headers=headers)


async def _base(
    session: DbSession,
    *,
    principal: Principal | None,
    box: Box | None,
    limit: int,
    locale: str,
) -> dict[str, Any]:
    staff = principal is not None
    units, units_cut = await org_service.units_in_box(
        session,
        principal=principal,
        box=box,
        kinds=() if staff else PUBLIC_KINDS,
        limit=MAX_UNITS,
    )
    (buildings, buildings_cut), (places, places_cut) = await registry_service.map_points(
        session, principal=principal, box=box, limit=limit
    )
    roads: list[roads_service.MapRoad] = []
    roads_cut = False
    # Staff see the roads of the area their units cover; the public, those of the box asked for.
    reach = _covered(units, box) if staff else box
    if reach is not None or not staff:
        roads, roads_cut = await roads_service.map_roads(session, box=reach, limit=limit)
    features = [_unit(m, locale, staff=staff) for m in units]
    features += [_road(r, locale, staff=staff) for r in roads]
    features += [_building(b, locale, staff=staff) for b in buildings]
    features += [_place(p) for p in places]
    truncated = {
        "units": units_cut,
        "roads": roads_cut,
        "buildings": buildings_cut,
        "places": places_cut,
    }
    return {"type": "FeatureCollection", "features": features, "truncated": truncated}


def _covered(units: list[org_service.MapUnit], box: Box | None) -> Box | None:
    """Return the part of `box` (everywhere if None) the units' boxes span, None for nothing."""
    spans = [
        (u.min_lon, u.min_lat, u.max_lon, u.max_lat)
        for u in (m.unit for m in units)
        if u.min_lon is not None
        and u.min_lat is not None
        and u.max_lon is not None
        and u.max_lat is not None
    ]
    if not spans:
        return None
    west, south = min(s[0] for s in spans), min(s[1] for s in spans)
    east, north = max(s[2] for s in spans), max(s[3] for s in spans)
    if box is not None:
        west, south = max(west, box.west), max(south, box.south)
        east, north = min(east, box.east), min(north, box.north)
    return Box(west, south, east, north) if west <= east and south <= north else None


def _unit(m: org_service.MapUnit, locale: str, *, staff: bool) -> dict[str, Any]:
    props: dict[str, Any] = {
        "layer": "unit",
        "kind": m.unit.kind,
        "depth": m.unit.depth,
        "name": _name(m.unit, locale),
        "label_at": [m.label_lon, m.label_lat],
    }
    if staff:
        props.update(id=str(m.unit.id), code=m.unit.code)
    return {"type": "Feature", "geometry": m.unit.boundary, "properties": props}


def _road(r: roads_service.MapRoad, locale: str, *, staff: bool) -> dict[str, Any]:
    props: dict[str, Any] = {
        "layer": "road",
        "kind": r.road.kind,
        "name": _name(r.road, locale),
        "label_at": [r.label_lon, r.label_lat],
    }
    if staff:
        props.update(id=str(r.road.id), code=r.road.code)
    return {"type": "Feature", "geometry": r.road.geometry, "properties": props}


def _building(b: Building, locale: str, *, staff: bool) -> dict[str, Any]:
    props: dict[str, Any] = {"layer": "building", "name": _name(b, locale)}
    if staff:
        props.update(id=str(b.id), code=b.code, floors=b.floors)
    return _point(b.lon, b.lat, props)


def _place(p: Place) -> dict[str, Any]:
    return _point(p.lon, p.lat, {"layer": "place", "kind": p.kind, "name": p.name})


@router.get("/api/map/base", responses={200: {"content": {GEOJSON: {}}}}, response_model=None)
async def staff_base(
    request: Request,
    session: DbSession,
    principal: Reader,
    bbox: Bbox = None,
    limit: Annotated[
        int, Query(ge=1, le=5000, description="most roads, most buildings, most places")
    ] = 3000,
) -> Response:
    """Return the staff maps' base layer (GeoJSON): the caller's units, roads, buildings, amenities.

    Units and roads are named in the caller's language, with a point to write each name at; the
    roads are those of the area the caller's units cover."""
    body = await _base(
        session,
        principal=principal,
        box=_box(bbox, MAX_SPAN),
        limit=limit,
        locale=page_locale(request, principal.locale),
    )
    return _answer(request, body, shared=False)


@router.get(
    "/api/public/map/base",
    dependencies=[Depends(public)],
    tags=["public"],
    responses={200: {"content": {GEOJSON: {}}}},
    response_model=None,
)
async def public_base(
    request: Request,
    session: DbSession,
    bbox: Bbox = None,
    limit: Annotated[
        int, Query(ge=1, le=2000, description="most roads, most buildings, most places")
    ] = 1500,
) -> Response:
    """Return the resident maps' base layer (GeoJSON), from public facts only.

    Area outlines and names (no grids, no departments), roads, buildings and amenities by name."""
    body = await _base(
        session,
        principal=None,
        box=_box(bbox, MAX_PUBLIC_SPAN),
        limit=limit,
        locale=page_locale(request),
    )
    return _answer(request, body, shared=True)


@router.get(
    "/api/public/map/cases",
    dependencies=[Depends(public)],
    tags=["public"],
    responses={200: {"content": {GEOJSON: {}}}},
    response_model=None,
)
async def public_cases(
    request: Request,
    session: DbSession,
    bbox: Annotated[str, Query(max_length=200, description="west,south,east,north in degrees")],
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Response:
    """Return the open public cases in a box (GeoJSON), newest first, as residents see them.

    The public projection: category, status, snapped point; the words once staff published them."""
    box = parse_bbox(bbox, max_span=MAX_PUBLIC_SPAN)
    # Chosen by the raw point near the box, kept by the snapped point in it: what a box shows
    # depends on the snapped points alone, so narrowing boxes never finds where a case really is.
    near = box.grown(SNAP_MARGIN)
    where = [
        Case.status.in_(OPEN_STATUSES),
        Case.lon.between(near.west, near.east),
        Case.lat.between(near.south, near.north),
    ]
    found = await cases_service.public_cases(
        session, where, paging=PageQuery(limit=limit * 4), locale=page_locale(request)
    )
    features = [
        _point(
            c.lon,
            c.lat,
            {
                "layer": "case",
                "ref": c.ref,
                "status": c.status,
                "category": c.category_name,
                "title": c.title,
                "created_at": c.created_at.isoformat(),
            },
        )
        for c in found.items
        if c.lon is not None and c.lat is not None and box.holds(c.lon, c.lat)
    ][:limit]
    truncated = {"cases": found.next is not None}
    return _answer(
        request,
        {"type": "FeatureCollection", "features": features, "truncated": truncated},
        shared=True,
    )
