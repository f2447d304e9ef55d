"""The learned streaming anomaly detector and the `linli anomaly score` command."""

from __future__ import annotations

import math
import pickle
import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linli.cli import app
from linli.rules import nab
from linli.rules.detectors import Detector, score_series

NAB_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "nab"
START = datetime(2026, 3, 2)
STEP = timedelta(minutes=5)
PER_DAY = 288


def daily_wave(days: int, *, seed: int = 7) -> tuple[list[datetime], list[float]]:
    """A noisy daily rhythm between 0 and 20 sampled every five minutes."""
    rng = random.Random(seed)
    stamps = [START + i * STEP for i in range(days * PER_DAY)]
    values = [
        10 + 10 * math.sin(2 * math.pi * i / PER_DAY) + rng.gauss(0, 0.3)
        for i in range(len(stamps))
    ]
    return stamps, values


def test_scores_are_between_0_and_1_and_silent_while_learning() -> None:
    stamps, values = daily_wave(5)
    scores = score_series(stamps, values)
    assert len(scores) == len(values)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores[:100] == [0.0] * 100


def test_a_value_normal_overall_but_wrong_for_the_time_of_day_stands_out() -> None:
    stamps, values = daily_wave(12)
    peak = 10 * PER_DAY + PER_DAY // 4  # day 10 at the top of the wave, normally ~20
    values[peak] = 10.0  # the series' own mean: well inside its range
    scores = score_series(stamps, values)
    normal = max(scores[2 * PER_DAY : peak] + scores[peak + 3 :])
    assert scores[peak] > 0.8
    assert scores[peak] > normal + 0.2, (scores[peak], normal)


def test_a_lasting_change_is_reported_once_not_at_every_point() -> None:
    stamps, values = daily_wave(8)
    shift = 5 * PER_DAY
    values[shift:] = [v + 40 for v in values[shift:]]
    scores = score_series(stamps, values)
    assert max(scores[shift : shift + 3]) > 0.9
    loud_after = [i for i in range(shift + 3, len(scores)) if scores[i] > 0.9]
    assert len(loud_after) < 5


def test_scores_do_not_depend_on_the_future() -> None:
    stamps, values = daily_wave(4)
    full = score_series(stamps, values)
    cut = 700
    assert score_series(stamps[:cut], values[:cut]) == full[:cut]


def test_memory_per_series_stays_bounded() -> None:
    stamps, values = daily_wave(140)
    detector = Detector()
    for ts, value in zip(stamps[:4000], values[:4000], strict=True):
        detector.update(ts, value)
    early = len(pickle.dumps(detector))
    for ts, value in zip(stamps[4000:], values[4000:], strict=True):
        detector.update(ts, value)
    assert len(stamps) > 40_000
    assert len(pickle.dumps(detector)) <= early * 1.05


def test_cli_writes_the_nab_results_layout(tmp_path: Path) -> None:
    stamps, values = daily_wave(2)
    source = tmp_path / "series.csv"
    lines = ["timestamp,value"] + [
        f"{t:%Y-%m-%d %H:%M:%S},{v}" for t, v in zip(stamps, values, strict=True)
    ]
    source.write_text("\n".join(lines) + "\n")
    out = tmp_path / "scored.csv"
    result = CliRunner().invoke(app, ["anomaly", "score", str(source), "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = out.read_text().splitlines()
    assert rows[0] == "timestamp,value,anomaly_score"
    assert len(rows) == len(stamps) + 1
    first = rows[1].split(",")
    assert first[0] == "2026-03-02 00:00:00"
    assert 0.0 <= float(rows[-1].split(",")[2]) <= 1.0


def test_cli_refuses_a_file_that_is_not_a_series(tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("timestamp,value\nyesterday,3\n")
    result = CliRunner().invoke(app, ["anomaly", "score", str(source)])
    assert result.exit_code == 1
    assert "cannot read" in result.output


@pytest.mark.skipif(not NAB_DIR.exists(), reason=f"NAB data absent: {NAB_DIR}")
def test_detector_scores_well_on_the_nab_subset() -> None:
    corpus = nab.load_corpus(NAB_DIR)
    scores = {s.name: score_series(s.timestamps, s.values) for s in corpus}
    results = nab.score_corpus(corpus, scores)
    # Published on the same 18 series: Numenta HTM 61.3, CAD OSE 50.5 (standard profile).
    assert results["standard"].score > 60.0
    assert results["reward_low_FN_rate"].score > results["reward_low_FP_rate"].score
