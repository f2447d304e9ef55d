"""The rule kinds as pure state machines over one device's readings, shared by ingest and preview.

`step` never touches the database: the caller loads a `Track` (is an alarm open, when did the
current breach begin, the previous reading), feeds readings in time order and applies the verdicts.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import ValidationError

from linli.core.errors import ValidationFailed
from linli.iot.types import DEVICE_TYPES
from linli.rules.detectors import Detector, ProfileDetector
from linli.rules.models import OPS, SEVERITIES, Rule
from linli.rules.schemas import (
    PARAMS,
    AbsenceParams,
    AnomalyParams,
    RateParams,
    RuleCreate,
    ThresholdParams,
)

COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}

Action = Literal["raise", "update", "clear"]


@dataclass
class Track:
    """One (device, rule) pair's memory between readings."""

    open: bool = False
    breach_started_at: datetime | None = None
    breach_value: float | None = None
    prev: tuple[datetime, float] | None = None
    # Anomaly rules: the device's learned detector (made on the first reading if None).
    detector: Detector | ProfileDetector | None = None
    detector_at: datetime | None = None  # the last reading it learned: later ones only


@dataclass(frozen=True)
class Verdict:
    action: Action
    ts: datetime
    value: float


def check_rule(data: RuleCreate) -> dict[str, Any]:
    """Raise ValidationFailed unless the rule makes sense; return its normalised params."""
    kind = DEVICE_TYPES.get(data.device_type)
    if kind is None:
        raise ValidationFailed(
            f"unknown device type '{data.device_type}'",
            code="unknown_device_type",
            types=sorted(DEVICE_TYPES),
        )
    if data.metric is None and data.kind != "absence":
        raise ValidationFailed(f"a {data.kind} rule needs a metric", code="metric_required")
    if data.metric is not None and data.metric not in kind.metrics:
        raise ValidationFailed(
            f"{kind.name} has no metric '{data.metric}'",
            code="unknown_metric",
            metrics=sorted(kind.metrics),
        )
    if data.severity not in SEVERITIES:
        raise ValidationFailed(
            f"unknown severity '{data.severity}'", code="unknown_severity", severities=SEVERITIES
        )
    try:
        params = PARAMS[data.kind].model_validate(data.params)
    except ValidationError as err:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
            for e in err.errors(include_url=False)
        ]
        raise ValidationFailed(
            f"invalid {data.kind} rule parameters", code="bad_params", errors=errors
        ) from err
    if isinstance(params, ThresholdParams):
        _check_threshold(params)
    if isinstance(params, RateParams) and params.per_minute == 0:
        raise ValidationFailed("a rate of 0 per minute always fires", code="bad_rate")
    if (
        isinstance(params, AnomalyParams)
        and params.clear_below is not None
        and params.clear_below > params.threshold
    ):
        # Clearing above the raising level would clear an alarm on the very score that raised it.
        raise ValidationFailed(
            f"clear_below {params.clear_below:g} is above the threshold {params.threshold:g}",
            code="bad_clear_below",
        )
    return params.model_dump()


def _check_threshold(p: ThresholdParams) -> None:
    if p.op not in OPS:
        raise ValidationFailed(f"unknown operator '{p.op}'", code="unknown_op", ops=list(OPS))
    if p.clear_threshold is not None and COMPARE[p.op](p.clear_threshold, p.threshold):
        # The clearing level must lie on the safe side, or an alarm could never clear.
        raise ValidationFailed(
            f"clear_threshold {p.clear_threshold:g} is itself beyond the threshold "
            f"{p.op} {p.threshold:g}",
            code="bad_clear_threshold",
        )


def describe(rule: Rule) -> str:
    """Return the rule's condition in words, e.g. `pm25 > 75 for 600 s`."""
    p = rule.params
    if rule.kind == "threshold":
        held = f" for {p['for_seconds']} s" if p.get("for_seconds") else ""
        return f"{rule.metric} {p['op']} {p['threshold']:g}{held}"
    if rule.kind == "rate":
        return f"{rule.metric} changes by {p['per_minute']:+g} per minute"
    if rule.kind == "anomaly":
        return f"{rule.metric} anomaly score > {p['threshold']:g}"
    return f"{rule.metric or 'any metric'} silent for {p['silent_seconds']} s"


Params = ThresholdParams | RateParams | AbsenceParams | AnomalyParams


def parse(rule: Rule) -> Params:
    """Return the rule's params as its kind's schema (parse once per batch, not per reading)."""
    params = PARAMS[rule.kind].model_validate(rule.params)
    assert isinstance(params, ThresholdParams | RateParams | AbsenceParams | AnomalyParams)
    return params


