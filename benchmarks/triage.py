"""Triage benchmark: top-1/top-3 category accuracy, duplicate precision/recall/F1, latency.

The model is trained on the shipped catalogue's examples only. It is scored on
`src/linli/cases/data/triage_heldout.csv`, a labelled set built separately (see
`scripts/build_triage_data.py`): the catalogue's wordings in other sentence frames ("seen"),
and wordings the catalogue never lists ("unseen"), in English, Chinese, Malay and Tamil.
Duplicates are scored on `duplicates_heldout.csv`: pairs of an open case and a new report
(positions, ages, texts from the held-out set), half the same problem nearby and recent, half
another kind, a sibling kind of the same group, too far or too old.
"""

from __future__ import annotations

import csv
import random
import statistics
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from linli.cases import catalogue
from linli.cases.catalogue import CatalogueEntry
from linli.cases.triage import classifier, duplicates
from linli.cases.triage.classifier import Triage
from linli.cases.triage.duplicates import NewReport

COMMAND = "make bench"
DATA = catalogue.DEMO_CATALOGUE.parent
HELD_OUT = DATA / "triage_heldout.csv"
DUPLICATES = DATA / "duplicates_heldout.csv"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LON, LAT = 103.9, 1.39
OPEN_CASES_PER_REPORT = 50


@dataclass
class _Case:
    id: uuid.UUID
    category_code: str
    lon: float | None
    lat: float | None
    created_at: datetime
    title: str
    description: str = ""


def _figure(name: str, value: float, unit: str) -> dict[str, Any]:
    return {"name": name, "value": round(value, 3), "unit": unit, "command": COMMAND}


def _rows(path: Any) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _held_out() -> list[dict[str, str]]:
    return _rows(HELD_OUT)


def _reach(entries: dict[str, CatalogueEntry]) -> dict[str, duplicates.Reach]:
    """Return each category's family and radius, as the service reads them from the catalogue."""
    return {
        code: duplicates.Reach(e.parent or duplicates.major_of(code), e.duplicate_radius_m)
        for code, e in entries.items()
    }


def _is_duplicate(
    model: Triage,
    entries: dict[str, CatalogueEntry],
    pair: dict[str, str],
    similarity: duplicates.Similarity,
    threshold: float,
    reach: dict[str, duplicates.Reach] | None = None,
) -> bool:
    """Run the duplicate finder as intake does: triage's category, its radius and window,
    triage's other two likely categories, and each case's own radius."""
    ranked = [code for code, _ in model.suggest(pair["report_text"], k=3)]
    suggested = ranked[0]
    entry = entries[suggested]
    at = NOW
    case = _Case(
        uuid.uuid4(),
        pair["case_code"],
        float(pair["case_lon"]),
        float(pair["case_lat"]),
        at - timedelta(hours=float(pair["case_hours_ago"])),
        pair["case_text"],
    )
    report = NewReport(
        suggested, float(pair["report_lon"]), float(pair["report_lat"]), at, pair["report_text"]
    )
    return bool(
        duplicates.find_duplicates(
            report,
            [case],
            radius_m=entry.duplicate_radius_m,
            window_h=entry.duplicate_window_h,
            similarity=similarity,
            threshold=threshold,
            group=True,
            kinds=ranked[1:],
            reach=reach,
        )
    )


def _duplicates(model: Triage) -> list[dict[str, Any]]:
    entries = {e.code: e for e in catalogue.read_catalogue()}
    reach = _reach(entries)
    pairs = _rows(DUPLICATES)
    figures = []
    for label, similarity, threshold in (
        ("model similarity", model.similarities, duplicates.MODEL_DUPLICATE_THRESHOLD),
        ("n-gram similarity", duplicates.text_similarities, duplicates.DUPLICATE_THRESHOLD),
    ):
        tp = fp = fn = tn = 0
        for pair in pairs:
            positive = pair["duplicate"] == "1"
            found = _is_duplicate(model, entries, pair, similarity, threshold, reach)
            tp, fp = tp + (found and positive), fp + (found and not positive)
            fn, tn = fn + (not found and positive), tn + (not found and not positive)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        name = f"{tp + fn} duplicate / {fp + tn} other pairs, {label}"
        figures += [
            _figure(f"duplicate precision ({name})", precision, "ratio"),
            _figure(f"duplicate recall ({name})", recall, "ratio"),
            _figure(f"duplicate F1 ({name})", f1, "ratio"),
        ]
    return figures


