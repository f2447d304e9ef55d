"""Build the category catalogue, the triage held-out set and the duplicate set from phrases.

    .venv/bin/python scripts/build_triage_data.py

Reads `scripts/triage_phrases.txt` (one line per category: names, settings and the wordings
residents use, per language) and writes, with a fixed seed:

* `src/linli/cases/data/catalogue.csv` — the catalogue; its examples put the training wordings
  in realistic resident sentences (first set of sentence frames);
* `src/linli/cases/data/triage_heldout.csv` — labelled reports for measuring triage: the same
  wordings in *other* sentence frames ("seen"), and wordings the catalogue never lists
  ("unseen"); no text appears in both files;
* `src/linli/cases/data/duplicates_heldout.csv` — pairs (an open case, a new report) with
  positions, ages and a duplicate label, built from held-out texts only.

Lines `=dropped|kept` merge two leaves that name the same problem: the dropped leaf is still read
and drawn from (so the held-out texts stay byte-identical), its examples join the kept leaf's, it
is left out of the catalogue, and every held-out row's code goes through the rename table.
"""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "scripts" / "triage_phrases.txt"
DATA = ROOT / "src" / "linli" / "cases" / "data"
LIMITS = {
    1: (15, 15, 30, 240, 120),
    2: (30, 30, 60, 480, 240),
    3: (60, 60, 120, 1440, 480),
    4: (120, 120, 240, 4320, 960),
}
MAJOR_LIMITS = LIMITS[3]

PLACES_EN = ("the market", "the coffee shop", "the community club", "the clinic", "the temple")
PLACES_EN_HELD = ("the library", "the post office", "the bank", "the church", "the mosque")
PLACES_ZH = ("菜市场", "社康中心", "学校", "公交站", "超市")
PLACES_ZH_HELD = ("图书馆", "邮局", "银行", "幼儿园", "文化广场")
PLACES_MS = ("pasar", "kedai kopi", "kelab komuniti", "klinik")
PLACES_MS_HELD = ("perpustakaan", "pejabat pos", "masjid", "bank")
PLACES_TA = ("சந்தை", "காப்பிக் கடை", "மருத்துவமனை", "கோயில்")
PLACES_TA_HELD = ("நூலகம்", "தபால் நிலையம்", "வங்கி", "பள்ளிவாசல்")

TRAIN_EN = (
    "{P} at blk {n}",
    "Hi, {p} near {place}. Please check.",
    "{P} again, it has been like this for {d} days",
    "Can someone come? {p} at block {n} level {l}",
)
HELD_EN = (
    "Good morning, {p} outside {place}, please send someone",
    "{P} - really bad now, opposite blk {n}",
    "Complaint: {p} near my home and nobody has come yet",
)
TRAIN_ZH = ("{p}，麻烦处理一下", "{n}栋{p}", "我们小区{p}好几天了", "{place}附近{p}")
HELD_ZH = ("你好，{p}，请派人来看看", "{place}这边{p}，反映过了还没解决", "紧急！{p}，在{n}号楼")
TRAIN_MS = (
    "{p} di blok {n}, tolong periksa",
    "Salam, {p} dekat {place}.",
    "Tolong bantu, {p} sejak semalam",
)
HELD_MS = ("Puan, {p} berhampiran {place}, harap ambil tindakan", "Saya nak lapor {p} di blok {n}")
TRAIN_TA = ("பிளாக் {n} அருகே {p}", "வணக்கம், {p}. தயவுசெய்து பாருங்கள்")
HELD_TA = (
    "{place} பக்கத்தில் {p}, உடனே நடவடிக்கை எடுக்கவும்",
    "புகார்: {p}, பல நாட்களாக இப்படியே உள்ளது",
)

