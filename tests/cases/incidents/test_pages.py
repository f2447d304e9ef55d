"""The incident pages: list (active first), the command page, the printable report."""

from __future__ import annotations

import html
import json
import re

from login_form import post_login

from .conftest import FLOOD_AREA, IN_FLOOD, Room

PASSWORD = "pw-" * 4  # what the case world's staff factory sets


async def sign_in(room: Room, username: str) -> None:
    resp = await post_login(
        room.client, {"username": username, "password": PASSWORD, "next": "/incidents"}
    )
    assert resp.status_code == 303, resp.text


async def test_the_list_shows_active_incidents_first(room: Room) -> None:
    old = await room.declare(title="Last week's fire", kind="fire")
    await room.post(f"/api/incidents/{old['id']}/close", {"summary": "Out"}, expect=200)
    await room.declare(title="River flood")
    await sign_in(room, "gw11")
    page = await room.client.get("/incidents")
    assert page.status_code == 200
    titles = [
        html.unescape(t)
        for t in re.findall(r'<h2><a href="/incidents/[^"]+">([^<]+)</a></h2>', page.text)
    ]
    assert titles == ["River flood", "Last week's fire"]
    assert 'href="/incidents"' in page.text  # in the navigation


async def test_the_incident_page_has_the_task_board_log_and_map(room: Room) -> None:
    flood = await room.declare(area=FLOOD_AREA)
    fid = flood["id"]
    await room.post(f"/api/incidents/{fid}/tasks",
                    {"unit_id": str(room.unit("D-SAN")), "title": "Sandbags <now>"})  # fmt: skip
    await room.post(f"/api/incidents/{fid}/log", {"text": "Water at 40 cm"})
    lon, lat = IN_FLOOD
    body = {"category_code": "public.order.noise", "title": "Flooded lift", "lon": lon, "lat": lat}
    assert (await room.client.post("/api/cases", json=body, headers=room.h("s1op"))).is_success

    await sign_in(room, "s1op")
    page = await room.client.get(f"/incidents/{fid}")
    assert page.status_code == 200
    text = page.text
    assert 'id="task-board"' in text and "Sandbags &lt;now&gt;" in text
    assert "Water at 40 cm" in text and 'id="situation-log"' in text
    assert 'id="task-form"' in text and 'id="close-form"' in text  # the commander's forms
    # The commander and the log's entries are signed with the name people know, never a login.
    s1op = '<span class="actor">S1Op</span> <span class="person-role">(Command-centre operator · '
    assert f'class="incident-commander">{s1op}' in text
    log = text[text.index('id="situation-log"') :]
    assert log.count(s1op) >= 2 and "s1op" not in log  # declared it, wrote the report
    found = re.search(r'data-area="([^"]+)"', text)
    assert found is not None
    assert json.loads(html.unescape(found.group(1))) == FLOOD_AREA
    cases = re.search(r'data-cases="([^"]+)"', text)
    assert cases is not None and "Flooded lift" in cases.group(1)

    # A reader sees the board without the commander's forms.
    await sign_in(room, "gw11")
    reader = await room.client.get(f"/incidents/{fid}")
    assert 'id="task-board"' in reader.text and 'id="close-form"' not in reader.text


async def test_the_report_page_prints_the_figures(room: Room) -> None:
    fid = (await room.declare())["id"]
    await room.post(f"/api/incidents/{fid}/tasks",
                    {"unit_id": str(room.unit("C11")), "title": "Check basements"})  # fmt: skip
    await room.post(f"/api/incidents/{fid}/close",
                    {"summary": "Receded", "force": True, "reason": "Handed over"},
                    expect=200)  # fmt: skip
    await sign_in(room, "s1op")
    page = await room.client.get(f"/incidents/{fid}/report")
    assert page.status_code == 200
    assert "1 tasks: 0 done, 0 late, 1 open, 0 cancelled" in page.text
    assert "Handed over" in page.text and "Check basements" in page.text


async def test_pages_are_scoped_and_need_a_login(room: Room) -> None:
    fid = (await room.declare())["id"]
    signed_out = await room.client.get(f"/incidents/{fid}")
    assert signed_out.status_code in (302, 303, 307) and "/login" in signed_out.headers["location"]
    await sign_in(room, "s2op")
    for path in (f"/incidents/{fid}", f"/incidents/{fid}/report"):
        assert (await room.client.get(path)).status_code == 404
    listing = await room.client.get("/incidents")
    assert "No incidents" in listing.text


async def test_the_command_centre_loads_the_incident_layer(room: Room) -> None:
    flood = await room.declare(area=FLOOD_AREA)
    await sign_in(room, "s1op")
    page = await room.client.get("/")
    assert '<script src="/static/incidents.js" defer></script>' in page.text
    geo = await room.client.get("/api/incidents?active=true&geo=true")
    assert geo.headers["content-type"].startswith("application/geo+json")
    features = geo.json()["features"]
    assert [(f["id"], f["geometry"]) for f in features] == [(flood["id"], FLOOD_AREA)]
    assert features[0]["properties"]["url"] == f"/incidents/{flood['id']}"
    assert geo.json()["next"] is None
    script = await room.client.get("/static/incidents.js")
    assert script.status_code == 200 and "incident-area" in script.text
