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

The password file and ACL are written 0640, owned by Mosquitto's own user (`mosquitto`, which
Debian's broker drops to after starting as root) when we run as root, else given to its group
when we may: Mosquitto reads them again as that user on every reload, and nobody else may.

With `LINLI_MQTT_BROKER_DIR` set, `refresh_broker_files` rewrites the files whenever a device's
credentials are rotated or revoked — in whichever process does it, typically an API process —
and sends SIGHUP to the broker whose pid is in `<dir>/run/mosquitto.pid` (Mosquitto's `pid_file`)
so the change holds at once. The service account's password-file line is kept from the files
when the process has no `LINLI_MQTT_URL`. Whatever prevents it is logged as a warning.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import pwd
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
PID_FILE = "run/mosquitto.pid"  # in a directory of its own, which Mosquitto may write
CONF_DIR = "conf.d"
MAIN_CONF_FILE = "mosquitto.conf"
BROKER_USER = "mosquitto"  # the user Debian's Mosquitto runs as, after dropping root


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
    session: AsyncSession,
    *,
    service_user: str,
    service_password: str | None = None,
    service_entry: str | None = None,
) -> BrokerFiles:
    """Build the password file and ACL for every active device and the service account (its
    password, or its password-file line as it stands)."""
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
    if service_entry is None:
        if service_password is None:
            raise ValueError("give the service account's password or its password-file line")
        service_entry = password_entry(service_user, service_password)
    passwords = [service_entry]
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


def _broker_account(name: str) -> tuple[int, int] | None:
    """Return the uid and gid of the broker's user, if this machine has one."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


def _write_private(path: Path, text: str, account: tuple[int, int] | None) -> None:
    """Replace `path` at once with a file the broker's user can read and others cannot: owned
    by that user when we are root, else in its group when we may (0640 either way)."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            if account is not None:
                uid, gid = account
                try:
                    os.fchown(handle.fileno(), uid if os.geteuid() == 0 else -1, gid)
                except PermissionError:
                    log.warning(
                        "%s: cannot give it to the broker's group (gid %d); Mosquitto running "
                        "as its own user may not read it",
                        path,
                        gid,
                    )
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_broker_files(out: Path, files: BrokerFiles, *, broker_user: str = BROKER_USER) -> Path:
    """Write the password file and ACL into `out` (0640, readable by the broker's user
    `broker_user` when it exists, never by others) and the Mosquitto settings that load them
    (`conf.d/linli.conf`); return that settings file."""
    if not out.exists():
        out.mkdir(parents=True)
        out.chmod(0o755)  # Mosquitto, as its own user, must reach the files inside
    account = _broker_account(broker_user)
    _write_private(out / PASSWORD_FILE, files.passwords, account)
    _write_private(out / ACL_FILE, files.acl, account)
    conf_dir = out / CONF_DIR
    conf_dir.mkdir(exist_ok=True)
    conf_dir.chmod(0o755)
    run_dir = (out / PID_FILE).parent  # Mosquitto writes its pid file as its own user
    run_dir.mkdir(exist_ok=True)
    if account is not None and os.geteuid() == 0:
        os.chown(run_dir, *account)
    conf = conf_dir / CONF_FILE
    conf.write_text(
        "# Generated by `linli iot broker-config` (per_listener_settings false).\n"
        "allow_anonymous false\n"
        f"password_file {(out / PASSWORD_FILE).resolve()}\n"
        f"acl_file {(out / ACL_FILE).resolve()}\n",
        encoding="utf-8",
    )
    return conf


def write_broker_conf(out: Path, *, port: int | None) -> Path:
    """Write `out/mosquitto.conf`, a whole broker configuration: its pid file in `out` (for
    reloads), a listener on `port` (none: add your own, e.g. with TLS) and `conf.d`."""
    lines = [
        "# Generated by `linli iot broker-config`: run `mosquitto -c` with this file, or add",
        f"# `include_dir {(out / CONF_DIR).resolve()}` to your own mosquitto.conf and point its",
        "# pid_file at the one below, so that credential changes reload the broker.",
        f"pid_file {(out / PID_FILE).resolve()}",
    ]
    if port is not None:
        lines.append(f"listener {port}")
    lines.append(f"include_dir {(out / CONF_DIR).resolve()}")
    main = out / MAIN_CONF_FILE
    main.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return main


def _is_mosquitto(pid: int) -> bool:
    """Tell whether process `pid` is a Mosquitto (where /proc says; elsewhere trust the file)."""
    comm = Path(f"/proc/{pid}/comm")
    if not Path("/proc/self/comm").exists():
        return True
    try:
        return "mosquitto" in comm.read_text()
    except OSError:
        return False


def reload_broker(out: Path) -> str | None:
    """Send SIGHUP to the Mosquitto whose pid is in `out/mosquitto.pid`; return why not, or
    None when it was sent."""
    try:
        pid = int((out / PID_FILE).read_text().strip())
    except (OSError, ValueError) as err:
        return f"no broker pid in {out / PID_FILE} ({err})"
    if not _is_mosquitto(pid):
        return f"process {pid} of {out / PID_FILE} is not a running Mosquitto"
    try:
        os.kill(pid, signal.SIGHUP)
    except OSError as err:
        return f"cannot signal Mosquitto (pid {pid}): {err.strerror or err}"
    return None


def _kept_service_entry(out: Path) -> tuple[str, str] | None:
    """Return the service account's user and password-file line as the files hold them (its
    block comes first in the ACL), so that a process without its password can refresh them."""
    try:
        acl = (out / ACL_FILE).read_text(encoding="utf-8").splitlines()
        entries = (out / PASSWORD_FILE).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    user = next((line.split(" ", 1)[1] for line in acl if line.startswith("user ")), None)
    entry = next((e for e in entries if user and e.startswith(f"{user}:")), None)
    return (user, entry) if user and entry else None


async def refresh_broker_files(session: AsyncSession) -> Path | None:
    """Rewrite the broker files in `LINLI_MQTT_BROKER_DIR` from the session's view of the
    devices and ask the broker to reload them; return the directory, or None when they could
    not be rewritten (said in the log)."""
    settings = get_settings()
    out = settings.mqtt_broker_dir
    if out is None:
        level = logging.WARNING if settings.mqtt_url else logging.DEBUG
        log.log(level, "device credentials changed; LINLI_MQTT_BROKER_DIR is not set here, so "
                "no broker files were rewritten")  # fmt: skip
        return None
    target = parse_broker_url(settings.mqtt_url) if settings.mqtt_url else None
    if target is not None and target.username and target.password:
        files = await broker_files(
            session, service_user=target.username, service_password=target.password
        )
    elif (kept := _kept_service_entry(out)) is not None:
        files = await broker_files(session, service_user=kept[0], service_entry=kept[1])
    else:
        log.warning(
            "device credentials changed but the broker files in %s were not rewritten: they hold "
            "no service account (run `linli iot broker-config`)",
            out,
        )
        return None
    write_broker_files(out, files)
    refused = reload_broker(out)
    if refused is not None:
        log.warning("broker files in %s rewritten, but %s: reload Mosquitto", out, refused)
    return out
