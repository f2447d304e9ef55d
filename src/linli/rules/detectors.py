"""Learned streaming anomaly detectors: one `Detector` per series, no look-ahead, bounded memory.

The detector learns three baselines as points arrive: the recent level (a fast exponential
average), the daily profile (a learned mean per five-minute slot of the day) and the weekly
profile (a mean per hour of the week). Each predicts the point before learning it; a forgetting
average of every baseline's absolute error picks the one that has been most accurate lately, so a
series with a daily or weekly rhythm is judged against its rhythm and a flat one against its
level. The chosen baseline's residual over its typical size is the point's surprise.

Surprise alone fires on every noisy series, so the score asks whether the surprise is
*unprecedented*: the mean surprise over a short window (a jolt) and over a longer window (a burst
of spikes, a change of variance) are each compared with their own peak, which decays slowly (half
life about 1,400 points). A ratio above 1 is a surprise not seen lately; after firing, the raised
peak keeps the detector quiet until something larger happens, which is what NAB rewards (one
early detection per anomaly, few repeats). A value beyond the learned range of the series (whose
edges also decay slowly towards the level) scores at least 0.5. Scores are a monotone map of these
ratios, so one threshold means the same on every series.

Memory per series is fixed: 288 + 168 slot means, two short ring buffers and a few floats.
"""

from __future__ import annotations

import math
from collections import deque
from datetime import datetime
from typing import Any

DAY_SLOTS = 288  # five-minute slots of the day
WEEK_SLOTS = 168  # hours of the week
SECONDS_PER_SLOT = 86400 // DAY_SLOTS
MAX_SURPRISE = 50.0


class _PeakRatio:
    """The mean of the last `window` inputs over its own slowly decaying peak."""

    __slots__ = ("_memory", "_peak", "_recent", "_sum")

    def __init__(self, window: int, memory: float) -> None:
        self._recent: deque[float] = deque(maxlen=window)
        self._sum = 0.0
        self._peak = 0.0
        self._memory = memory

    def ratio(self, surprise: float) -> float:
        """Add one surprise; return the window mean over the peak seen before it."""
        recent = self._recent
        if len(recent) == recent.maxlen:
            self._sum -= recent[0]
        recent.append(surprise)
        self._sum += surprise
        mean = self._sum / len(recent)
        peak = self._peak
        self._peak = max(peak * self._memory, mean)
        return mean / (peak + 1e-9)

    def to_state(self) -> dict[str, Any]:
        return {"recent": list(self._recent), "sum": self._sum, "peak": self._peak}

    def load_state(self, state: dict[str, Any]) -> None:
        self._recent.clear()
        self._recent.extend(float(x) for x in state["recent"])
        self._sum, self._peak = float(state["sum"]), float(state["peak"])


class Detector:
    """A streaming anomaly detector for one series: `update(ts, value)` -> score in [0, 1]."""

    __slots__ = (
        "_burst",
        "_count",
        "_day",
        "_day_error",
        "_high",
        "_jolt",
        "_level",
        "_level_error",
        "_low",
        "_range_memory",
        "_scale",
        "_week",
        "_week_error",
        "warmup",
    )

    def __init__(
        self,
        *,
        short_window: int = 2,
        burst_window: int = 32,
        memory: float = 0.9995,
        range_memory: float = 0.99995,
        warmup: int = 150,
    ) -> None:
        self.warmup = warmup
        self._count = 0
        self._level = self._scale = self._low = self._high = 0.0
        self._day: list[float | None] = [None] * DAY_SLOTS
        self._week: list[float | None] = [None] * WEEK_SLOTS
        self._level_error = self._day_error = self._week_error = 0.0
        self._jolt = _PeakRatio(short_window, memory)
        self._burst = _PeakRatio(burst_window, memory)
        self._range_memory = range_memory

    def update(self, ts: datetime, value: float) -> float:
        """Learn one point and return its anomaly score (0 = normal, 1 = certain anomaly)."""
        self._count += 1
        if self._count == 1:
            self._level = self._low = self._high = value
            self._scale = abs(value) * 0.01 + 1e-9
        surprise = self._surprise(ts, value)
        beyond = self._beyond_range(value)
        if self._count < self.warmup:
            return 0.0  # the baselines are still guesses: learn, but do not judge
        jolt = self._jolt.ratio(surprise)
        burst = self._burst.ratio(surprise)
        ratio = max(jolt, burst)
        score = ratio / (1.0 + ratio)
        if beyond > 0.0:
            score = max(score, 0.5 + 0.5 * min(4.0 * beyond, 1.0))
        return score

    @property
    def count(self) -> int:
        """The number of points learned so far."""
        return self._count

    def to_state(self) -> dict[str, Any]:
        """Return everything learned as plain JSON (about 500 numbers, some 10 kB as text)."""
        return {
            "v": 1,
            "count": self._count,
            "level": self._level,
            "scale": self._scale,
            "low": self._low,
            "high": self._high,
            "day": list(self._day),
            "week": list(self._week),
            "errors": [self._level_error, self._day_error, self._week_error],
            "jolt": self._jolt.to_state(),
            "burst": self._burst.to_state(),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any] | None, *, warmup: int = 150) -> Detector:
        """Return a detector resuming from `to_state` output (a fresh one for None or an
        unknown format), so a series is scored the same across batches and restarts."""
        detector = cls(warmup=warmup)
        if not state or state.get("v") != 1:
            return detector
        detector._count = int(state["count"])
        detector._level = float(state["level"])
        detector._scale = float(state["scale"])
        detector._low, detector._high = float(state["low"]), float(state["high"])
        detector._day = [None if x is None else float(x) for x in state["day"]][:DAY_SLOTS]
        detector._week = [None if x is None else float(x) for x in state["week"]][:WEEK_SLOTS]
        errors = state["errors"]
        detector._level_error, detector._day_error, detector._week_error = map(float, errors)
        detector._jolt.load_state(state["jolt"])
        detector._burst.load_state(state["burst"])
        return detector

    def _surprise(self, ts: datetime, value: float) -> float:
        """Predict with every baseline, then learn the point; return the best one's surprise."""
        day_slot = (ts.hour * 3600 + ts.minute * 60 + ts.second) // SECONDS_PER_SLOT
        week_slot = ts.weekday() * 24 + ts.hour
        level_residual = value - self._level
        day = self._day[day_slot]
        week = self._week[week_slot]
        day_residual = level_residual if day is None else value - day
        week_residual = level_residual if week is None else value - week
        self._level_error += 0.01 * (abs(level_residual) - self._level_error)
        self._day_error += 0.01 * (abs(day_residual) - self._day_error)
        self._week_error += 0.01 * (abs(week_residual) - self._week_error)
        residual, best = level_residual, self._level_error
        if self._day_error < best:
            residual, best = day_residual, self._day_error
        if self._week_error < best:
            residual = week_residual
        surprise = abs(residual) / (self._scale + 1e-9)
        self._scale += 0.005 * (abs(residual) - self._scale)
        self._scale = max(self._scale, 1e-6 * (abs(self._level) + 1.0))
        self._level += 0.2 * level_residual
        self._day[day_slot] = value if day is None else day + 0.3 * (value - day)
        self._week[week_slot] = value if week is None else week + 0.05 * (value - week)
        return min(surprise, MAX_SURPRISE)

    def _beyond_range(self, value: float) -> float:
        """Return how far `value` lies outside the learned range, as a share of its width."""
        low, high, level = self._low, self._high, self._level
        width = high - low
        beyond = max(value - high, low - value, 0.0) / width if width > 0.0 else 0.0
        high, low = max(high, value), min(low, value)
        # The edges drift back towards the level so an old extreme is slowly forgotten.
        memory = self._range_memory
        self._high = level + (high - level) * memory if high > level else high
        self._low = level - (level - low) * memory if low < level else low
        return beyond


