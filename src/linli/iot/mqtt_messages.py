"""What travels over MQTT: device topics and their payloads, read into what ingest takes.

Topics (`<site>` is the code of the device's root org unit, `<code>` the device's code):

* `linli/<site>/<code>/up` — device → Linli, QoS 1: readings, either
  `{"readings": [{"metric": "pm25", "value": 80.5, "ts": "2026-03-02T01:00:00Z"}]}` or the compact
  `{"m": "pm25", "v": 80.5, "t": 1772413200}` (t: Unix seconds; left out means now), or a list
  of compact items.
* `linli/<site>/<code>/rejected` — Linli → device, QoS 1: what was refused, either
  `{"accepted": n, "duplicates": n, "rejected": [{"index", "code", "reason"}]}` or, for a payload
  that is not a batch at all, `{"code": "bad_json", "reason": "..."}`.
* `linli/<site>/<code>/down` — Linli → device, QoS 1: `{"command_id", "name", "params"}`.
* `linli/<site>/<code>/ack` — device → Linli, QoS 1:
  `{"command_id": "...", "status": "ok" | "failed", "detail": "..."}`.

Parsing only (no database, no connection): the listener (`linli.iot.mqtt`) acts on the result.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field

from linli.core.json_depth import too_deep
from linli.core.schemas import Schema
from linli.core.settings import get_settings


@dataclass(frozen=True)
class DeviceTopic:
    site: str
    code: str
    kind: str


def parse_topic(name: str) -> DeviceTopic | None:
    """Split `linli/<site>/<code>/<kind>`, or return None for any other topic."""
    levels = name.split("/")
    if len(levels) != 4 or levels[0] != "linli" or not levels[1] or not levels[2]:
        return None
    return DeviceTopic(site=levels[1], code=levels[2], kind=levels[3])


class BadPayload(Exception):
    """A message that is not a batch of readings at all."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


class AckIn(Schema):
    command_id: uuid.UUID
    status: Literal["ok", "failed"]
    detail: str = Field(default="", max_length=500)


def _expand(item: object) -> object:
    """Turn a compact item `{"m", "v", "t"}` into the `{"metric", "value", "ts"}` form."""
    if not isinstance(item, dict) or "metric" in item or "m" not in item:
        return item
    out: dict[str, Any] = {"metric": item["m"], "value": item.get("v")}
    t = item.get("t")
    if isinstance(t, int | float) and not isinstance(t, bool):
        try:
            out["ts"] = datetime.fromtimestamp(t, UTC).isoformat()
        except (OverflowError, OSError, ValueError):
            out["ts"] = str(t)  # refused as bad_ts by the item check
    elif t is not None:
        out["ts"] = t
    return out


def reading_items(payload: bytes) -> list[object]:
    """Return the raw reading items of an `up` payload, or raise BadPayload."""
    size = get_settings().max_request_bytes
    if len(payload) > size:
        raise BadPayload("payload_too_large", f"at most {size} bytes per message")
    depth = get_settings().max_json_depth
    if too_deep(payload, depth):
        raise BadPayload("json_too_deep", f"the payload is nested deeper than {depth} levels")
    try:
        body = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as err:
        raise BadPayload("bad_json", "the payload is not valid JSON") from err
    if isinstance(body, dict) and "readings" in body:
        items = body["readings"]
    elif isinstance(body, dict):
        items = [body]
    else:
        items = body
    if not isinstance(items, list):
        raise BadPayload("bad_batch", 'send {"readings": [...]}, a compact item or a list')
    limit = get_settings().max_ingest_batch
    if len(items) > limit:
        raise BadPayload("batch_too_large", f"at most {limit} readings per message")
    return [_expand(item) for item in items]
