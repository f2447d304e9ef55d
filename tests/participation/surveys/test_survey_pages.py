"""The staff's survey pages: the list of their area's surveys and one survey's results."""

from __future__ import annotations

import re

from factories import PASSWORD
from login_form import post_login

from .conftest import Site
from .test_answering import answers, submit


async def test_staff_read_the_results_page(site: Site) -> None:
    survey = await site.published("S1-C1")
    await site.published("S2-C1")
    for q1, q3, q5 in ((["bus"], 5, "More benches"), (["walk"], 4, "<b>Lights</b>")):
        await submit(site.resident(), survey, answers(survey, q1=q1, q3=q3, q5=q5))
    resp = await post_login(site.client, {"username": "op_s2", "password": PASSWORD})
    assert resp.status_code == 303
    listed = await site.client.get("/community/surveys")
    assert listed.status_code == 200 and listed.text.count('class="work-card"') == 1
    hidden = await site.client.get(f"/community/surveys/{survey['id']}")
    assert hidden.status_code == 404

    resp = await post_login(site.client, {"username": "op", "password": PASSWORD})
    assert resp.status_code == 303
    listed = await site.client.get("/community/surveys")
    assert listed.text.count('class="work-card"') == 2 and "Living in the estate" in listed.text
    page = await site.client.get(f"/community/surveys/{survey['id']}")
    assert page.status_code == 200, page.text
    html = page.text
    assert re.search(r'id="responses">2<', html)
    q1 = html.split('data-question="1"')[1].split("</section>")[0]
    assert re.search(r'data-key="bus"><th scope="row">By bus</th><td class="num">1</td>', q1)
    q3 = html.split('data-question="3"')[1].split("</section>")[0]
    assert "<strong data-mean>4.5</strong>" in q3 and "5 · Very clean" in q3
    q5 = html.split('data-question="5"')[1].split("</section>")[0]
    assert "More benches" in q5 and "&lt;b&gt;Lights&lt;/b&gt;" in q5  # a resident's words as text
    assert f"/api/surveys/{survey['id']}/results.csv" in html