# More sentence frames and places for the extra wordings: everyday ways residents open and close
# a report, so that greetings and places weigh on no category.
MORE_EN = (
    "Hello, {p} at {place}, can you help?",
    "Dear town council, {p} at block {n}",
    "Urgent: {p} near {place}",
    "{P} since yesterday evening, please fix it",
    "Please help, {p} outside my block. Thank you",
    "Reporting {p} at the void deck of blk {n}",
)
MORE_PLACES_EN = ("the MRT station", "the bus interchange", "the hawker centre", "the playground")
MORE_ZH = (
    "您好，{place}{p}，请尽快处理",
    "投诉：{p}，在{n}栋",
    "{n}栋楼下{p}，希望尽快解决",
    "{p}，已经很久了，一直没人管",
    "请帮忙看一下，{place}旁边{p}",
)
MORE_PLACES_ZH = ("地铁站", "小区门口", "公园", "停车场", "医院")
MORE_MS = ("Aduan: {p} di blok {n}", "Encik, {p} dekat {place}, minta tolong")
MORE_PLACES_MS = ("stesen MRT", "taman permainan", "pusat penjaja")


def fill(frame: str, phrase: str, places: tuple[str, ...], rng: random.Random) -> str:
    phrase = phrase.strip()
    lower = phrase[:1].lower() + phrase[1:] if phrase[1:2].islower() else phrase
    return frame.format(
        p=lower,
        P=phrase[:1].upper() + phrase[1:],
        n=rng.randint(101, 999),
        l=rng.randint(2, 25),
        d=rng.randint(2, 9),
        place=rng.choice(places),
    )


def split(field: str) -> list[str]:
    return [p.strip() for p in field.split(";") if p.strip()]


