"""NAB scoring on small hand-made series whose answers follow from Lavin & Ahmad (2015)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest

from linli.rules import nab

START = datetime(2026, 3, 2)
ROWS = 100  # probation: the first 15 rows
WINDOW = (40, 49)


def series(name: str, windows: list[tuple[int, int]]) -> nab.Series:
    stamps = [START + timedelta(minutes=5 * i) for i in range(ROWS)]
    return nab.Series(name, stamps, [0.0] * ROWS, [(stamps[a], stamps[b]) for a, b in windows])


def fires(*rows: int) -> list[float]:
    return [1.0 if i in rows else 0.0 for i in range(ROWS)]


LABELLED = series("real/a.csv", [WINDOW])
QUIET = series("artificial/b.csv", [])


def scores_of(corpus: list[nab.Series], **detections: list[float]) -> dict[str, nab.ProfileResult]:
    named = {s.name: detections.get(s.name.split("/")[1][0], [0.0] * ROWS) for s in corpus}
    return nab.score_corpus(corpus, named)


def test_probation_is_fifteen_percent_capped_at_750_rows() -> None:
    assert nab.probationary_length(100) == 15
    assert nab.probationary_length(4032) == 604
    assert nab.probationary_length(22695) == 750


def test_scaled_sigmoid_follows_the_published_curve() -> None:
    assert nab.scaled_sigmoid(-1.0) == pytest.approx(2 / (1 + math.exp(-5)) - 1)
    assert nab.scaled_sigmoid(0.0) == 0.0
    assert nab.scaled_sigmoid(3.5) == -1.0


def test_perfect_detector_scores_100_and_null_detector_0_on_every_profile() -> None:
    perfect = scores_of([LABELLED, QUIET], a=fires(WINDOW[0]))
    null = scores_of([LABELLED, QUIET])
    for profile in nab.PROFILES:
        assert perfect[profile].score == pytest.approx(100.0)
        assert null[profile].score == pytest.approx(0.0)
        assert null[profile].total.detected == 0


def test_an_early_detection_in_a_window_scores_more_than_a_late_one() -> None:
    early = scores_of([LABELLED], a=fires(42))["standard"]
    late = scores_of([LABELLED], a=fires(49))["standard"]
    assert early.score > late.score > 0.0
    # The last row of a ten-row window sits at relative position -0.1.
    expected = nab.scaled_sigmoid(-0.1) / nab.scaled_sigmoid(-1.0)
    assert late.total.raw == pytest.approx(expected)


def test_only_the_first_detection_of_a_window_counts() -> None:
    once = scores_of([LABELLED], a=fires(40))["standard"]
    thrice = scores_of([LABELLED], a=fires(40, 44, 48))["standard"]
    assert thrice.total.raw == once.total.raw == pytest.approx(1.0)


def test_a_false_positive_costs_its_profile_weight() -> None:
    results = scores_of([LABELLED, QUIET], a=fires(40), b=fires(60))
    # No window precedes the false positive in b: it costs the full false-positive weight.
    assert results["standard"].total.raw == pytest.approx(1.0 - 0.11)
    assert results["reward_low_FP_rate"].total.raw == pytest.approx(1.0 - 0.22)
    assert results["standard"].score == pytest.approx(100 * (2.0 - 0.11) / 2)
    assert results["standard"].files["artificial/b.csv"].false_positives == 1


def test_a_false_positive_just_after_a_window_costs_less_than_a_distant_one() -> None:
    near = scores_of([LABELLED], a=fires(40, 51))["standard"].files["real/a.csv"]
    far = scores_of([LABELLED], a=fires(40, 95))["standard"].files["real/a.csv"]
    assert 1.0 > near.raw > far.raw
    assert far.raw == pytest.approx(1.0 - 0.11)  # more than three window widths past


def test_probationary_rows_are_ignored() -> None:
    results = scores_of([LABELLED, QUIET], a=fires(40), b=fires(3))
    assert results["standard"].score == pytest.approx(100.0)


def test_a_missed_window_costs_the_false_negative_weight() -> None:
    two = series("real/a.csv", [WINDOW, (70, 79)])
    results = scores_of([two], a=fires(40))
    assert results["standard"].total.raw == pytest.approx(0.0)
    assert results["reward_low_FN_rate"].total.raw == pytest.approx(-1.0)
    assert results["standard"].score == pytest.approx(50.0)


def test_the_threshold_is_swept_over_the_whole_set() -> None:
    graded = [0.0] * ROWS
    graded[40] = 0.6  # the true detection
    graded[60] = 0.9  # a louder false positive in the same file
    results = scores_of([LABELLED], a=graded)["standard"]
    # Firing at 0.6 catches the window and pays for the false positive; better than missing it.
    assert results.threshold == 0.6
    assert results.total.detected == 1
    assert results.total.false_positives == 1


def test_categories_are_scored_separately() -> None:
    results = scores_of([LABELLED, QUIET], a=fires(40), b=fires(60))["standard"]
    assert results.category_scores["real"] == pytest.approx(100.0)
    assert results.category_scores["artificial"] is None
    assert results.categories["artificial"].false_positives == 1
