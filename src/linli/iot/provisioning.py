"""Provisioning: bulk registration from CSV, and the credentials lifecycle (rotate, revoke).

A device has two credentials: its HTTP token (only the hash is kept) and its MQTT password,
derived from the token hash (see `linli.iot.broker`). Rotating gives a new token and so a new
MQTT password; revoking replaces the hash by one of a random secret nobody holds and marks the
device revoked, so HTTP ingest answers 401 at once and the broker files leave it out. Both
rewrite the broker files when `LINLI_MQTT_BROKER_DIR` is set.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import LinliError, NotFound, ValidationFailed
from linli.iot import broker, service
from linli.iot.models import Device
from linli.iot.schemas import DeviceCreate
from linli.org import service as org_service
from linli.registry.models import Building
from linli.security import audit
from linli.security.permissions import Principal, actor_of
from linli.security.service import hash_secret

COLUMNS = ("code", "type", "name", "lon", "lat", "building", "place", "org_unit")
REQUIRED = ("code", "type", "name")
MAX_ROWS = 10_000


@dataclass
class Credentials:
    """What a device needs to send readings; shown once, never stored in clear."""

    device: Device
    token: str
    mqtt_username: str
    mqtt_password: str


@dataclass
class ProvisionedDevice:
    line: int
    credentials: Credentials


@dataclass
class RowProblem:
    line: int
    code: str
    reason: str
    device_code: str = ""


@dataclass
class ImportOutcome:
    created: list[ProvisionedDevice] = field(default_factory=list)
    errors: list[RowProblem] = field(default_factory=list)


def credentials(device: Device, token: str) -> Credentials:
    """Bundle a device's token with the MQTT user and password derived from it."""
    return Credentials(
        device=device,
        token=token,
        mqtt_username=device.code,
        mqtt_password=broker.mqtt_password(device),
    )


def _number(row: dict[str, str], name: str) -> float | None:
    raw = (row.get(name) or "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError as err:
        raise ValidationFailed(f"'{name}' must be a number", code=f"bad_{name}") from err


async def _row_device(
    session: AsyncSession, row: dict[str, str], principal: Principal | None
) -> Credentials:
    for name in REQUIRED:
        if not (row.get(name) or "").strip():
            raise ValidationFailed(f"'{name}' is required", code=f"missing_{name}")
    building_id = None
    building_code = (row.get("building") or "").strip()
    if building_code:
        building = await session.scalar(select(Building).where(Building.code == building_code))
        if building is None or (
            principal is not None and not principal.can("buildings:read", building.org_path)
        ):
            raise ValidationFailed(f"no building '{building_code}'", code="unknown_building")
        building_id = building.id
    place = (row.get("place") or "").strip() or None
    try:
        data = DeviceCreate(
            code=row["code"].strip(),
            type=row["type"].strip(),
            name=row["name"].strip(),
            lon=_number(row, "lon"),
            lat=_number(row, "lat"),
            building_id=building_id,
            place_id=place,  # validated into a UUID
        )
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValidationFailed(f"{where}: {first['msg']}", code="bad_row") from err
    unit_code = (row.get("org_unit") or "").strip()
    device, token = await service.register_device(session, data=data, principal=principal)
    if unit_code:
        try:
            unit = await org_service.get_unit_by_code(session, unit_code)
        except NotFound as err:
            raise ValidationFailed(f"no org unit '{unit_code}'", code="unknown_org_unit") from err
        if not device.org_path.startswith(unit.path):
            raise ValidationFailed(
                f"the point lies outside org unit '{unit_code}'", code="outside_org_unit"
            )
    return credentials(device, token)


async def import_devices(
    session: AsyncSession, *, text: str, principal: Principal | None = None
) -> ImportOutcome:
    """Register the devices of a CSV (header: code,type,name,lon,lat,building,place,org_unit).

    Each device is placed in the deepest org unit holding its point (or its building's); an
    `org_unit` code, when given, must contain it. Each row is stored in its own savepoint: good
    rows are kept, each bad row comes back with its line number and reason.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValidationFailed(
            f"the CSV header lacks {', '.join(missing)}", code="bad_csv_header", columns=COLUMNS
        )
    reader.fieldnames = header
    outcome = ImportOutcome()
    for number, row in enumerate(reader):
        line = reader.line_num
        if number >= MAX_ROWS:
            raise ValidationFailed(f"at most {MAX_ROWS} rows per import", code="too_many_rows")
        code = (row.get("code") or "").strip()
        try:
            async with session.begin_nested():
                creds = await _row_device(session, row, principal)
        except LinliError as err:
            outcome.errors.append(
                RowProblem(line=line, code=err.code, reason=err.detail, device_code=code)
            )
            continue
        outcome.created.append(ProvisionedDevice(line=line, credentials=creds))
    if outcome.created:
        await broker.refresh_broker_files(session)
    return outcome


def credentials_csv(outcome: ImportOutcome) -> str:
    """Render an import's outcome as CSV: one line per row, credentials or the reason."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("line", "code", "status", "token", "mqtt_username", "mqtt_password", "reason"))
    rows: list[tuple[int, tuple[str, ...]]] = []
    for p in outcome.created:
        c = p.credentials
        rows.append(
            (p.line, (c.device.code, "created", c.token, c.mqtt_username, c.mqtt_password, ""))
        )
    for e in outcome.errors:
        rows.append((e.line, (e.device_code, e.code, "", "", "", e.reason)))
    for line, values in sorted(rows, key=lambda r: r[0]):
        writer.writerow((line, *values))
    return out.getvalue()


async def rotate_credentials(
    session: AsyncSession, device: Device, *, principal: Principal | None = None
) -> Credentials:
    """Give a device a new token and MQTT password (lifting a revocation); the old ones stop."""
    token = await service.rotate_token(session, device, principal=principal)
    device.revoked_at = None
    await session.flush()
    await broker.refresh_broker_files(session)
    return credentials(device, token)


async def revoke_credentials(
    session: AsyncSession, device: Device, *, principal: Principal | None = None
) -> Device:
    """Revoke a device's token and MQTT password at once; rotating issues new ones."""
    if principal is not None:
        principal.require("devices:write", device.org_path)
    device.token_hash = hash_secret(secrets.token_urlsafe(32))  # nobody holds this secret
    device.revoked_at = clock.now()
    await session.flush()
    await audit.record(
        session,
        actor=actor_of(principal),
        action="device.revoke",
        target_type="device",
        target_id=str(device.id),
        org_path=device.org_path,
    )
    await broker.refresh_broker_files(session)
    return device
