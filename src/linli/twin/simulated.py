"""What the simulator works with and reports: the demo's devices, faults on demand, and what a
round (or a run at a rate) sent and what ingest answered."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError


class SimulatedDevice(BaseModel):
    """One device of the demo, as the demo loader writes it to `var/demo-devices.json`."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    code: str
    token: str = ""
    type: str
    site: str | None = None
    lon: float
    lat: float
    mqtt_password: str | None = None
    mqtt_site: str | None = None  # the `<site>` level of its MQTT topics (its root unit's code)


_DEVICE_LIST = TypeAdapter(list[SimulatedDevice])


def load_devices(path: Path) -> list[SimulatedDevice]:
    """Read the device list; raise ValueError with the reason if it is missing or malformed."""
    try:
        return _DEVICE_LIST.validate_json(path.read_bytes())
    except OSError as err:
        raise ValueError(f"cannot read {path}: {err.strerror or err}") from err
    except ValidationError as err:
        raise ValueError(f"{path} is not a device list: {err.errors()[0]['msg']}") from err


FAULT_KINDS = ("stuck", "drift", "spike", "silence", "battery_drain")
_FAULT_DEFAULTS = {"stuck": 0.0, "drift": 10.0, "spike": 3.0, "silence": 0.0, "battery_drain": 5.0}


@dataclass(frozen=True, slots=True)
class Fault:
    """A misbehaviour of one device (`device` = its code) or of all (`device` = "*")."""

    kind: str
    device: str = "*"
    param: float | None = None

    @property
    def amount(self) -> float:
        return _FAULT_DEFAULTS[self.kind] if self.param is None else self.param

    @classmethod
    def parse(cls, text: str) -> Fault:
        """Read `CODE:KIND[:PARAM]` (CODE may be `*`), e.g. `BA-AQ-1:drift:25`."""
        parts = text.split(":")
        if len(parts) not in (2, 3) or not parts[0] or parts[1] not in FAULT_KINDS:
            raise ValueError(f"a fault is CODE:KIND[:PARAM] with KIND one of {FAULT_KINDS}")
        try:
            param = float(parts[2]) if len(parts) == 3 else None
        except ValueError as err:
            raise ValueError(f"the fault parameter '{parts[2]}' is not a number") from err
        if param is not None and (param < 0 or (parts[1] == "spike" and param < 1)):
            raise ValueError("fault parameters are positive (a spike period at least 1)")
        return cls(kind=parts[1], device=parts[0], param=param)


@dataclass(frozen=True, slots=True)
class DeviceFailure:
    """A device whose batch was not taken, with the HTTP status (None: no answer) and why."""

    code: str
    status: int | None
    reason: str


@dataclass(slots=True)
class RoundReport:
    """What one round sent and what ingest answered."""

    at: datetime
    devices: int = 0
    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    retries: int = 0
    failures: list[DeviceFailure] = field(default_factory=list)
    rejections: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def errors(self) -> int:
        """Devices whose batch failed (after retries)."""
        return len(self.failures)


@dataclass(slots=True)
class RateTotals:
    """What a run at a rate sent and what was acknowledged, over how many seconds."""

    rate: float
    rounds: int = 0
    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: int = 0
    seconds: float = 0.0
    caught_up: bool = False  # the timeline reached the wall clock: fewer readings than asked

    @property
    def achieved(self) -> float:
        """Return the readings acknowledged per second."""
        return self.accepted / self.seconds if self.seconds > 0 else 0.0

    def add(self, report: RoundReport) -> None:
        self.rounds += 1
        self.sent += report.sent
        self.accepted += report.accepted
        self.duplicates += report.duplicates
        self.rejected += report.rejected
        self.errors += report.errors
