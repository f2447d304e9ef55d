"""Numenta Anomaly Benchmark scoring (Lavin & Ahmad 2015, arXiv:1510.03336).

The rules follow NAB's `nab/sweeper.py`: every row is given the weight it would earn if the
detector fired there. Inside a labelled window that is the scaled sigmoid of the row's position
relative to the window's right edge (1.0 at the left edge, falling towards the end), times the
profile's true-positive weight; only the best (earliest) detection of a window counts and a
missed window costs the false-negative weight. Outside a window a detection is a false positive
costing the false-positive weight times the scaled sigmoid of its distance past the preceding
window (-1 when no window precedes it). The first min(15 % of rows, 750) rows of each file are
probationary and ignored. The threshold is swept over every distinct score of the whole set
being scored, the best total is kept, and it is normalised so that the null detector (never
fires) scores 0 and the perfect detector (fires at the start of every window) scores 100.
"""

from __future__ import annotations

import csv
import json
import math
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

PROBATION_PERCENT = 0.15
PROBATION_CAP = 750  # 15 % of the 5000 rows NAB assumes as a file's usual length
FALSE_POSITIVE = -1
PROBATIONARY = -2


@dataclass(frozen=True, slots=True)
class Profile:
    """The weights of one NAB application profile (`config/profiles.json`)."""

    name: str
    tp_weight: float
    fp_weight: float
    fn_weight: float


PROFILES: dict[str, Profile] = {
    "standard": Profile("standard", 1.0, 0.11, 1.0),
    "reward_low_FP_rate": Profile("reward_low_FP_rate", 1.0, 0.22, 1.0),
    "reward_low_FN_rate": Profile("reward_low_FN_rate", 1.0, 0.11, 2.0),
}


@dataclass(frozen=True, slots=True)
class Series:
    """One data file of a corpus: its timestamps, values and labelled anomaly windows."""

    name: str  # "<category>/<file>.csv", the key of `combined_windows.json`
    timestamps: list[datetime]
    values: list[float]
    windows: list[tuple[datetime, datetime]] = field(default_factory=list)

    @property
    def category(self) -> str:
        """Return the folder the file sits in."""
        return self.name.split("/", 1)[0]


@dataclass(frozen=True, slots=True)
class Tally:
    """Raw NAB score and counts of a file or a group of files at one threshold."""

    raw: float
    windows: int
    detected: int  # windows with at least one detection
    false_positives: int  # detections outside every window (after probation)

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.raw + other.raw,
            self.windows + other.windows,
            self.detected + other.detected,
            self.false_positives + other.false_positives,
        )


@dataclass(frozen=True, slots=True)
class ProfileResult:
    """The NAB result of one detector under one profile."""

    profile: str
    threshold: float
    score: float  # normalised: null detector 0, perfect detector 100
    total: Tally
    files: dict[str, Tally]
    categories: dict[str, Tally]
    category_scores: dict[str, float | None]  # None for a category without windows


def sigmoid(x: float) -> float:
    """Return the logistic function of `x`."""
    return 1.0 / (1.0 + math.exp(-x))


def scaled_sigmoid(position: float) -> float:
    """Return NAB's scaled sigmoid of a position relative to a window's right edge."""
    if position >= 3.0:
        return -1.0  # a false positive far behind any window
    return 2.0 * sigmoid(-5.0 * position) - 1.0


def probationary_length(rows: int) -> int:
    """Return how many leading rows of a file NAB ignores."""
    return min(math.floor(PROBATION_PERCENT * rows), PROBATION_CAP)


def parse_timestamp(text: str) -> datetime:
    """Parse a NAB timestamp ("2014-04-10 07:15:00" with optional fraction)."""
    return datetime.fromisoformat(text.strip())


