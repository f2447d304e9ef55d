"""Staff build, change, publish and close a survey on the pages, as a browser without scripts
does: plain forms posting back, redirected to the survey's page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from factories import bearer, make_staff
from linli.core import clock
from linli.core.database import session_scope
from linli.core.i18n import translations
from linli.residents.types import Level
from linli.web.survey_pages import FORM_ERRORS
from residents.helpers import sign_in_resident

from .conftest import Site, texts

LANGS = ("en", "zh_Hans", "ms", "ta")


def _local(hours: int) -> str:
    # The test district keeps Shanghai's calendar: UTC+8.
    return (clock.now() + timedelta(hours=8 + hours)).strftime("%Y-%m-%dT%H:%M")


def _written(prefix: str, en: str, *, only_en: bool = False) -> dict[str, str]:
    words = {"en": en} if only_en else texts(en)
    return {f"{prefix}_{lang}": text for lang, text in words.items()}


def _form(site: Site, *, only_en: bool = False, **extra: Any) -> dict[str, Any]:
    options = {lang: "\n".join(texts(o)[lang] for o in ("By bus", "On foot")) for lang in LANGS}
    form: dict[str, Any] = {
        "unit_id": str(site.tree.unit("S1-C1").id),
        "min_level": "phone",
        "opens_at": _local(0),
        "closes_at": _local(24 * 7),
        "blocks": "2",
        **_written("title", "Getting around", only_en=only_en),
        "q1_kind": "single",
        "q1_required": "1",
        **_written("q1_text", "How do you get to the market?"),
        **{f"q1_options_{lang}": text for lang, text in options.items()},
        "q2_kind": "scale",
        "q2_scale": "1-5",
        "q2_service": "community_centre",
        **_written("q2_text", "How good is the community centre?"),
        **_written("q2_low", "Poor"),
        **_written("q2_high", "Excellent"),
        "action": "save",
    }
    return form | extra


async def test_staff_build_publish_and_close_a_survey_a_resident_answers(site: Site) -> None:
    op = site.auth("op")
    new = await site.client.get("/community/surveys/new", headers=op)
    assert new.status_code == 200
    assert new.text.count('class="question"') == 2 and 'name="title_ta"' in new.text
    more = await site.client.post(
        "/community/surveys/new", data=_form(site, action="add"), headers=op
    )
    assert more.status_code == 200 and more.text.count('class="question"') == 3
    assert 'value="Getting around (தமிழ்)"' in more.text  # what was typed is kept

    made = await site.client.post("/community/surveys/new", data=_form(site), headers=op)
    assert made.status_code == 303, made.text
    url = made.headers["location"]
    survey_id = url.rsplit("/", 1)[1]
    stored = await site.call("GET", f"/api/surveys/{survey_id}")
    assert stored["status"] == "draft" and stored["min_level"] == "phone"
    assert stored["opens_at"].startswith(clock.now().strftime("%Y-%m-%dT%H:%M"))
    q1, q2 = stored["questions"]
    assert [o["text"]["ms"] for o in q1["options"]] == ["By bus (BM)", "On foot (BM)"]
    assert (q2["scale_min"], q2["scale_max"], q2["service"]) == (1, 5, "community_centre")
    assert q2["high_label"]["zh_Hans"] == "Excellent（中文）"

    page = await site.client.get(url, headers=op)
    assert f'action="/community/surveys/{survey_id}/publish"' in page.text
    edit = await site.client.get(f"{url}/edit", headers=op)
    assert edit.status_code == 200 and "By bus (BM)\nOn foot (BM)" in edit.text
    changed = await site.client.post(
        f"{url}/edit", data=_form(site, title_en="Getting to market"), headers=op
    )
    assert changed.status_code == 303, changed.text
    published = await site.client.post(f"{url}/publish", headers=op)
    assert published.status_code == 303
    page = await site.client.get(url, headers=op)
    assert "Getting to market" in page.text and 'data-state="open"' in page.text
    assert f'action="/community/surveys/{survey_id}/close"' in page.text

    q1 = (await site.call("GET", f"/api/surveys/{survey_id}"))["questions"][0]  # replaced
    await sign_in_resident(site.client, level=Level.PHONE, org_unit=site.tree.unit("S1-C1-G1"))
    answered = await site.client.put(
        f"/api/my/surveys/{survey_id}/response",
        json={"answers": [{"question_id": q1["id"], "choices": ["o2"]}]},
    )
    assert answered.status_code == 200, answered.text
    site.client.cookies.clear()

    closed = await site.client.post(f"{url}/close", headers=op)
    assert closed.status_code == 303
    page = await site.client.get(url, headers=op)
    assert 'data-state="closed"' in page.text and 'id="responses">1<' in page.text
    assert "/close" not in page.text and "/publish" not in page.text
    again = await site.client.post(f"{url}/close", headers=op)
    assert again.status_code == 422 and "Only a published survey can be closed." in again.text


async def test_refusals_keep_the_values_and_say_why_beside_the_field(site: Site) -> None:
    op = site.auth("op")
    no_scale_labels = _form(site, q2_low_en="", q2_high_en="")
    for lang in LANGS[1:]:
        no_scale_labels |= {f"q2_low_{lang}": "", f"q2_high_{lang}": ""}
    refused = await site.client.post("/community/surveys/new", data=no_scale_labels, headers=op)
    assert refused.status_code == 422
    assert 'id="error-q2"' in refused.text and 'id="error-q1"' not in refused.text
    assert 'value="How good is the community centre? (BM)"' in refused.text
    dates = await site.client.post(
        "/community/surveys/new", data=_form(site, closes_at=_local(-1)), headers=op
    )
    assert dates.status_code == 422 and 'id="error-dates"' in dates.text
    assert (await site.call("GET", "/api/surveys"))["items"] == []

    # English only is a draft; publishing it is refused, in the reader's language.
    made = await site.client.post(
        "/community/surveys/new", data=_form(site, only_en=True), headers=op
    )
    assert made.status_code == 303
    url = made.headers["location"]
    async with session_scope() as session:  # a staff member who reads Chinese
        account, token = await make_staff(
            session, username="op_zh", role="operator", unit=site.tree.district
        )
        account.locale = "zh_Hans"
    refused = await site.client.post(f"{url}/publish", headers=bearer(token))
    assert refused.status_code == 422 and 'id="survey-action-error"' in refused.text
    reason = translations("zh_Hans").gettext(FORM_ERRORS["translation_missing"])
    assert reason != FORM_ERRORS["translation_missing"] and reason in refused.text
    assert (await site.call("GET", url.replace("/community", "/api")))["status"] == "draft"


async def test_another_subtrees_unit_is_refused(site: Site) -> None:
    op_s2 = site.auth("op_s2")
    refused = await site.client.post("/community/surveys/new", data=_form(site), headers=op_s2)
    assert refused.status_code == 422 and 'id="error-unit_id"' in refused.text
    new = await site.client.get("/community/surveys/new", headers=op_s2)
    assert str(site.tree.unit("S1-C1").id) not in new.text
    assert str(site.tree.unit("S2-C1").id) in new.text
    made = await site.client.post(
        "/community/surveys/new", data=_form(site), headers=site.auth("op")
    )
    url = made.headers["location"]
    assert (await site.client.get(f"{url}/edit", headers=op_s2)).status_code == 404
    assert (await site.client.post(f"{url}/publish", headers=op_s2)).status_code == 404
    inspector = await site.client.get("/community/surveys/new", headers=site.auth("inspector"))
    assert inspector.status_code == 403
