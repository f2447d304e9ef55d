"""The category catalogue as data: the shipped catalogue, import with row errors, export."""

from __future__ import annotations

import csv
import re
from collections import Counter

import httpx

from linli.cases import catalogue
from linli.cases import service as cases
from linli.cases.catalogue import entry_of
from linli.core.database import session_scope

from .conftest import World

HEADER = ",".join(catalogue.COLUMNS)
HELD_OUT = catalogue.DEMO_CATALOGUE.parent / "triage_heldout.csv"
DUPLICATES = catalogue.DEMO_CATALOGUE.parent / "duplicates_heldout.csv"


def csv_text(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


GOOD_MAJOR = "env,,Environment,环境,event,major,3,60,60,120,1440,480,,100,24,"
GOOD_MINOR = (
    "env.open_burning,env,Open burning,露天焚烧,event,minor,2,30,30,60,480,240,photo|note,300,6,"
    '"Open burning near block 4|有人在烧垃圾|Pembakaran terbuka di blok 5"'
)


def test_shipped_catalogue_covers_both_profiles_in_four_languages() -> None:
    entries = catalogue.read_catalogue()
    minors = [e for e in entries if e.level == "minor"]
    majors = {e.code for e in entries if e.level == "major"}

    assert len(minors) >= 300 and 15 <= len(majors) <= 25
    # Shenzhen grid governance and Singapore town matters alike.
    assert {"construction", "fire", "epidemic", "disputes", "vending"} <= majors
    assert {"estate", "parking", "cycling", "animals", "housing"} <= majors
    assert {e.kind for e in minors} == {"event", "asset"}
    assert all(e.name and e.name_zh for e in entries)
    assert all(e.parent in majors for e in minors)
    assert all(len(e.examples) >= 6 for e in minors)
    for e in minors:
        text = "".join(e.examples)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text), e.code  # Chinese
        assert any("\u0b80" <= ch <= "\u0bff" for ch in text), e.code  # Tamil
        assert any(ch.isascii() and ch.isalpha() for ch in text), e.code  # English, Malay
    assert any("tolong" in " ".join(e.examples) for e in minors)
    assert {tuple(e.required_evidence) for e in minors} >= {(), ("photo",)}


def test_no_two_categories_offer_the_same_problem_by_name() -> None:
    # Residents and operators pick a category by its name: two leaves named alike split reports.
    def plain(name: str | None) -> str:
        return re.sub(r"[\W_]+", "", (name or "").casefold())

    minors = [e for e in catalogue.read_catalogue() if e.level == "minor"]
    for names in ([plain(e.name) for e in minors], [plain(e.name_zh) for e in minors]):
        assert len(set(names)) == len(names), Counter(names).most_common(3)


def test_held_out_reports_never_appear_in_the_catalogue() -> None:
    entries = catalogue.read_catalogue()
    trained = {x for e in entries for x in (*e.examples, e.name, e.name_zh) if x}
    with HELD_OUT.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 600
    assert {r["lang"] for r in rows} == {"en", "zh", "ms", "ta"}
    assert {r["code"] for r in rows} == {e.code for e in entries if e.level == "minor"}
    assert not trained & {r["text"] for r in rows}
    with DUPLICATES.open(encoding="utf-8") as fh:
        pairs = list(csv.DictReader(fh))
    assert not trained & ({p["report_text"] for p in pairs} | {p["case_text"] for p in pairs})


async def test_import_then_export_round_trips_every_field(db: str) -> None:
    text = catalogue.DEMO_CATALOGUE.read_text(encoding="utf-8")
    async with session_scope() as session:
        report = await catalogue.import_catalogue(session, text)
    assert report.errors == []

    async with session_scope() as session:
        stored = {c.code: c for c in await cases.list_categories(session)}
        exported = await catalogue.export_catalogue(session)

    original = {e.code: e for e in catalogue.read_catalogue()}
    assert len(stored) == len(original)
    lift = stored["housing.lift_breakdown"]
    assert lift.parent_code == "housing" and lift.level == "minor" and lift.kind == "asset"
    assert lift.examples == list(original["housing.lift_breakdown"].examples)
    photo = next(e for e in original.values() if e.requires_photo)
    assert stored[photo.code].requires_photo and "photo" in stored[photo.code].required_evidence
    again, errors = catalogue.parse_catalogue(exported)
    assert errors == []
    assert {e.code: e for _, e in again} == original


