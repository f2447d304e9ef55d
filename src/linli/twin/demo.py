"""Load the demo sites (Bao'an-like district, Sengkang town) through the domain services."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import service as cases_service
from linli.iot import service as iot_service
from linli.iot.schemas import DeviceCreate
from linli.iot.types import DEVICE_TYPES
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.registry import service as registry_service
from linli.registry.models import Building
from linli.registry.roads import service as roads_service
from linli.registry.roads.schemas import RoadCreate
from linli.registry.schemas import BuildingCreate, PlaceCreate, ResidentCreate
from linli.rules import service as rules_service
from linli.rules.schemas import RuleCreate
from linli.security import service as security_service
from linli.twin.demo_data import (
    BUSIEST,
    CALENDARS,
    DEVICE_MIX,
    HOME_SENSORS,
    ROUTES,
    RULES,
    SITE_DEVICES,
)
from linli.twin.geography import BuildingSpec, SiteSpec
from linli.twin.names import staff_name


@dataclass
class Login:
    username: str
    role: str
    unit: str
    site: str


@dataclass
class DemoResult:
    logins: list[Login] = field(default_factory=list)
    devices: list[dict[str, object]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


Progress = Callable[[str, int], None]
SYMBOLS = {">": ">", ">=": "≥", "<": "<", "<=": "≤"}


def _noop(_what: str, _n: int) -> None:
    return None


async def load_categories(session: AsyncSession) -> int:
    """Store the shipped category catalogue (shared by both sites); return how many categories."""
    return await cases_service.load_shipped_catalogue(session)


async def load_site(
    session: AsyncSession, site: SiteSpec, *, password: str, progress: Progress = _noop
) -> DemoResult:
    """Create one site's org tree, calendar, routes, staff, buildings, residents and devices."""
    result = DemoResult()
    units: dict[str, OrgUnit] = {}
    for spec in site.units:
        units[spec.key] = await org_service.create_unit(
            session,
            kind=spec.kind,
            code=spec.code,
            name=spec.name,
            name_zh=spec.name_zh,
            parent=units[spec.parent_key] if spec.parent_key else None,
            boundary=spec.boundary,
            profile=site.profile,
        )
    progress("units", len(site.units))
    root = units[site.units[0].key]
    tz, start, end, holidays = CALENDARS[site.profile]
    await org_service.set_calendar(
        session, unit=root, timezone=tz, day_start=start, day_end=end, holidays=holidays
    )
    by_code = {u.code: u for u in units.values()}
    local_kind = "community" if site.profile == "grid" else "zone"
    locals_ = [u for u in units.values() if u.kind == local_kind]
    for category, target in ROUTES[site.profile].items():
        if target == "local":
            for unit in locals_:
                await org_service.set_route(
                    session, category_code=category, scope=unit, target=unit
                )
        else:
            await org_service.set_route(
                session, category_code=category, scope=root, target=by_code[target]
            )
    result.logins = await _staff(session, site, units, locals_, password)

    rows = [
        BuildingCreate(
            code=b.key,
            name=b.name,
            name_zh=b.name_zh,
            address=b.address,
            lon=b.lon,
            lat=b.lat,
            floors=b.floors,
            households=b.households,
            org_unit_id=units[b.unit_key].id,
        )
        for b in site.buildings
    ]
    created = await registry_service.import_buildings(session, rows=rows)
    buildings = {b.code: b for b in created}
    progress("buildings", len(buildings))
    for p in site.places:
        await registry_service.create_place(
            session,
            data=PlaceCreate(
                kind=p.kind, name=p.name, lon=p.lon, lat=p.lat, org_unit_id=units[p.unit_key].id
            ),
        )
    progress("places", len(site.places))
    await roads_service.import_roads(
        session,
        rows=[
            RoadCreate(code=r.key, kind=r.kind, name=r.name, name_zh=r.name_zh,
                       geometry=r.geometry, org_unit_id=units[r.unit_key].id)
            for r in site.roads
        ],
    )  # fmt: skip
    progress("roads", len(site.roads))
    await registry_service.import_residents(
        session,
        rows=[
            ResidentCreate(
                building_id=buildings[r.building_key].id,
                name=r.name,
                phone=r.phone,
                birth_year=r.birth_year,
                lives_alone=r.lives_alone,
            )
            for r in site.residents
        ],
    )
    progress("residents", len(site.residents))
    for type_, metric, op, threshold, severity, category in RULES:
        await rules_service.create_rule(
            session,
            data=RuleCreate(
                name=_rule_name(type_, metric, op, threshold, org_service.site_locale(root)),
                device_type=type_,
                metric=metric,
                params={"op": op, "threshold": threshold},
                scope_unit_id=root.id,
                severity=severity,
                case_category=category,
            ),
        )
    result.devices = await _devices(session, site, units, buildings)
    progress("devices", len(result.devices))
    result.counts = {
        "units": len(site.units),
        "buildings": len(site.buildings),
        "places": len(site.places),
        "roads": len(site.roads),
        "residents": len(site.residents),
        "devices": len(result.devices),
    }
    return result