def may_breach(params: Params, low: float, high: float) -> bool:
    """Return whether a reading between `low` and `high` could breach a threshold rule.

    Other kinds always answer True: their verdict depends on more than the value itself.
    """
    if not isinstance(params, ThresholdParams):
        return True
    return COMPARE[params.op](high if params.op in (">", ">=") else low, params.threshold)


# Readings after an anomaly rule's warm-up that only calibrate the detector's sense of a normal
# surprise (its first scores compare with nothing and would all look unprecedented).
CALIBRATION_POINTS = 48

OP_CODES = {">": 0, ">=": 1, "<": 2, "<=": 3}


def breach_candidates(
    ops: npt.NDArray[np.int8], thresholds: npt.NDArray[np.float64], low: float, high: float
) -> npt.NDArray[np.bool_]:
    """Vectorised `may_breach` of many threshold rules (ops as `OP_CODES`) over one batch."""
    mask: npt.NDArray[np.bool_] = (
        ((ops == 0) & (high > thresholds))
        | ((ops == 1) & (high >= thresholds))
        | ((ops == 2) & (low < thresholds))
        | ((ops == 3) & (low <= thresholds))
    )
    return mask


def step(params: Params, track: Track, ts: datetime, value: float) -> Verdict | None:
    """Feed one reading of the rule's metric; update `track` and return what to do, if anything."""
    if isinstance(params, ThresholdParams):
        return _threshold(params, track, ts, value)
    if isinstance(params, RateParams):
        return _rate(params, track, ts, value)
    if isinstance(params, AnomalyParams):
        return _anomaly(params, track, ts, value)
    # Absence: any reading ends the silence.
    return _close(track, ts, value) if track.open else None


def silent_too_long(rule: Rule, last: datetime, now: datetime) -> bool:
    """Return whether a device last heard at `last` is silent too long at `now`."""
    silent = AbsenceParams.model_validate(rule.params).silent_seconds
    return (now - last).total_seconds() > silent


def _threshold(p: ThresholdParams, track: Track, ts: datetime, value: float) -> Verdict | None:
    breach = COMPARE[p.op](value, p.threshold)
    if track.open:
        level = p.threshold if p.clear_threshold is None else p.clear_threshold
        if COMPARE[p.op](value, level):
            return Verdict("update", ts, value)
        return _close(track, ts, value)
    if not breach:
        track.breach_started_at = track.breach_value = None
        return None
    if track.breach_started_at is None:
        track.breach_started_at, track.breach_value = ts, value
    if (ts - track.breach_started_at).total_seconds() < p.for_seconds:
        return None
    track.breach_started_at = track.breach_value = None
    track.open = True
    return Verdict("raise", ts, value)


def _rate(p: RateParams, track: Track, ts: datetime, value: float) -> Verdict | None:
    prev, track.prev = track.prev, (ts, value)
    if prev is None:
        return None
    seconds = (ts - prev[0]).total_seconds()
    if seconds <= 0 or seconds > p.window_seconds:
        return None
    rate = (value - prev[1]) / (seconds / 60)
    breach = rate >= p.per_minute if p.per_minute > 0 else rate <= p.per_minute
    if breach:
        if track.open:
            return Verdict("update", ts, rate)
        track.open = True
        return Verdict("raise", ts, rate)
    return _close(track, ts, rate) if track.open else None


def new_detector(p: AnomalyParams, state: dict[str, Any] | None) -> Detector | ProfileDetector:
    """Return the rule's kind of detector, resumed from its saved state (fresh for None)."""
    kind = ProfileDetector if p.baseline == "profile" else Detector
    return kind.from_state(state, warmup=p.warmup_points)


def _anomaly(p: AnomalyParams, track: Track, ts: datetime, value: float) -> Verdict | None:
    if track.detector is None:
        track.detector = new_detector(p, None)
    track.detector.warmup = p.warmup_points
    if track.detector_at is not None and ts <= track.detector_at:
        return None  # a late or repeated reading: the detector learns each moment once, in order
    track.detector_at = ts
    score = track.detector.update(ts, value)
    if track.detector.count < p.warmup_points + CALIBRATION_POINTS:
        # Still learning the series, then what its normal surprises look like: never judged.
        return None
    if track.open:
        clear_below = p.threshold if p.clear_below is None else p.clear_below
        return _close(track, ts, score) if score < clear_below else Verdict("update", ts, score)
    if score > p.threshold:
        track.open = True
        return Verdict("raise", ts, score)
    return None


def _close(track: Track, ts: datetime, value: float) -> Verdict:
    track.open = False
    return Verdict("clear", ts, value)
