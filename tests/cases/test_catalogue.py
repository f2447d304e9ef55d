"""The category catalogue as CSV: the demo catalogue, import with row errors, export."""

from __future__ import annotations

from linli.cases import catalogue
from linli.cases import service as cases
from linli.core.database import session_scope

HEADER = ",".join(catalogue.COLUMNS)


def csv_text(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


GOOD_MAJOR = "env,,Environment,环境,event,major,3,60,60,120,1440,480,false,100,24,"
GOOD_MINOR = (
    "env.open_burning,env,Open burning,露天焚烧,event,minor,2,30,30,60,480,240,true,300,6,"
    '"Open burning near block 4|有人在烧垃圾|Pembakaran terbuka di blok 5"'
)


def test_demo_catalogue_covers_both_sites_in_english_and_chinese() -> None:
    entries = catalogue.read_catalogue()
    minors = [e for e in entries if e.level == "minor"]
    majors = {e.code for e in entries if e.level == "major"}

    assert len(entries) >= 150
    assert {"env", "sanitation", "roads", "water", "housing", "animals", "care"} <= majors
    assert {e.kind for e in minors} == {"event", "asset"}
    assert all(e.name and e.name_zh for e in entries)
    assert all(4 <= len(e.examples) <= 8 for e in minors)
    assert all(e.parent in majors for e in minors)
    scripts = "".join(x for e in minors for x in e.examples)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in scripts)  # Chinese
    assert any("\u0b80" <= ch <= "\u0bff" for ch in scripts)  # Tamil
    assert "tolong" in scripts  # Malay


async def test_import_then_export_round_trips_the_demo_catalogue(db: str) -> None:
    text = catalogue.DEMO_CATALOGUE.read_text(encoding="utf-8")
    async with session_scope() as session:
        report = await catalogue.import_catalogue(session, text)
    assert report.errors == []

    async with session_scope() as session:
        stored = await cases.list_categories(session)
        exported = await catalogue.export_catalogue(session, extras=report.entries)

    original = {e.code: e for e in catalogue.read_catalogue()}
    assert len(stored) == len(original)
    again, errors = catalogue.parse_catalogue(exported)
    assert errors == []
    assert {e.code: e for _, e in again} == original


async def test_bad_rows_are_reported_by_line_and_good_rows_kept(db: str) -> None:
    text = csv_text(
        GOOD_MAJOR,
        "env.dust,env,Dust,扬尘,event,minor,9,,,,,,false,300,24,",
        "roads.pothole,roads,Pothole,路面坑洞,asset,minor,2,,,,,,true,50,168,",
        GOOD_MINOR,
        "env.odour,env,Odour,恶臭,smell,minor,3,,,,,,false,500,24,",
        "env.noise,env,Noise,噪音,event,minor,3,60,-5,,,,false,200,12,",
        "env.haze,env,Haze,雾霾,event,minor,2,,,,,,false,far,24,",
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
        (9, "env.open_burning"),
    ]
    reasons = " / ".join(e.reason for e in report.errors)
    for words in ("priority", "parent 'roads'", "kind", "dispatch_min", "duplicate_radius_m"):
        assert words in reasons
    assert "twice" in report.errors[-1].reason
    async with session_scope() as session:
        codes = {c.code for c in await cases.list_categories(session)}
    assert codes == {"env", "env.open_burning"}


async def test_reimport_updates_a_category_and_knows_stored_parents(db: str) -> None:
    async with session_scope() as session:
        await catalogue.import_catalogue(session, csv_text(GOOD_MAJOR, GOOD_MINOR))
    changed = GOOD_MINOR.replace(",2,30,30,60,480,240,true,", ",1,15,15,30,240,120,false,")
    async with session_scope() as session:
        report = await catalogue.import_catalogue(session, csv_text(changed))
    assert report.errors == []

    async with session_scope() as session:
        category = await cases.get_category(session, "env.open_burning")
    assert category.priority == 1
    assert category.step_limits["handle"] == 240
    assert category.requires_photo is False


async def test_export_without_extras_derives_parents_and_defaults(db: str) -> None:
    async with session_scope() as session:
        await catalogue.import_catalogue(session, csv_text(GOOD_MAJOR, GOOD_MINOR))
        exported = await catalogue.export_catalogue(session)

    rows = {e.code: e for _, e in catalogue.parse_catalogue(exported)[0]}
    assert rows["env"].parent is None and rows["env"].level == "major"
    assert rows["env.open_burning"].parent == "env"
    assert rows["env.open_burning"].name_zh == "露天焚烧"
    assert rows["env.open_burning"].step_limits["handle"] == 480
    assert rows["env.open_burning"].duplicate_radius_m == catalogue.DEFAULT_RADIUS_M


def test_a_file_without_the_code_column_is_refused_at_line_one() -> None:
    good, errors = catalogue.parse_catalogue("name,priority\nNoise,3\n")
    assert good == []
    assert errors[0].line == 1 and "code" in errors[0].reason