async def test_bad_rows_are_reported_by_line_and_good_rows_kept(db: str) -> None:
    text = csv_text(
        GOOD_MAJOR,
        "env.dust,env,Dust,扬尘,event,minor,9,,,,,,,300,24,",
        "roads.pothole,roads,Pothole,路面坑洞,asset,minor,2,,,,,,photo,50,168,",
        GOOD_MINOR,
        "env.odour,env,Odour,恶臭,smell,minor,3,,,,,,,500,24,",
        "env.noise,env,Noise,噪音,event,minor,3,60,-5,,,,,200,12,",
        "env.haze,env,Haze,雾霾,event,minor,2,,,,,,,far,24,",
        "env.fumes,env,Fumes,废气,event,minor,2,,,,,,video,100,24,",
        "env.open_burning.tyres,env.open_burning,Tyres,烧轮胎,event,minor,2,,,,,,,100,24,",
        GOOD_MINOR,
    )
    async with session_scope() as session:
        report = await catalogue.import_catalogue(session, text)

    assert report.imported == ["env", "env.open_burning"]
    assert [(e.line, e.code) for e in report.errors] == [
        (3, "env.dust"),
        (4, "roads.pothole"),
        (6, "env.odour"),
        (7, "env.noise"),
        (8, "env.haze"),
        (9, "env.fumes"),
        (10, "env.open_burning.tyres"),
        (11, "env.open_burning"),
    ]
    reasons = [e.reason for e in report.errors]
    for words, reason in zip(
        ("priority", "parent 'roads'", "kind", "dispatch_min", "duplicate_radius_m", "video"),
        reasons,
        strict=False,
    ):
        assert words in reason
    assert "leaf" in reasons[-2] and "twice" in reasons[-1]
    async with session_scope() as session:
        codes = {c.code for c in await cases.list_categories(session)}
    assert codes == {"env", "env.open_burning"}


async def test_reimport_updates_a_category_and_keeps_photo_rule_and_evidence_in_step(
    db: str,
) -> None:
    async with session_scope() as session:
        await catalogue.import_catalogue(session, csv_text(GOOD_MAJOR, GOOD_MINOR))
        first = await cases.get_category(session, "env.open_burning")
        assert first.requires_photo and first.required_evidence == ["photo", "note"]
    changed = GOOD_MINOR.replace(
        ",2,30,30,60,480,240,photo|note,300,6,", ",1,15,15,30,240,120,note,80,3,"
    )
    async with session_scope() as session:
        report = await catalogue.import_catalogue(session, csv_text(changed))
    assert report.errors == []

    async with session_scope() as session:
        category = await cases.get_category(session, "env.open_burning")
        assert category.priority == 1
        assert category.step_limits["handle"] == 240
        assert category.requires_photo is False and category.required_evidence == ["note"]
        assert (category.duplicate_radius_m, category.duplicate_window_hours) == (80, 3)
        # The photo rule set the old way (the category API) shows in the evidence too.
        await cases.upsert_category(
            session, code="env.open_burning", name="Open burning", requires_photo=True
        )
        assert category.required_evidence == ["photo", "note"]


async def test_an_older_file_with_requires_photo_and_parent_columns_still_imports(db: str) -> None:
    old = (
        "code,parent,name,name_zh,kind,level,priority,requires_photo,duplicate_radius_m,"
        "duplicate_window_h,examples\n"
        "env,,Environment,环境,event,major,3,false,100,24,\n"
        "env.air,env,Air,空气,event,minor,2,true,500,12,Black smoke|工厂排放黑烟\n"
    )
    async with session_scope() as session:
        report = await catalogue.import_catalogue(session, old)
        air = await cases.get_category(session, "env.air")
    assert report.errors == []
    assert air.parent_code == "env" and air.required_evidence == ["photo"]
    assert air.duplicate_window_hours == 12 and air.examples == ["Black smoke", "工厂排放黑烟"]


def test_a_category_without_a_duplicate_radius_reaches_as_far_as_its_family() -> None:
    # The median of the shipped leaves of the group: a flat's lift is one block, haze a town.
    good, errors = catalogue.parse_catalogue(
        csv_text(
            GOOD_MAJOR,
            "env.smog,env,Smog,烟雾,event,minor,2,,,,,,,,,",
            "housing,,Housing,住房,event,major,3,,,,,,,,,",
            "housing.lift_smell,housing,Lift smells,电梯有异味,event,minor,3,,,,,,,,,",
            "kiosks,,Kiosks,报亭,event,major,3,,,,,,,,,",
            "kiosks.closed,kiosks,Kiosk closed,报亭关门,event,minor,3,,,,,,,,,",
        )
    )
    assert errors == []
    radius = {entry.code: entry.duplicate_radius_m for _, entry in good}
    assert radius["env.smog"] == catalogue.FAMILY_RADIUS_M["env"] == 300
    assert radius["housing.lift_smell"] == 25
    assert radius["kiosks.closed"] == catalogue.DEFAULT_RADIUS_M == 100
    assert radius["env"] == 100  # given in the row


def test_a_file_without_the_code_column_is_refused_at_line_one() -> None:
    good, errors = catalogue.parse_catalogue("name,priority\nNoise,3\n")
    assert good == []
    assert errors[0].line == 1 and "code" in errors[0].reason