def main() -> None:
    rng = random.Random(2026)
    majors: list[list[str]] = []
    leaves: list[list[str]] = []
    extra: dict[str, list[list[str]]] = {}
    merged: dict[str, str] = {}
    for line in SOURCE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("+"):
            code, *wordings = line[1:].split("|")
            assert len(wordings) == 3, line
            for known, more in zip(extra.setdefault(code, [[], [], []]), wordings, strict=True):
                known.extend(split(more))
        elif line.startswith("="):
            dropped, kept = line[1:].split("|")
            merged[dropped] = kept
        elif line.startswith("@"):
            majors.append(line[1:].split("|"))
        else:
            fields = line.split("|")
            assert len(fields) == 14, line
            leaves.append(fields)
    check_unseen_not_trained(leaves, extra, merged)
    major_codes = [m[0] for m in majors]
    leaves.sort(key=lambda f: (major_codes.index(f[0].split(".")[0]), f[0]))

    catalogue_rows: list[list[str]] = []
    for code, name, name_zh, kind in majors:
        catalogue_rows.append(
            [
                code,
                "",
                name,
                name_zh,
                kind,
                "major",
                "3",
                *map(str, MAJOR_LIMITS),
                "",
                "100",
                "24",
                "",
            ]
        )
    held: list[dict[str, str]] = []
    examples_of: dict[str, list[str]] = {}
    settings: dict[str, tuple[float, float]] = {}
    for f in leaves:
        code, name, name_zh, kind, prio, evidence, radius, window = f[:8]
        en, en_new, zh, zh_new, ms, ta = (split(x) for x in f[8:])
        assert en and zh and ms and ta, code
        examples: list[str] = []
        frames = list(TRAIN_EN)
        rng.shuffle(frames)
        for i, phrase in enumerate(en + en[:1]):
            examples.append(fill(frames[i % len(frames)], phrase, PLACES_EN, rng))
        frames = list(TRAIN_ZH)
        rng.shuffle(frames)
        for i, phrase in enumerate(zh if len(zh) > 1 else zh * 2):
            examples.append(fill(frames[i % len(frames)], phrase, PLACES_ZH, rng))
        for i, phrase in enumerate(ms):
            examples.append(fill(TRAIN_MS[(i + len(code)) % 3], phrase, PLACES_MS, rng))
        for i, phrase in enumerate(ta):
            examples.append(fill(TRAIN_TA[(i + len(code)) % 2], phrase, PLACES_TA, rng))
        examples_of[code] = examples
        settings[code] = (float(radius), float(window))
        rows = [
            (fill(rng.choice(HELD_EN), rng.choice(en), PLACES_EN_HELD, rng), "en", "seen"),
            *((fill(rng.choice(HELD_EN), p, PLACES_EN_HELD, rng), "en", "unseen") for p in en_new),
            (fill(rng.choice(HELD_ZH), rng.choice(zh), PLACES_ZH_HELD, rng), "zh", "seen"),
            *((fill(rng.choice(HELD_ZH), p, PLACES_ZH_HELD, rng), "zh", "unseen") for p in zh_new),
            (fill(rng.choice(HELD_MS), rng.choice(ms), PLACES_MS_HELD, rng), "ms", "seen"),
            (fill(rng.choice(HELD_TA), rng.choice(ta), PLACES_TA_HELD, rng), "ta", "seen"),
        ]
        held.extend({"text": t, "code": code, "lang": lang, "phrase": ph} for t, lang, ph in rows)
        limits = LIMITS[int(prio)]
        catalogue_rows.append(
            [
                *(code, code.split(".")[0], name, name_zh, kind, "minor", prio),
                *map(str, limits),
                *(evidence, radius, window, "|".join(examples)),
            ]
        )
    # The extra wordings come last, from their own seed, so the held-out sets drawn above do not
    # depend on them.
    extra_rng = random.Random(2027)
    for row in catalogue_rows:
        code = row[0]
        if code not in examples_of:
            continue
        examples = examples_of[code]
        en, zh, ms = extra.get(code, [[], [], []])
        languages: list[tuple[list[str], tuple[str, ...], tuple[str, ...]]] = [
            (en, TRAIN_EN + MORE_EN, PLACES_EN + MORE_PLACES_EN),
            (zh, TRAIN_ZH + MORE_ZH, PLACES_ZH + MORE_PLACES_ZH),
            (ms, TRAIN_MS + MORE_MS, PLACES_MS + MORE_PLACES_MS),
        ]
        for phrases, any_frames, any_places in languages:
            for phrase in phrases:
                for frame in extra_rng.sample(any_frames, 2):
                    examples.append(fill(frame, phrase, any_places, extra_rng))
        examples_of[code] = list(dict.fromkeys(examples))
        row[-1] = "|".join(examples_of[code])
    # Merge: the kept leaf takes the union of both leaves' examples; the dropped leaf disappears.
    assert not set(merged.values()) & set(merged), "merge chains are not allowed"
    for dropped, kept in merged.items():
        assert dropped in examples_of and kept in examples_of, (dropped, kept)
        examples_of[kept] = list(dict.fromkeys(examples_of[kept] + examples_of.pop(dropped)))
    catalogue_rows = [row for row in catalogue_rows if row[0] not in merged]
    for row in catalogue_rows:
        if row[0] in examples_of:
            row[-1] = "|".join(examples_of[row[0]])
    trained = {e for ex in examples_of.values() for e in ex} | {r[2] for r in catalogue_rows}
    trained |= {r[3] for r in catalogue_rows}
    assert not trained & {h["text"] for h in held}, "held-out text leaked into the catalogue"

    header = ["code", "parent_code", "name", "name_zh", "kind", "level", "priority"]
    header += [f"{s}_min" for s in ("register", "dispatch", "accept", "handle", "verify")]
    header += ["required_evidence", "duplicate_radius_m", "duplicate_window_hours", "examples"]
    # Columns the phrases do not hold (Malay and Tamil names, public settings) are carried over
    # from the catalogue as it is.
    kept = ("public", "round_location_m", "name_ms", "name_ta")
    with (DATA / "catalogue.csv").open(encoding="utf-8") as fh:
        current = {r["code"]: r for r in csv.DictReader(fh)}
    out = [[*header, *kept]]
    for row in catalogue_rows:
        old = current.get(row[0], {})
        out.append([*row, *(old.get(k) or "" for k in kept)])
    with (DATA / "catalogue.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerows(out)
    with (DATA / "triage_heldout.csv").open("w", encoding="utf-8", newline="") as fh:
        dict_writer = csv.DictWriter(fh, ["text", "code", "lang", "phrase"], lineterminator="\n")
        dict_writer.writeheader()
        dict_writer.writerows({**h, "code": merged.get(h["code"], h["code"])} for h in held)
    write_duplicates(held, settings, random.Random(7), merged)
    print(
        f"{len(majors)} majors, {len(catalogue_rows) - len(majors)} leaves"
        f" ({len(merged)} merged away), {len(held)} held-out reports"
    )


def check_unseen_not_trained(
    leaves: list[list[str]], extra: dict[str, list[list[str]]], merged: dict[str, str]
) -> None:
    """Refuse a held-out ("unseen") wording that is also a training wording of its category
    (after merging), in the leaf's own columns or in its extra lines."""
    trained: dict[str, set[str]] = {}
    unseen: dict[str, set[str]] = {}
    for f in leaves:
        code = merged.get(f[0], f[0])
        phrases = [p for w in (f[8], f[10], f[12], f[13]) for p in split(w)]
        phrases += [p for language in extra.get(f[0], []) for p in language]
        trained.setdefault(code, set()).update(p.lower() for p in phrases)
        unseen.setdefault(code, set()).update(p.lower() for w in (f[9], f[11]) for p in split(w))
    leaks = {code: sorted(unseen[code] & trained[code]) for code in unseen}
    leaks = {code: found for code, found in leaks.items() if found}
    assert not leaks, f"held-out wordings are also training wordings: {leaks}"


def offset(lon: float, lat: float, meters: float, bearing: float) -> tuple[float, float]:
    dlat = meters * math.cos(bearing) / 111_195
    dlon = meters * math.sin(bearing) / (111_195 * math.cos(math.radians(lat)))
    return round(lon + dlon, 7), round(lat + dlat, 7)


def write_duplicates(
    held: list[dict[str, str]],
    settings: dict[str, tuple[float, float]],
    rng: random.Random,
    merged: dict[str, str],
) -> None:
    """One pair per held-out report: half the same problem nearby and recent, half not.

    The pairs are drawn with the original codes (so the texts and positions stay as they were),
    then both codes go through the rename table `merged`, and the label is what it then is: the
    same (kept) code, within the kept leaf's radius and window.
    """
    by_code: dict[str, list[str]] = {}
    for h in held:
        by_code.setdefault(h["code"], []).append(h["text"])
    codes = sorted(by_code)
    pairs = []
    for i, h in enumerate(held):
        code, text = h["code"], h["text"]
        radius, window = settings[code]
        lon, lat = (113.88, 22.55) if i % 2 else (103.9, 1.39)
        others = [t for t in by_code[code] if t != text]
        kind = (
            "duplicate"
            if rng.random() < 0.5
            else rng.choice(("other_kind", "sibling_kind", "too_far", "too_old"))
        )
        case_code, distance, age = code, rng.uniform(0, 0.9) * radius, rng.uniform(0, 0.9) * window
        if kind == "other_kind":
            case_code = rng.choice([c for c in codes if c.split(".")[0] != code.split(".")[0]])
        elif kind == "sibling_kind":
            siblings = [c for c in codes if c.split(".")[0] == code.split(".")[0] and c != code]
            case_code = rng.choice(siblings)
        elif kind == "too_far":
            distance = rng.uniform(1.3, 3) * radius
        elif kind == "too_old":
            age = rng.uniform(1.3, 3) * window
        pool = others if case_code == code else by_code[case_code]
        case_lon, case_lat = offset(lon, lat, distance, rng.uniform(0, 2 * math.pi))
        case_text = rng.choice(pool)
        if code in merged or case_code in merged:
            code, case_code = merged.get(code, code), merged.get(case_code, case_code)
            radius, window = settings[code]
            if case_code != code:
                same_group = case_code.split(".")[0] == code.split(".")[0]
                kind = "sibling_kind" if same_group else "other_kind"
            elif distance > radius:
                kind = "too_far"
            elif age > window:
                kind = "too_old"
            else:
                kind = "duplicate"
        pairs.append(
            {
                "case_code": case_code,
                "case_text": case_text,
                "case_lon": case_lon,
                "case_lat": case_lat,
                "case_hours_ago": round(age, 2),
                "report_code": code,
                "report_text": text,
                "report_lon": lon,
                "report_lat": lat,
                "duplicate": int(kind == "duplicate"),
                "kind": kind,
            }
        )
    with (DATA / "duplicates_heldout.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(pairs[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(pairs)


if __name__ == "__main__":
    main()
