"""Staff build surveys through the API: every question kind checked, texts in every language
before publishing, drafts alone changed, and each survey seen only inside its subtree."""

from __future__ import annotations

from typing import Any

from .conftest import Site, questions, survey_body, texts


async def test_staff_build_publish_and_close_a_survey(site: Site) -> None:
    unit = site.tree.unit("S1-C1")
    made = await site.call("POST", "/api/surveys", json=survey_body(unit.id), status=201)
    assert made["status"] == "draft" and made["min_level"] == "signed_in"
    assert [q["kind"] for q in made["questions"]] == [
        "single",
        "multiple",
        "scale",
        "scale",
        "text",
    ]
    scale = made["questions"][2]
    assert (scale["scale_min"], scale["scale_max"], scale["service"]) == (1, 5, "sanitation")
    assert scale["service_unit_id"] == str(unit.id)  # the area, when no unit is named
    assert made["questions"][3]["scale_min"] == 0 and made["questions"][3]["scale_max"] == 10
    assert made["title"]["zh_Hans"] == "Living in the estate（中文）"

    published = await site.call("POST", f"/api/surveys/{made['id']}/publish")
    assert published["status"] == "published" and published["published_at"]
    again = await site.call(
        "PATCH", f"/api/surveys/{made['id']}", json={"title": texts("New")}, status=409
    )
    assert again["code"] == "survey_not_draft"
    closed = await site.call("POST", f"/api/surveys/{made['id']}/close")
    assert closed["status"] == "closed"
    twice = await site.call("POST", f"/api/surveys/{made['id']}/close", status=409)
    assert twice["code"] == "survey_not_published"


def _with(position: int, **changes: Any) -> list[dict[str, Any]]:
    found = questions()
    found[position - 1] = found[position - 1] | changes
    return found


async def test_each_question_kind_is_checked(site: Site) -> None:
    unit = site.tree.unit("S1-C1")
    broken = [
        (_with(1, options=[{"key": "bus", "text": texts("Bus")}]), 1, "bad_question"),
        (_with(2, options=[{"key": "a", "text": texts("A")}] * 2), 2, "bad_question"),
        (_with(3, scale=None), 3, "bad_question"),
        (_with(3, high_label=None), 3, "bad_question"),
        (_with(4, service="no_such_service"), 4, "bad_question_service"),
        (_with(5, scale="1-5"), 5, "bad_question"),
        (_with(5, service="sanitation"), 5, "bad_question"),
        (
            _with(5, options=[{"key": "a", "text": texts("A")}, {"key": "b", "text": texts("B")}]),
            5,
            "bad_question",
        ),
    ]
    for qs, position, code in broken:
        body = survey_body(unit.id, questions=qs)
        resp = await site.call("POST", "/api/surveys", json=body, status=422)
        assert (resp["code"], resp["position"]) == (code, position), resp
    odd_scale = survey_body(unit.id, questions=_with(3, scale="1-7"))
    assert (await site.call("POST", "/api/surveys", json=odd_scale, status=422))["code"]
    backwards = survey_body(unit.id, closes_at=survey_body(unit.id)["opens_at"])
    assert (await site.call("POST", "/api/surveys", json=backwards, status=422))["code"] == (
        "bad_dates"
    )
    listed = await site.call("GET", "/api/surveys", params={"count": "true"})
    assert listed["total"] == 0  # nothing half-made was kept


async def test_a_named_service_and_a_unit_inside_the_authors_scope(site: Site) -> None:
    unit = site.tree.unit("S1-C1")
    named = _with(4, service="estate_management", service_unit_id=str(site.tree.unit("S1").id))
    made = await site.call(
        "POST", "/api/surveys", json=survey_body(unit.id, questions=named), status=201
    )
    assert made["questions"][3]["service"] == "estate_management"
    elsewhere = _with(4, service="estate_management", service_unit_id=str(unit.id))
    s2 = site.tree.unit("S2-C1")
    refused = await site.call(
        "POST", "/api/surveys", "op_s2", json=survey_body(s2.id, questions=elsewhere), status=403
    )
    assert refused["code"] == "forbidden_scope"


async def test_publishing_needs_every_text_in_every_language(site: Site) -> None:
    unit = site.tree.unit("S1-C1")
    qs = _with(
        2, options=[{"key": "gym", "text": texts("Gym")}, {"key": "pool", "text": {"en": "Pool"}}]
    )
    made = await site.call(
        "POST", "/api/surveys", json=survey_body(unit.id, questions=qs), status=201
    )
    refused = await site.call("POST", f"/api/surveys/{made['id']}/publish", status=422)
    assert (refused["code"], refused["missing"]) == ("translation_missing", "question 2")
    fixed = await site.call("PATCH", f"/api/surveys/{made['id']}", json={"questions": questions()})
    assert len(fixed["questions"]) == 5
    assert (await site.call("POST", f"/api/surveys/{made['id']}/publish"))["status"] == "published"


async def test_surveys_are_seen_and_changed_only_inside_the_subtree(site: Site) -> None:
    mine = await site.published("S1-C1")
    theirs = await site.published("S2-C1", title=texts("Street two"))
    own = await site.call("GET", "/api/surveys", "op_s2")
    assert [s["id"] for s in own["items"]] == [theirs["id"]]
    assert (await site.call("GET", f"/api/surveys/{mine['id']}", "op_s2", status=404))[
        "code"
    ] == "survey_not_found"
    await site.call("GET", f"/api/surveys/{mine['id']}/results", "op_s2", status=404)
    await site.call("POST", f"/api/surveys/{mine['id']}/close", "op_s2", status=404)
    # The inspector reads every survey of the district but may not build or close one.
    both = await site.call("GET", "/api/surveys", "inspector")
    assert {s["id"] for s in both["items"]} == {mine["id"], theirs["id"]}
    await site.call("POST", f"/api/surveys/{mine['id']}/close", "inspector", status=403)
    await site.call("GET", "/api/surveys", "worker", status=403)