def _rule_name(type_: str, metric: str, op: str, threshold: float, locale: str) -> str:
    """Name a rule as the site's staff would, in its language: "Bin fill level ≥ 90 %"."""
    if DEVICE_TYPES[type_].metrics[metric].boolean:
        return iot_service.alarm_headline(metric, threshold, locale, device_type=type_)
    label = iot_service.metric_label(metric, locale, device_type=type_)
    level = iot_service.reading_text(metric, threshold, locale, device_type=type_)
    return f"{label} {SYMBOLS.get(op, op)} {level}"


async def _staff(
    session: AsyncSession,
    site: SiteSpec,
    units: dict[str, OrgUnit],
    locals_: list[OrgUnit],
    password: str,
) -> list[Login]:
    root = units[site.units[0].key]
    first_local = locals_[0]
    parent_of_local = next(u for u in units.values() if u.id == first_local.parent_id)
    by_code = {u.code: u for u in units.values()}
    dept = by_code[ROUTES[site.profile][BUSIEST]]
    prefix = site.key
    wanted = [
        (f"{prefix}.admin", "admin", root),
        (f"{prefix}.operator", "operator", root),
        (f"{prefix}.inspector", "inspector", root),
        (f"{prefix}.local-operator", "operator", first_local),
        (f"{prefix}.worker", "grid_worker", first_local),
        (f"{prefix}.dept", "department_staff", dept),
    ]
    if parent_of_local.id != root.id:
        wanted.insert(3, (f"{prefix}.street-operator", "operator", parent_of_local))
    logins = []
    for username, role, unit in wanted:
        account = await security_service.create_account(
            session,
            username=username,
            display_name=staff_name(username, site.profile),
            password=password,
            locale="zh_Hans"
            if site.profile == "grid" and role in ("grid_worker", "department_staff")
            else "en",
        )
        await security_service.grant_role(
            session, account_id=account.id, role=role, unit_id=unit.id
        )
        logins.append(Login(username, role, unit.name, site.name))
    return logins


def _names(building: BuildingSpec, number: int | None) -> tuple[str, str | None]:
    """Return a device's name and Chinese name: where it is, numbered where several devices of
    its type share the building (the type is shown beside the name, never in it)."""
    if number is None:
        return building.name, building.name_zh
    chinese = f"{building.name_zh}{number}号" if building.name_zh else None
    return f"{building.name} No. {number}", chinese


async def _devices(
    session: AsyncSession,
    site: SiteSpec,
    units: dict[str, OrgUnit],
    buildings: dict[str, Building],
) -> list[dict[str, object]]:
    rng = random.Random(f"{site.key}-devices")
    parent = {u.key: u.parent_key for u in site.units}
    local_kind = {u.key: u.kind for u in site.units}
    by_unit: dict[str, list[BuildingSpec]] = {}
    for b in site.buildings:
        key = b.unit_key  # the grid (or zone); devices are spread per community / zone
        while local_kind[key] not in ("community", "zone") and parent[key] is not None:
            key = parent[key] or key
        by_unit.setdefault(key, []).append(b)
    alone = {r.building_key for r in site.residents if r.lives_alone}
    out: list[dict[str, object]] = []
    for _local, blds in sorted(by_unit.items()):
        per = max(1, len(blds) // 25)  # a large zone gets proportionally more devices
        picks = [(t, rng.choice(blds)) for t, count in DEVICE_MIX for _ in range(count * per)]
        picks.append(("SmokeDetector", rng.choice(blds)))
        picks.extend(("SOSButton", b) for b in blds[:3] if b.key in alone)
        picks.extend((t, b) for b in blds[:3] if b.key in alone for t in HOME_SENSORS)
        if not out:
            picks.extend((t, blds[0]) for t in SITE_DEVICES)
        shared = Counter((t, b.key) for t, b in picks)
        numbered: Counter[tuple[str, str]] = Counter()
        for type_, b in picks:
            lon, lat = b.lon, b.lat
            code = f"{site.key}-{type_[:5].lower()}-{len(out) + 1:05d}"
            numbered[type_, b.key] += 1
            several = shared[type_, b.key] > 1
            name, name_zh = _names(b, numbered[type_, b.key] if several else None)
            _device, token = await iot_service.register_device(
                session,
                data=DeviceCreate(
                    code=code,
                    type=type_,
                    name=name,
                    name_zh=name_zh,
                    lon=lon,
                    lat=lat,
                    org_unit_id=units[b.unit_key].id,
                    building_id=buildings[b.key].id,
                ),
            )
            out.append(
                {
                    "code": code,
                    "token": token,
                    "type": type_,
                    "site": site.key,
                    "lon": lon,
                    "lat": lat,
                }
            )
    return out


def write_devices_file(path: Path, devices: list[dict[str, object]]) -> None:
    """Write the simulator's device list (with tokens) readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(devices, indent=1))
    path.chmod(0o600)