def score_series(timestamps: list[datetime], values: list[float]) -> list[float]:
    """Run a fresh detector over a whole series and return one score per point."""
    detector = Detector()
    update = detector.update
    return [update(ts, value) for ts, value in zip(timestamps, values, strict=True)]


class ProfileDetector:
    """A learned daily profile for counts and levels that keep a routine (a senior's movements,
    a household's water use): per local hour of the day a forgetting mean and variance; the score
    is how far the last `window` readings sit from their hours' profile, in standard errors.

    Unlike `Detector`, which asks whether a surprise is unprecedented, this asks whether the last
    hour departs from the routine — a morning with no movement where there always is some.
    Memory is fixed: 3 × 24 numbers and the last `window` deviations.
    """

    SLOTS = 24

    def __init__(self, *, warmup: int = 150, window: int = 12, alpha: float = 0.05) -> None:
        self.warmup, self._alpha = warmup, alpha
        self._count = 0
        self._mean: list[float | None] = [None] * self.SLOTS
        self._var = [0.0] * self.SLOTS
        self._seen = [0] * self.SLOTS
        self._recent: deque[float] = deque(maxlen=window)

    @property
    def count(self) -> int:
        """The number of points learned so far."""
        return self._count

    def update(self, ts: datetime, value: float) -> float:
        """Learn one point (of the hour `ts.hour`, local time as given) and score the last hour."""
        self._count += 1
        slot = ts.hour
        mean = self._mean[slot]
        if mean is None:
            self._mean[slot] = value
            return 0.0
        spread = (self._var[slot] + 0.25) ** 0.5  # a floor: a count's noise is at least ±0.5
        self._recent.append((value - mean) / spread)
        self._seen[slot] += 1
        rate = max(1.0 / (self._seen[slot] + 1), self._alpha)  # plain averages until it forgets
        delta = value - mean
        self._mean[slot] = mean + rate * delta
        self._var[slot] = (1 - rate) * (self._var[slot] + rate * delta * delta)
        if self._count < self.warmup:
            return 0.0
        n = len(self._recent)
        # The window's mean deviation in standard errors.
        z = abs(sum(self._recent) / n) * math.sqrt(n)
        return z / (z + 2.0)

    def to_state(self) -> dict[str, Any]:
        """Return everything learned as plain JSON (about 80 numbers)."""
        return {
            "v": "profile-1",
            "count": self._count,
            "mean": list(self._mean),
            "var": list(self._var),
            "seen": list(self._seen),
            "recent": list(self._recent),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any] | None, *, warmup: int = 150) -> ProfileDetector:
        """Return a detector resuming from `to_state` output (fresh for None or another format)."""
        detector = cls(warmup=warmup)
        if not state or state.get("v") != "profile-1":
            return detector
        detector._count = int(state["count"])
        detector._mean = [None if x is None else float(x) for x in state["mean"]][: cls.SLOTS]
        detector._var = [float(x) for x in state["var"]][: cls.SLOTS]
        detector._seen = [int(x) for x in state["seen"]][: cls.SLOTS]
        detector._recent.extend(float(x) for x in state["recent"])
        return detector
