"""GeoReport v2 conformance, written from the specification (wiki.open311.org/GeoReport_v2)."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree as ET

import httpx

from linli.cases import service as cases
from linli.core.clock import ManualClock
from linli.core.database import session_scope

from .conftest import PNG, City, Key

V2 = "/open311/v2"
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


async def post(
    client: httpx.AsyncClient, key: Key | None, fmt: str = "json", **fields: str
) -> httpx.Response:
    """POST a service request form, as the spec sends it (form-encoded, api_key a field)."""
    data = {"api_key": key.api_key} if key else {}
    data.update(fields)
    return await client.post(f"{V2}/requests.{fmt}", data=data)


async def report(client: httpx.AsyncClient, city: City, key: Key, **fields: str) -> str:
    """Create a noise request in grid G1 and return its service_request_id."""
    form = {
        "service_code": "public.order.noise",
        "description": "Karaoke at 2am",
        **city.point("G1"),
    }
    form.update(fields)
    resp = await post(client, key, **form)
    assert resp.status_code == 200, resp.text
    return str(resp.json()[0]["service_request_id"])


def assert_spec_error(resp: httpx.Response, code: int) -> None:
    assert resp.status_code == code
    body = resp.json()
    assert isinstance(body, list) and body[0]["code"] == code and body[0]["description"]


async def test_discovery_names_the_v2_endpoint_in_json_and_xml(client: httpx.AsyncClient) -> None:
    body = (await client.get(f"{V2}/discovery.json")).json()
    (endpoint,) = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/")
    assert "application/json" in endpoint["formats"] and endpoint["type"] == "production"
    root = ET.fromstring((await client.get(f"{V2}/discovery.xml")).content)
    assert root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/specification") == endpoint["specification"]
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == endpoint[
        "formats"
    ]


async def test_service_list_maps_categories_to_services(
    city: City, client: httpx.AsyncClient
) -> None:
    resp = await client.get(f"{V2}/services.json")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("application/json")
    by_code = {s["service_code"]: s for s in resp.json()}
    assert set(by_code) == {"public.order.noise", "env.waste"}
    noise = by_code["public.order.noise"]
    assert noise["service_name"] == "Noise" and noise["metadata"] is False
    assert noise["type"] == "realtime" and noise["group"] == "public"
    assert set(noise) >= {"description", "keywords"}

    xml = await client.get(f"{V2}/services.xml")
    assert xml.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(xml.content)
    assert root.tag == "services"
    codes = {s.findtext("service_code") for s in root.findall("service")}
    assert codes == set(by_code)
    assert {s.findtext("metadata") for s in root.findall("service")} == {"false"}


async def test_service_definition_and_unknown_service(
    city: City, client: httpx.AsyncClient
) -> None:
    body = (await client.get(f"{V2}/services/public.order.noise.json")).json()
    assert body == {"service_code": "public.order.noise", "attributes": []}
    root = ET.fromstring((await client.get(f"{V2}/services/env.waste.xml")).content)
    assert root.tag == "service_definition" and root.findtext("service_code") == "env.waste"

    assert_spec_error(await client.get(f"{V2}/services/no.such.json"), 404)
    xml = await client.get(f"{V2}/services/no.such.xml")
    assert xml.status_code == 404
    root = ET.fromstring(xml.content)
    assert root.tag == "errors" and root.findtext("error/code") == "404"
    assert root.findtext("error/description")


async def test_post_request_then_read_it_back_without_the_reporter(
    city: City, reporter: Key, admin: Key, client: httpx.AsyncClient
) -> None:
    resp = await post(
        client,
        reporter,
        service_code="public.order.noise",
        description="Karaoke at 2am",
        email="resident@example.org",
        first_name="Mei",
        media_url="https://photos.example.org/1.jpg",
        **city.point("G1"),
    )
    assert resp.status_code == 200, resp.text
    (created,) = resp.json()
    ref = created["service_request_id"]
    assert ref.startswith("C-") and created["token"]

    detail = await client.get(f"{V2}/requests/{ref}.json")
    assert detail.status_code == 200
    (request,) = detail.json()
    assert set(request) >= REQUEST_FIELDS
    assert request["status"] == "open" and request["service_code"] == "public.order.noise"
    assert request["service_name"] == "Noise"
    # The report's words stay out of public views until staff publish the case.
    assert request["description"] == "Noise" and "Karaoke" not in detail.text
    assert abs(request["lat"] - float(city.point("G1")["lat"])) < 1e-9
    assert request["requested_datetime"] == "2026-03-02T01:00:00Z"
    # A grid case waits for registration, whose deadline is the expected time.
    assert request["expected_datetime"] is not None
    assert [n["summary"] for n in request["notes"]] == ["report"]
    text = detail.text
    assert "staff:app" not in text and "Mei" not in text and "resident@example.org" not in text
    async with session_scope() as session:
        rows = (await cases.list_cases(session, principal=admin.principal)).items
        await cases.publish_case(session, rows[0].id, principal=admin.principal, published=True)
    (request,) = (await client.get(f"{V2}/requests/{ref}.json")).json()
    assert request["description"].startswith("Karaoke at 2am")
    assert "Mei" not in str(request) and "resident@example.org" not in str(request)


async def test_post_refuses_missing_or_wrong_api_key_and_bad_input(
    city: City, reporter: Key, client: httpx.AsyncClient
) -> None:
    form = {"service_code": "public.order.noise", "description": "x", **city.point("G1")}
    assert_spec_error(await post(client, None, **form), 403)
    assert_spec_error(
        await client.post(f"{V2}/requests.json", data={"api_key": "nope", **form}), 403
    )
    assert_spec_error(await post(client, reporter, description="x", **city.point("G1")), 400)
    assert_spec_error(await post(client, reporter, service_code="public.order.noise"), 400)
    assert_spec_error(
        await post(client, reporter, service_code="public.order.noise", lat="1", long="1"), 400
    )
    assert_spec_error(
        await post(client, reporter, service_code="public.order.noise", lat="north", long="1"),
        400,
    )
    assert_spec_error(await post(client, reporter, service_code="no.such", **city.point("G1")), 404)
    xml = await post(client, None, fmt="xml", **form)
    assert xml.status_code == 403 and ET.fromstring(xml.content).tag == "errors"
    # Nothing was created by the refused requests.
    assert (await client.get(f"{V2}/requests.json")).json() == []


async def test_a_key_without_report_rights_there_is_refused(
    city: City, client: httpx.AsyncClient
) -> None:
    town_only = await city.key("townapp", "grid_worker", "T")
    resp = await post(
        client, town_only, service_code="public.order.noise", description="x", **city.point("G1")
    )
    assert_spec_error(resp, 403)


async def test_address_only_request_goes_to_the_keys_one_unit(
    city: City, admin: Key, client: httpx.AsyncClient
) -> None:
    g2 = await city.key("g2app", "grid_worker", "G2")
    resp = await post(
        client, g2, service_code="public.order.noise", address_string="Block 7, Lane 3"
    )
    assert resp.status_code == 200, resp.text
    ref = resp.json()[0]["service_request_id"]
    (request,) = (await client.get(f"{V2}/requests/{ref}.json")).json()
    assert request["lat"] is None and "Block 7" not in request["description"]
    async with session_scope() as session:
        rows = (await cases.list_cases(session, principal=admin.principal)).items
        await cases.publish_case(session, rows[0].id, principal=admin.principal, published=True)
    (request,) = (await client.get(f"{V2}/requests/{ref}.json")).json()
    assert "Block 7, Lane 3" in request["description"]


async def test_town_request_is_dispatched_at_once_to_the_responsible_agency(
    city: City, reporter: Key, client: httpx.AsyncClient
) -> None:
    ref = await report(client, city, reporter, service_code="env.waste", **city.point("Z1"))
    (request,) = (await client.get(f"{V2}/requests/{ref}.json")).json()
    assert request["agency_responsible"] == "Department T-TC"
    assert [n["summary"] for n in request["notes"]] == ["report", "register", "dispatch"]
    assert request["expected_datetime"] is not None and request["status"] == "open"


async def test_internal_states_map_to_open_and_closed_with_status_notes(
    city: City, reporter: Key, admin: Key, client: httpx.AsyncClient
) -> None:
    open_ref = await report(client, city, reporter)
    done_ref = await report(client, city, reporter, description="Dog barking")
    async with session_scope() as session:
        rows = (await cases.list_cases(session, principal=admin.principal)).items
        (done,) = [c for c in rows if c.ref == done_ref]
        rejected = await cases.reject_case(
            session, done.id, principal=admin.principal, reason="Same as an earlier report"
        )
    # An internal note: the step shows, its words do not.
    (closed,) = (await client.get(f"{V2}/requests/{done_ref}.json")).json()
    assert closed["status"] == "closed" and closed["status_notes"] is None
    assert closed["notes"][-1] == {**closed["notes"][-1], "summary": "reject", "description": None}
    async with session_scope() as session:
        await cases.publish_step_note(session, rejected, principal=admin.principal)
    (closed,) = (await client.get(f"{V2}/requests/{done_ref}.json")).json()
    assert closed["status_notes"] == "Same as an earlier report"
    assert closed["notes"][-1]["status"] == "closed"
    assert closed["notes"][-1]["description"] == "Same as an earlier report"

    def refs(resp: httpx.Response) -> set[str]:
        return {r["service_request_id"] for r in resp.json()}

    assert refs(await client.get(f"{V2}/requests.json?status=open")) == {open_ref}
    assert refs(await client.get(f"{V2}/requests.json?status=closed")) == {done_ref}
    assert refs(await client.get(f"{V2}/requests.json?status=open,closed")) == {open_ref, done_ref}
    assert_spec_error(await client.get(f"{V2}/requests.json?status=pending"), 400)


async def test_get_requests_filters_by_id_code_and_dates(
    city: City, reporter: Key, clock: ManualClock, client: httpx.AsyncClient
) -> None:
    first = await report(client, city, reporter)
    clock.advance(timedelta(days=2))
    second = await report(client, city, reporter, service_code="env.waste")
    third = await report(client, city, reporter)

    async def refs(query: str) -> list[str]:
        resp = await client.get(f"{V2}/requests.json?{query}")
        assert resp.status_code == 200, resp.text
        return [r["service_request_id"] for r in resp.json()]

    assert set(await refs("")) == {first, second, third}
    assert set(await refs(f"service_request_id={first},{third}")) == {first, third}
    assert await refs("service_code=env.waste") == [second]
    assert set(await refs("service_code=env.waste,public.order.noise")) == {first, second, third}
    assert await refs("end_date=2026-03-03T00:00:00Z") == [first]
    assert set(await refs("start_date=2026-03-03T00:00:00Z")) == {second, third}
    assert set(await refs("start_date=2026-03-01T00:00:00Z&end_date=2026-03-02T12:00:00Z")) == {
        first
    }
    assert_spec_error(
        await client.get(
            f"{V2}/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-05-01T00:00:00Z"
        ),
        400,
    )
    assert_spec_error(await client.get(f"{V2}/requests.json?start_date=yesterday"), 400)

    # Without dates the search covers the most recent 90 days.
    clock.advance(timedelta(days=89, hours=12))
    assert set(await refs("")) == {second, third}
    # service_request_id overrides every other filter.
    assert await refs(f"service_request_id={first}&status=closed") == [first]


async def test_pagination_extension(
    city: City, reporter: Key, clock: ManualClock, client: httpx.AsyncClient
) -> None:
    made = []
    for _ in range(5):
        made.append(await report(client, city, reporter))
        clock.advance(timedelta(minutes=1))
    page1 = await client.get(f"{V2}/requests.json?page_size=2")
    page3 = await client.get(f"{V2}/requests.json?page_size=2&page=3")
    assert page1.headers["x-total-count"] == "5"
    assert [r["service_request_id"] for r in page1.json()] == made[::-1][:2]
    assert [r["service_request_id"] for r in page3.json()] == [made[0]]
    assert "link" not in page3.headers  # the last page
    assert_spec_error(await client.get(f"{V2}/requests.json?page=two"), 400)

    # The cursor extension: each page links the next one, whatever page it was reached from.
    seen: list[str] = []
    url: str | None = f"{V2}/requests.json?page_size=2"
    while url is not None:
        resp = await client.get(url)
        assert resp.status_code == 200, resp.text
        seen += [r["service_request_id"] for r in resp.json()]
        link = resp.headers.get("link")
        url = link.split(">", 1)[0].lstrip("<") if link else None
        assert link is None or link.endswith('rel="next"')
    assert seen == made[::-1]
    page2 = await client.get(f"{V2}/requests.json?page_size=2&page=2")
    following = page2.headers["link"].split(">", 1)[0].lstrip("<")
    assert [r["service_request_id"] for r in (await client.get(following)).json()] == [made[0]]

    # Page numbers stay bounded; past them a client follows the cursor. Never a server error.
    for bad in (
        "page=51",
        "page=0",
        "page=100000000000000000000",
        "page=1e20",
        "page_size=201",
        "page_size=0",
        "cursor=forged",
        "cursor=WyJ4IiwieSJd",
        f"cursor={'x' * 5000}",
        f"page=2&cursor={page1.headers['link'].split('cursor=')[1].split('>')[0]}",
    ):
        assert_spec_error(await client.get(f"{V2}/requests.json?{bad}"), 400)
    deepest = await client.get(f"{V2}/requests.json?page=50&page_size=200")
    assert deepest.status_code == 200 and deepest.json() == []


async def test_tokens_resolve_to_the_request(
    city: City, reporter: Key, client: httpx.AsyncClient
) -> None:
    resp = await post(
        client, reporter, service_code="public.order.noise", description="x", **city.point("G1")
    )
    token = resp.json()[0]["token"]
    (answer,) = (await client.get(f"{V2}/tokens/{token}.json")).json()
    assert answer == {"service_request_id": resp.json()[0]["service_request_id"], "token": token}
    assert_spec_error(await client.get(f"{V2}/tokens/C-000000-000000.json"), 404)
    assert_spec_error(await client.get(f"{V2}/requests/C-000000-000000.json"), 404)


async def test_media_url_serves_the_first_public_photo(
    city: City, reporter: Key, admin: Key, client: httpx.AsyncClient
) -> None:
    ref = await report(client, city, reporter)
    (request,) = (await client.get(f"{V2}/requests/{ref}.json")).json()
    assert request["media_url"] is None
    async with session_scope() as session:
        rows = (await cases.list_cases(session, principal=admin.principal)).items
        internal = await cases.add_photo(session, rows[0].id, principal=admin.principal, data=PNG)
    # A photo is internal until staff make it public: no media_url, and its address is a 404.
    (request,) = (await client.get(f"{V2}/requests/{ref}.json")).json()
    assert request["media_url"] is None
    assert (await client.get(f"{V2}/media/{ref}/{internal.id}")).status_code == 404
    async with session_scope() as session:
        await cases.set_attachment_visibility(
            session, rows[0].id, internal.id, principal=admin.principal, visibility="public"
        )
    (request,) = (await client.get(f"{V2}/requests/{ref}.json")).json()
    photo = await client.get(request["media_url"].removeprefix("http://linli.test"))
    assert photo.status_code == 200 and photo.content == PNG
    assert photo.headers["content-type"] == "image/png"


async def test_requests_in_xml(city: City, reporter: Key, client: httpx.AsyncClient) -> None:
    resp = await post(
        client,
        reporter,
        fmt="xml",
        service_code="env.waste",
        description="Overflowing bin",
        **city.point("Z1"),
    )
    assert resp.status_code == 200
    created = ET.fromstring(resp.content)
    assert created.tag == "service_requests"
    ref = created.findtext("request/service_request_id")
    root = ET.fromstring((await client.get(f"{V2}/requests.xml")).content)
    assert root.tag == "service_requests"
    (request,) = root.findall("request")
    assert request.findtext("service_request_id") == ref
    assert request.findtext("status") == "open"
    assert [n.findtext("summary") for n in request.findall("notes/note")] == [
        "report",
        "register",
        "dispatch",
    ]
    single = ET.fromstring((await client.get(f"{V2}/requests/{ref}.xml")).content)
    assert single.findtext("request/agency_responsible") == "Department T-TC"


async def test_unknown_format_is_a_spec_error(city: City, client: httpx.AsyncClient) -> None:
    assert_spec_error(await client.get(f"{V2}/services.csv"), 404)
    assert_spec_error(await client.get(f"{V2}/services/env.waste"), 404)