def _open_case(rng: random.Random, entry: CatalogueEntry) -> _Case:
    lat = LAT + rng.uniform(-0.5, 0.5) * entry.duplicate_radius_m / 111_195
    age = rng.uniform(0, 0.9) * entry.duplicate_window_h
    return _Case(
        uuid.uuid4(), entry.code, LON, lat, NOW - timedelta(hours=age), rng.choice(entry.examples)
    )


def _latency(model: Triage, rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    entries = {e.code: e for e in catalogue.read_catalogue()}
    reach = _reach(entries)
    minors = [e for e in entries.values() if e.level == "minor"]
    rng = random.Random(11)
    times = []
    for row in rows[:500]:
        open_cases = [_open_case(rng, rng.choice(minors)) for _ in range(OPEN_CASES_PER_REPORT)]
        start = time.perf_counter()
        ranked = [code for code, _ in model.suggest(row["text"], k=3)]
        code = ranked[0]
        duplicates.find_duplicates(
            NewReport(code, LON, LAT, NOW, row["text"]),
            open_cases,
            radius_m=entries[code].duplicate_radius_m,
            window_h=entries[code].duplicate_window_h,
            similarity=model.similarities,
            threshold=duplicates.MODEL_DUPLICATE_THRESHOLD,
            group=True,
            kinds=ranked[1:],
            reach=reach,
        )
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return [
        _figure(
            f"triage latency per report, median (suggest + duplicates among "
            f"{OPEN_CASES_PER_REPORT} open cases, {len(times)} reports)",
            statistics.median(times),
            "ms",
        ),
        _figure("triage latency per report, 99th percentile", times[int(0.99 * len(times))], "ms"),
    ]


def run() -> list[dict[str, Any]]:
    """Train on the demo catalogue, score on the held-out set; return the figures."""
    entries = catalogue.read_catalogue()
    examples = classifier.catalogue_examples(entries)
    start = time.perf_counter()
    model = Triage().fit(examples)
    trained = time.perf_counter() - start
    rows = _held_out()
    assert not {t for t, _ in examples} & {r["text"] for r in rows}, "held-out leaked"

    hits: dict[str, list[bool]] = {}
    top3: list[bool] = []
    for row in rows:
        ranked = [code for code, _ in model.suggest(row["text"], k=3)]
        ok = ranked[0] == row["code"]
        for group in ("all", row["lang"], row["phrase"]):
            hits.setdefault(group, []).append(ok)
        top3.append(row["code"] in ranked)

    categories = len({r["code"] for r in rows})
    figures = [
        _figure(
            f"triage training on {len(examples)} catalogue examples, {categories} categories",
            trained,
            "s",
        ),
        _figure(
            f"triage top-1 category accuracy, held-out set ({len(rows)} reports)",
            sum(hits["all"]) / len(rows),
            "ratio",
        ),
        _figure("triage top-3 category accuracy, held-out set", sum(top3) / len(rows), "ratio"),
    ]
    for group, label in (
        ("seen", "catalogue wording in new sentences"),
        ("unseen", "wording absent from the catalogue"),
        ("en", "English"),
        ("zh", "Chinese"),
        ("ms", "Malay"),
        ("ta", "Tamil"),
    ):
        results = hits.get(group, [])
        if results:
            figures.append(
                _figure(
                    f"triage top-1 accuracy, {label} ({len(results)} reports)",
                    sum(results) / len(results),
                    "ratio",
                )
            )
    return figures + _duplicates(model) + _latency(model, rows)


if __name__ == "__main__":
    for figure in run():
        print(f"{figure['value']:>10} {figure['unit']:<6} {figure['name']}")
