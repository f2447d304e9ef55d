"""Triage benchmark: top-1 category accuracy, duplicate precision/recall/F1, latency per report.

The model is trained on the demo catalogue's examples only. It is scored on
`src/linli/cases/data/triage_heldout.csv`, a labelled set built separately: other sentence
templates in English, Chinese, Malay and Tamil, and, where the catalogue lists a third English
or second Chinese wording, a wording the model never saw ("unseen" rows). Duplicate pairs are
generated from the held-out reports against cases made from the catalogue's examples.
"""

from __future__ import annotations

import csv
import math
import random
import statistics
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from linli.cases import catalogue, triage
from linli.cases.catalogue import CatalogueEntry
from linli.cases.triage import NewReport, Triage

COMMAND = "make bench"
HELD_OUT = catalogue.DEMO_CATALOGUE.parent / "triage_heldout.csv"
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


def _held_out() -> list[dict[str, str]]:
    with HELD_OUT.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _offset(meters: float, bearing: float) -> tuple[float, float]:
    dlat = meters * math.cos(bearing) / 111_195
    dlon = meters * math.sin(bearing) / (111_195 * math.cos(math.radians(LAT)))
    return LON + dlon, LAT + dlat


def _pair(
    rng: random.Random, entry: CatalogueEntry, minors: list[CatalogueEntry], positive: bool
) -> tuple[_Case, str]:
    """Return an open case to compare a report of `entry` with, and the kind of pair."""
    radius, window = entry.duplicate_radius_m, entry.duplicate_window_h
    code, distance, age = entry.code, rng.uniform(0, 0.9) * radius, rng.uniform(0, 0.9) * window
    kind = "duplicate"
    source = entry
    if not positive:
        kind = rng.choice(("other_kind", "sibling_kind", "too_far", "too_old"))
        if kind == "other_kind":
            source = rng.choice([m for m in minors if m.code != code])
        elif kind == "sibling_kind":
            siblings = [m for m in minors if m.parent == entry.parent and m.code != code]
            source = rng.choice(siblings)
        elif kind == "too_far":
            distance = rng.uniform(1.1, 3) * radius
        else:
            age = rng.uniform(1.1, 3) * window
    lon, lat = _offset(distance, rng.uniform(0, 2 * math.pi))
    case = _Case(
        uuid.uuid4(),
        source.code,
        lon,
        lat,
        NOW - timedelta(hours=age),
        rng.choice(source.examples),
    )
    return case, kind


def _duplicates(model: Triage, rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    entries = {e.code: e for e in catalogue.read_catalogue()}
    minors = [e for e in entries.values() if e.level == "minor"]
    figures = []
    for label, similarity in (
        ("model similarity", model.similarity),
        ("n-gram similarity", triage.text_similarity),
    ):
        rng = random.Random(7)
        tp = fp = fn = tn = 0
        for row in rows:
            entry = entries[row["code"]]
            positive = rng.random() < 0.5
            case, _ = _pair(rng, entry, minors, positive)
            suggested = model.suggest(row["text"], k=1)[0][0]
            report = NewReport(suggested, LON, LAT, NOW, row["text"])
            found = bool(
                triage.find_duplicates(
                    report,
                    [case],
                    radius_m=entries[suggested].duplicate_radius_m,
                    window_h=entries[suggested].duplicate_window_h,
                    similarity=similarity,
                )
            )
            tp, fp = tp + (found and positive), fp + (found and not positive)
            fn, tn = fn + (not found and positive), tn + (not found and not positive)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        pairs = f"{tp + fn} duplicate / {fp + tn} other pairs, {label}"
        figures += [
            _figure(f"duplicate precision ({pairs})", precision, "ratio"),
            _figure(f"duplicate recall ({pairs})", recall, "ratio"),
            _figure(f"duplicate F1 ({pairs})", f1, "ratio"),
        ]
    return figures


def _latency(model: Triage, rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    entries = {e.code: e for e in catalogue.read_catalogue()}
    minors = [e for e in entries.values() if e.level == "minor"]
    rng = random.Random(11)
    times = []
    for row in rows[:300]:
        open_cases = [
            _pair(rng, rng.choice(minors), minors, True)[0] for _ in range(OPEN_CASES_PER_REPORT)
        ]
        start = time.perf_counter()
        code = model.suggest(row["text"], k=3)[0][0]
        triage.find_duplicates(
            NewReport(code, LON, LAT, NOW, row["text"]),
            open_cases,
            radius_m=entries[code].duplicate_radius_m,
            window_h=entries[code].duplicate_window_h,
            similarity=model.similarity,
        )
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return [
        _figure(
            f"triage latency per report, median (suggest + duplicates among "
            f"{OPEN_CASES_PER_REPORT} open cases)",
            statistics.median(times),
            "ms",
        ),
        _figure("triage latency per report, 95th percentile", times[int(0.95 * len(times))], "ms"),
    ]


def run() -> list[dict[str, Any]]:
    """Train on the demo catalogue, score on the held-out set; return the figures."""
    entries = catalogue.read_catalogue()
    examples = triage.catalogue_examples(entries)
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
    return figures + _duplicates(model, rows) + _latency(model, rows)


if __name__ == "__main__":
    for figure in run():
        print(f"{figure['value']:>10} {figure['unit']:<6} {figure['name']}")
