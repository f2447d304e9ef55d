"""The MQTT broker: where it is (`LINLI_MQTT_URL`), and the Mosquitto credentials and ACL for
Linli's devices and its own service account.

Each device logs in with username = its code and a password *derived* from its token:
`base64url(HMAC-SHA256(LINLI_SECRET_KEY, "linli-mqtt" | code | token hash))`. Why derived and not
the token itself: Linli keeps only the token's SHA-256, from which Mosquitto's salted PBKDF2 entry
cannot be computed, so the token could only be reused if Linli stored it in clear. Why not a new
column: the derivation needs no migration, and rotating a device's token rotates its MQTT password
with it (rerun `linli iot broker-config`). A database leak alone does not give MQTT access: the
secret key is also needed. `linli iot mqtt-password CODE` prints the password to provision.

The ACL gives each device exactly its own topics (see `linli.iot.mqtt_messages` for the scheme); the
service account reads every `up`/`ack` and writes every `down`/`rejected`. Devices that are
deactivated or revoked, or whose code cannot be a Mosquitto user name, are left out.

With `LINLI_MQTT_BROKER_DIR` set, `refresh_broker_files` rewrites the files whenever a device's
credentials are rotated or revoked, and sends SIGHUP to the broker whose pid is in
`<dir>/mosquitto.pid` (Mosquitto's `pid_file`) so the change holds at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
import signal
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.settings import get_settings
from linli.iot.models import Device
from linli.org.models import OrgUnit

log = logging.getLogger(__name__)

PBKDF2_ITERATIONS = 101  # what mosquitto_passwd 2.0 writes for its "$7$" (PBKDF2-SHA512) entries
PASSWORD_FILE = "passwd"
ACL_FILE = "acl"
CONF_FILE = "linli.conf"
PID_FILE = "mosquitto.pid"


@dataclass(frozen=True)
class BrokerTarget:
    """Where the broker listens and how Linli's service account logs in to it."""

    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool
    client_id: str | None = None


def parse_broker_url(url: str) -> BrokerTarget:
    """Read `mqtt://user:password@host:port` (or `mqtts://…` for TLS); `?client_id=…` names the
    listener's persistent session (default `linli-ingest`)."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ValueError("the broker URL must look like mqtt://user:password@host:1883")
    tls = parts.scheme == "mqtts"
    return BrokerTarget(
        host=parts.hostname,
        port=parts.port or (8883 if tls else 1883),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        tls=tls,
        client_id=parse_qs(parts.query).get("client_id", [None])[0],
    )


def mqtt_password(device: Device, *, secret_key: str | None = None) -> str:
    """Return the device's MQTT password (changes when its token is rotated)."""
    key = (secret_key or get_settings().secret_key).encode()
    message = b"\0".join((b"linli-mqtt", device.code.encode(), device.token_hash.encode()))
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def password_entry(username: str, password: str, *, salt: bytes | None = None) -> str:
    """Return a password-file line `user:$7$...` (PBKDF2-SHA512, as mosquitto_passwd writes)."""
    salt = salt if salt is not None else secrets.token_bytes(12)
    derived = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, PBKDF2_ITERATIONS)
    encoded = (base64.b64encode(salt).decode(), base64.b64encode(derived).decode())
    return f"{username}:$7${PBKDF2_ITERATIONS}${encoded[0]}${encoded[1]}"


def usable_username(code: str) -> bool:
    """Tell whether `code` can be a Mosquitto user and a topic level (no ':', '+', '#', '/')."""
    return bool(code) and not any(c in code for c in ":+#/ \n\r\t")


def topic(site: str, code: str, kind: str) -> str:
    """Return a device topic, e.g. `linli/<site>/<code>/up`."""
    return f"linli/{site}/{code}/{kind}"


def root_id(org_path: str) -> uuid.UUID:
    """Return the id of the root unit of an org path."""
    return uuid.UUID(hex=org_path.strip("/").split("/")[0])


