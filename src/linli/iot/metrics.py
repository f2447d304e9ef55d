"""Ingest metrics in the Prometheus text format (version 0.0.4).

Counters live in the process that counts them (the API process for HTTP ingest, the listener
for MQTT): refusals in `linli.iot.quarantine`, listener outcomes in `linli.iot.mqtt`. `/metrics`
of a process shows its own counters plus gauges read from the database, which every process
shares: quarantined rows by channel and reason, devices by status.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.iot import mqtt, quarantine
from linli.iot.models import Device
from linli.security import csp


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _family(
    name: str, kind: str, help_text: str, samples: Iterable[tuple[Mapping[str, str], float]]
) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    for labels, value in samples:
        inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
        lines.append(f"{name}{{{inner}}} {value:g}" if inner else f"{name} {value:g}")
    return lines


async def render(session: AsyncSession) -> str:
    """Return this process's ingest metrics and the shared gauges as Prometheus text."""
    lines = _family(
        "linli_ingest_rejected_total",
        "counter",
        "Refused ingest inputs (messages or batch items) by channel and reason.",
        (({"channel": c, "reason": r}, n) for (c, r), n in sorted(quarantine.rejections().items())),
    )
    lines += _family(
        "linli_mqtt_messages_total",
        "counter",
        "MQTT listener counters of this process by outcome.",
        (({"outcome": k}, n) for k, n in sorted(mqtt.counters().items())),
    )
    held = await quarantine.counts(session)
    lines += _family(
        "linli_quarantine_rows",
        "gauge",
        "Inputs held in quarantine by channel and reason.",
        (({"channel": c, "reason": r}, n) for (c, r), n in sorted(held.items())),
    )
    by_status = await session.execute(
        select(Device.status, func.count()).where(Device.active.is_(True)).group_by(Device.status)
    )
    lines += _family(
        "linli_devices",
        "gauge",
        "Active devices by status (online, offline, unknown).",
        (({"status": s}, int(n)) for s, n in sorted(by_status.all())),
    )
    lines += _family(
        "linli_csp_violations_total",
        "counter",
        "Content-Security-Policy violations browsers reported to this process, by directive.",
        (({"directive": d}, n) for d, n in sorted(csp.violations().items())),
    )
    return "\n".join(lines) + "\n"