def read_series(path: Path) -> tuple[list[datetime], list[float]]:
    """Read a NAB `timestamp,value` CSV file."""
    timestamps: list[datetime] = []
    values: list[float] = []
    with path.open(newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        for row in reader:
            if len(row) >= 2:
                timestamps.append(parse_timestamp(row[0]))
                values.append(float(row[1]))
    return timestamps, values


def load_corpus(root: Path) -> list[Series]:
    """Load every labelled file of a NAB folder (`data/<category>/*.csv`, `labels/`)."""
    labels = json.loads((root / "labels" / "combined_windows.json").read_text())
    corpus = []
    for name in sorted(labels):
        path = root / "data" / name
        if not path.exists():
            continue
        timestamps, values = read_series(path)
        windows = [(parse_timestamp(a), parse_timestamp(b)) for a, b in labels[name]]
        corpus.append(Series(name, timestamps, values, windows))
    return corpus


@dataclass(frozen=True, slots=True)
class _Rows:
    """Per-row sweep weight and owner (window number, FALSE_POSITIVE or PROBATIONARY)."""

    weights: list[float]
    owners: list[int]
    windows: int  # windows with at least one scored (non-probationary) row


def _sweep_rows(series: Series, profile: Profile) -> _Rows:
    """Return the weight each row would earn if the detector fired there (NAB's sweep)."""
    ts = series.timestamps
    rows = len(ts)
    bounds = []
    for start, end in series.windows:
        left, right = bisect_left(ts, start), bisect_right(ts, end) - 1
        if left <= right:
            bounds.append((left, right))
    probation = probationary_length(rows)
    max_tp = scaled_sigmoid(-1.0)
    weights = [0.0] * rows
    owners = [FALSE_POSITIVE] * rows
    previous: tuple[int, int] | None = None  # (right edge, width) of the preceding window
    scored: set[int] = set()
    k = 0
    i = 0
    while i < rows:
        if k < len(bounds) and i == bounds[k][0]:
            left, right = bounds[k]
            width = right - left + 1
            for j in range(left, right + 1):
                position = -(right - j + 1) / width
                weights[j] = scaled_sigmoid(position) * profile.tp_weight / max_tp
                owners[j] = k if j >= probation else PROBATIONARY
                if j >= probation:
                    scored.add(k)
            previous = (right, width)
            k += 1
            i = right + 1
            continue
        if previous is None:
            unweighted = -1.0
        else:
            past = abs(previous[0] - i) / max(previous[1] - 1, 1)
            unweighted = scaled_sigmoid(past)
        weights[i] = unweighted * profile.fp_weight
        if i < probation:
            owners[i] = PROBATIONARY
        i += 1
    return _Rows(weights, owners, len(scored))


def _tally(rows: _Rows, scores: Sequence[float], threshold: float, profile: Profile) -> Tally:
    """Return the raw score of one file when every row scoring >= threshold is a detection."""
    best: dict[int, float] = {}
    fp_cost = 0.0
    false_positives = 0
    for weight, owner, score in zip(rows.weights, rows.owners, scores, strict=True):
        if score < threshold or owner == PROBATIONARY:
            continue
        if owner == FALSE_POSITIVE:
            fp_cost += weight
            false_positives += 1
        elif weight > best.get(owner, -math.inf):
            best[owner] = weight
    missed = rows.windows - len(best)
    raw = fp_cost + sum(best.values()) - missed * profile.fn_weight
    return Tally(raw, rows.windows, len(best), false_positives)


def _best_threshold(
    rows: Sequence[_Rows], scores: Sequence[Sequence[float]], profile: Profile
) -> float:
    """Sweep every distinct score of the whole set; return the threshold with the best total."""
    points: list[tuple[float, float, int]] = []  # (score, weight, global window id or -1)
    base = 0
    for file_rows, file_scores in zip(rows, scores, strict=True):
        for weight, owner, score in zip(
            file_rows.weights, file_rows.owners, file_scores, strict=True
        ):
            if owner == PROBATIONARY:
                continue
            points.append((float(score), weight, base + owner if owner >= 0 else -1))
        base += file_rows.windows
    points.sort(key=lambda p: p[0], reverse=True)
    window_parts = [-profile.fn_weight] * base
    total = -profile.fn_weight * base
    best_total, best_threshold = total, 1.1  # nothing detected
    for n, (score, weight, window) in enumerate(points):
        if window < 0:
            total += weight
        elif weight > window_parts[window]:
            total += weight - window_parts[window]
            window_parts[window] = weight
        last_of_level = n + 1 == len(points) or points[n + 1][0] != score
        # Ties go to the higher threshold, as NAB's stable sort keeps the first best row.
        if last_of_level and total > best_total:
            best_total, best_threshold = total, score
    return best_threshold


def score_corpus(
    corpus: Sequence[Series],
    scores: Mapping[str, Sequence[float]],
    *,
    profiles: Sequence[Profile] = tuple(PROFILES.values()),
) -> dict[str, ProfileResult]:
    """Score a detector's per-row scores (by file name) on a corpus under each profile."""
    results: dict[str, ProfileResult] = {}
    for profile in profiles:
        rows = [_sweep_rows(series, profile) for series in corpus]
        file_scores = [scores[series.name] for series in corpus]
        threshold = _best_threshold(rows, file_scores, profile)
        files = {
            s.name: _tally(r, sc, threshold, profile)
            for s, r, sc in zip(corpus, rows, file_scores, strict=True)
        }
        categories: dict[str, Tally] = {}
        for series in corpus:
            empty = Tally(0.0, 0, 0, 0)
            categories[series.category] = (
                categories.get(series.category, empty) + files[series.name]
            )
        total = sum(files.values(), Tally(0.0, 0, 0, 0))
        results[profile.name] = ProfileResult(
            profile=profile.name,
            threshold=threshold,
            score=normalise(total, profile) or 0.0,
            total=total,
            files=files,
            categories=categories,
            category_scores={name: normalise(t, profile) for name, t in categories.items()},
        )
    return results


def normalise(tally: Tally, profile: Profile) -> float | None:
    """Map a raw score to 0 (null detector) .. 100 (perfect detector); None without windows."""
    if tally.windows == 0:
        return None
    null = -profile.fn_weight * tally.windows
    perfect = profile.tp_weight * tally.windows
    return 100.0 * (tally.raw - null) / (perfect - null)