async def site_codes(session: AsyncSession, org_paths: Sequence[str]) -> dict[uuid.UUID, str]:
    """Return the code of each root unit of `org_paths`, by the root's id."""
    ids = {root_id(p) for p in org_paths}
    if not ids:
        return {}
    rows = await session.execute(select(OrgUnit.id, OrgUnit.code).where(OrgUnit.id.in_(ids)))
    return {unit_id: code for unit_id, code in rows}


async def device_site(session: AsyncSession, device: Device) -> str:
    """Return the `<site>` topic level of a device: the code of its root org unit."""
    return (await site_codes(session, [device.org_path]))[root_id(device.org_path)]


@dataclass
class BrokerFiles:
    """The contents of a Mosquitto password file and ACL file."""

    passwords: str
    acl: str
    devices: int = 0
    skipped: list[str] = field(default_factory=list)


def _service_acl(user: str) -> list[str]:
    return [
        f"user {user}",
        "topic read linli/+/+/up",
        "topic read linli/+/+/ack",
        "topic write linli/+/+/down",
        "topic write linli/+/+/rejected",
        "",
    ]


def _device_acl(site: str, code: str) -> list[str]:
    return [
        f"user {code}",
        f"topic write {topic(site, code, 'up')}",
        f"topic write {topic(site, code, 'ack')}",
        f"topic read {topic(site, code, 'down')}",
        f"topic read {topic(site, code, 'rejected')}",
        "",
    ]


async def broker_files(
    session: AsyncSession, *, service_user: str, service_password: str
) -> BrokerFiles:
    """Build the password file and ACL for every active device and the service account."""
    if not usable_username(service_user):
        raise ValueError(f"'{service_user}' cannot be a Mosquitto user name")
    devices = list(
        await session.scalars(
            select(Device)
            .where(Device.active.is_(True), Device.revoked_at.is_(None))
            .order_by(Device.code)
        )
    )
    sites = await site_codes(session, [d.org_path for d in devices])
    passwords = [password_entry(service_user, service_password)]
    acl = ["# Generated by `linli iot broker-config`; edits are overwritten.", ""]
    acl += _service_acl(service_user)
    files = BrokerFiles(passwords="", acl="")
    for device in devices:
        site = sites.get(root_id(device.org_path), "")
        if device.code == service_user or not usable_username(device.code) or not site:
            files.skipped.append(device.code)
            continue
        passwords.append(password_entry(device.code, mqtt_password(device)))
        acl += _device_acl(site, device.code)
        files.devices += 1
    files.passwords = "\n".join(passwords) + "\n"
    files.acl = "\n".join(acl)
    return files


def write_broker_files(out: Path, files: BrokerFiles) -> Path:
    """Write the files into `out` (password file readable by the owner only); return the conf."""
    out.mkdir(parents=True, exist_ok=True)
    password_file = out / PASSWORD_FILE
    fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(files.passwords)
    (out / ACL_FILE).write_text(files.acl, encoding="utf-8")
    conf = out / CONF_FILE
    conf.write_text(
        "# Include from mosquitto.conf (per_listener_settings false).\n"
        "allow_anonymous false\n"
        f"password_file {password_file.resolve()}\n"
        f"acl_file {(out / ACL_FILE).resolve()}\n",
        encoding="utf-8",
    )
    return conf


def reload_broker(out: Path) -> bool:
    """Send SIGHUP to the broker whose pid is in `out/mosquitto.pid`; tell whether one was."""
    try:
        pid = int((out / PID_FILE).read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError):
        return False
    return True


async def refresh_broker_files(session: AsyncSession) -> Path | None:
    """Rewrite the configured broker files from the session's view of the devices and ask the
    broker to reload them; return the directory, or None when not configured."""
    settings = get_settings()
    out = settings.mqtt_broker_dir
    if out is None or not settings.mqtt_url:
        return None
    target = parse_broker_url(settings.mqtt_url)
    if not target.username or not target.password:
        log.warning("LINLI_MQTT_URL has no user and password; broker files left as they are")
        return None
    files = await broker_files(
        session, service_user=target.username, service_password=target.password
    )
    write_broker_files(out, files)
    reload_broker(out)
    return out