async def test_the_category_api_sets_the_catalogue_fields_with_validation(
    world: World, client: httpx.AsyncClient
) -> None:
    admin = (await world.install_admin("admin")).headers

    async def put(code: str, **body: object) -> httpx.Response:
        return await client.put(f"/api/categories/{code}", json=body, headers=admin)

    group = await put("estate", name="Estate", level="major", kind="asset")
    assert group.status_code == 200 and group.json()["level"] == "major"
    examples = ["Lift not working at blk 5", "电梯坏了", "lif rosak"]
    leaf: dict[str, object] = {
        "name": "Lift breakdown",
        "name_zh": "电梯故障",
        "priority": 1,
        "parent_code": "estate",
        "kind": "asset",
        "required_evidence": ["photo", "note"],
        "duplicate_radius_m": 50,
        "duplicate_window_hours": 6,
        "examples": examples,
    }
    saved = await put("estate.lift", **leaf)
    assert saved.status_code == 200, saved.text
    got = saved.json()
    assert got["parent_code"] == "estate" and got["level"] == "minor" and got["kind"] == "asset"
    assert got["required_evidence"] == ["photo", "note"] and got["requires_photo"] is True
    assert (got["duplicate_radius_m"], got["duplicate_window_hours"]) == (50, 6)
    assert got["examples"] == examples

    # A rename alone keeps the catalogue fields; the legacy photo flag still works.
    renamed = (await put("estate.lift", name="Lift out of service", requires_photo=False)).json()
    assert renamed["examples"] == examples and renamed["duplicate_radius_m"] == 50
    assert renamed["required_evidence"] == ["note"] and renamed["requires_photo"] is False

    await put("env", name="Environment", level="major")
    refused = (
        ("nowhere.thing", {**leaf, "parent_code": "nowhere"}, "bad_category_parent"),
        ("estate.lift.car", {**leaf, "parent_code": "estate.lift"}, "bad_category_parent"),
        ("estate.lift", {**leaf, "parent_code": "env"}, "bad_category"),  # not its prefix
        ("estate.lift", {**leaf, "requires_photo": False}, "evidence_conflict"),
        ("estate", {"name": "Estate", "level": "minor"}, "category_has_children"),
        ("estate.pump", {"examples": ["pump broken"]}, "validation_failed"),  # no name
    )
    for target, body, code in refused:
        answer = await put(target, **body)
        assert answer.status_code == 422 and answer.json()["code"] == code, answer.text
    for field, value in (
        ("kind", "thing"),
        ("level", "leaf"),
        ("required_evidence", ["video"]),
        ("duplicate_radius_m", 0),
        ("duplicate_window_hours", -1),
        ("examples", ["x"] * 101),
        ("examples", [""]),
    ):
        assert (await put("estate.lift", **{**leaf, field: value})).status_code == 422, field

    async with session_scope() as session:
        stored = entry_of(await cases.get_category(session, "estate.lift"))
    assert stored.name == "Lift out of service" and stored.parent == "estate"
    assert stored.examples == tuple(examples) and stored.required_evidence == ("note",)


async def test_categories_say_whether_they_are_public_and_how_to_round_their_point(
    world: World, client: httpx.AsyncClient
) -> None:
    shipped = {e.code: e for e in catalogue.read_catalogue()}
    private = {c for c, e in shipped.items() if not e.public}
    groups = ("care", "safety", "disputes")
    assert {c for c in shipped if c.split(".")[0] in groups} <= private
    assert {"order.drunk", "housing.neighbour_dispute", "epidemic.fever_cluster"} <= private
    assert shipped["env.illegal_dumping"].public and shipped["housing.lift_breakdown"].public
    assert shipped["housing.renovation"].round_location_m == 50
    assert shipped["roads.pothole"].round_location_m == 0

    _, errors = catalogue.parse_catalogue(
        HEADER + "\nenv,,Environment,环境,event,major,3,,,,,,,100,24,,maybe,0\n"
        "env.x,,X,X,event,major,3,,,,,,,100,24,,true,-5\n"
    )
    assert ["public" in errors[0].reason, "round_location_m" in errors[1].reason] == [True, True]

    admin = (await world.staff("admin", "admin", "D")).headers
    resp = await client.put(
        "/api/categories/public.order.noise",
        json={"name": "Noise", "public": False, "round_location_m": 100},
        headers=admin,
    )
    assert resp.status_code == 200, resp.text
    assert (resp.json()["public"], resp.json()["round_location_m"]) == (False, 100)
    kept = await client.put(
        "/api/categories/public.order.noise", json={"name": "Noise", "public": None}, headers=admin
    )
    assert kept.json()["public"] is False
    too_far = await client.put(
        "/api/categories/public.order.noise",
        json={"name": "Noise", "round_location_m": 99_999},
        headers=admin,
    )
    assert too_far.status_code == 422
