"""NAB figures for `make bench`: the learned detector's scores and its throughput.

Scored on the NAB subset in `../shared/data/nab/` (18 series: realKnownCause and artificial*),
threshold swept over the whole subset. Published outputs of other detectors scored on the same
18 series (standard / low FP / low FN): ARTime 67.1 / 58.1 / 72.7, Numenta HTM 61.3 / 54.3 / 66.2,
CAD OSE 50.5 / 44.5 / 55.0, KNN CAD 43.7 / 24.6 / 53.1 (see ../shared/data/README.md).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from linli.rules import detectors, nab

ROOT = Path(__file__).resolve().parent.parent
NAB_DIR = ROOT.parent / "shared" / "data" / "nab"
COMMAND = "make bench"
LABELS = {
    "standard": "NAB score, standard profile",
    "reward_low_FP_rate": "NAB score, reward low FP profile",
    "reward_low_FN_rate": "NAB score, reward low FN profile",
}


def run(folder: Path = NAB_DIR) -> list[dict[str, Any]]:
    """Score the detector on the NAB subset; return the figures (empty when data is absent)."""
    if not (folder / "labels" / "combined_windows.json").exists():
        print(f"NAB figures skipped: {folder} is absent (see ../shared/data/README.md)")
        return []
    results: list[dict[str, Any]] = []

    def add(name: str, value: float, unit: str) -> None:
        results.append({"name": name, "value": round(value, 2), "unit": unit, "command": COMMAND})
        print(f"{name}: {value:,.2f} {unit}")

    corpus = nab.load_corpus(folder)
    points = sum(len(s.values) for s in corpus)
    started = time.perf_counter()
    scores = {s.name: detectors.score_series(s.timestamps, s.values) for s in corpus}
    elapsed = time.perf_counter() - started
    scored = nab.score_corpus(corpus, scores)
    subset = f"{len(corpus)} series"
    for profile, label in LABELS.items():
        add(f"{label} ({subset})", scored[profile].score, "score 0-100")
    standard = scored["standard"]
    for category, value in standard.category_scores.items():
        tally = standard.categories[category]
        if value is None:
            add(
                f"NAB {category}: false positives, standard threshold",
                tally.false_positives,
                "rows",
            )
        else:
            add(f"NAB {category}, standard profile", value, "score 0-100")
    add("anomaly detector throughput (one core)", points / elapsed, "points/s")
    return results


if __name__ == "__main__":
    run()
