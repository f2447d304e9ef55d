"""The hotline keypad tells a caller a case's status in their language; the chat adapter files a
report like SMS does; Twilio-style gateways sign their forms."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree as ET

import httpx
from sqlalchemy import select

from linli.cases.models import Case
from linli.core.database import session_scope
from linli.core.settings import get_settings
from linli.residents.messaging import webhooks

from .conftest import CHAT_SECRET, IVR_SECRET, TWILIO_SECRET, Site, outbox, replies, text

CALLER = "+6591110000"


async def _press(
    client: httpx.AsyncClient, digits: str | None, *, lang: str | None = None
) -> dict[str, object]:
    body = json.dumps({"call_id": "CA1", "from": CALLER, "digits": digits}).encode()
    headers = {"X-Linli-Signature": webhooks.sign_json(IVR_SECRET, body)}
    url = "/api/messaging/ivr/voice" + (f"?lang={lang}" if lang else "")
    resp = await client.post(url, content=body, headers=headers)
    assert resp.status_code == 200, resp.text
    answer: dict[str, object] = resp.json()
    return answer


async def _filed(client: httpx.AsyncClient, site: Site) -> Case:
    await text(client, "+6590001111", "Loud music at blk 101", message_id="m1")
    async with session_scope() as session:
        return (await session.scalars(select(Case))).one()


async def test_the_keypad_tells_a_caller_the_status_in_their_language(
    site: Site, client: httpx.AsyncClient
) -> None:
    case = await _filed(client, site)
    menu = await _press(client, None)
    said = [p["text"] for p in menu["prompts"]]  # type: ignore[attr-defined]
    assert said[0] == "For English, press 1." and "中文请按2。" in said and len(said) == 4
    assert menu["gather"] == {"digits": 1, "finish_on_key": None,
                              "action": "/api/messaging/ivr/voice"}  # fmt: skip
    chosen = await _press(client, "2")
    assert chosen["prompts"] == [{"text": "请输入案件编号的12位数字，然后按井号键。",
                                  "language": "zh_Hans"}]  # fmt: skip
    assert chosen["gather"]["action"].endswith("?lang=zh_Hans")  # type: ignore[index]
    digits = re.sub(r"\D", "", case.ref)
    told = await _press(client, digits, lang="zh_Hans")
    first = told["prompts"][0]["text"]  # type: ignore[index]
    assert first.startswith("案件") and first.endswith("已收到。") and told["hangup"] is True
    missing = await _press(client, "000000000009", lang="en")
    assert missing["prompts"][0]["text"] == "We found no case with that number."  # type: ignore[index]


async def test_a_twilio_style_call_is_answered_in_twiml(
    site: Site, client: httpx.AsyncClient
) -> None:
    case = await _filed(client, site)
    form = {"CallSid": "CA9", "From": CALLER, "Digits": re.sub(r"\D", "", case.ref)}
    url = "/api/messaging/ivr/twilio?lang=ms"
    signature = webhooks.sign_twilio(TWILIO_SECRET, get_settings().base_url + url, form)
    resp = await client.post(url, data=form, headers={"X-Twilio-Signature": signature})
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/xml")
    says = [(s.get("language"), s.text) for s in ET.fromstring(resp.content).iter("Say")]
    assert says[0] == ("ms-MY", f"Kes {' '.join(form['Digits'])}: diterima.")
    forged = await client.post(url, data=form, headers={"X-Twilio-Signature": "x" + signature})
    assert forged.status_code == 401 and forged.json()["code"] == "bad_signature"


async def test_a_telegram_style_chat_files_a_report_and_gets_its_reference(
    site: Site, client: httpx.AsyncClient
) -> None:
    def update(n: int, words: str) -> dict[str, object]:
        message = {"message_id": n, "chat": {"id": 4242}, "text": words,
                   "from": {"language_code": "en"}}  # fmt: skip
        return {"update_id": 9000 + n, "message": message}

    headers = {"X-Telegram-Bot-Api-Secret-Token": CHAT_SECRET}
    first = await client.post("/api/messaging/chat/bot", json=update(1, "Karaoke very loud"),
                              headers=headers)  # fmt: skip
    assert first.json() == {"action": "answered", "replies": 1}
    await client.post("/api/messaging/chat/bot", json=update(2, "D-101"), headers=headers)
    told = await replies(site.outbox, "4242", channel="chat")
    async with session_scope() as session:
        case = (await session.scalars(select(Case))).one()
    assert "block number" in told[0] and case.ref in told[1]
    assert outbox(site.outbox, "sms") == []  # chat replies go to the chat gateway only
    wrong = await client.post("/api/messaging/chat/bot", json=update(3, "hi"),
                              headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})  # fmt: skip
    assert wrong.status_code == 401
    photo = {"update_id": 1, "message": {"message_id": 5, "chat": {"id": 4242}}}
    ignored = await client.post("/api/messaging/chat/bot", json=photo, headers=headers)
    assert ignored.json() == {"action": "ignored", "replies": 0}


async def test_a_twilio_style_sms_is_taken_and_answered_through_the_sms_gateway(
    site: Site, client: httpx.AsyncClient
) -> None:
    form = {"MessageSid": "SM1", "From": "+6590002222", "Body": "Loud music at blk 101"}
    url = "/api/messaging/sms/twilio"
    signature = webhooks.sign_twilio(TWILIO_SECRET, get_settings().base_url + url, form)
    resp = await client.post(url, data=form, headers={"X-Twilio-Signature": signature})
    assert resp.status_code == 200 and resp.text.endswith("<Response/>")
    (said,) = await replies(site.outbox, "+6590002222")
    assert re.search(r"C-\d{6}-\d{6}", said)


async def test_cases_public_views_do_not_show_answer_as_missing_on_every_channel(
    site: Site, client: httpx.AsyncClient
) -> None:
    hidden = await site.world.report(source="hotline", title="Caller's private words")
    digits = re.sub(r"\D", "", hidden.ref)
    told = await _press(client, digits, lang="en")
    assert told["prompts"][0]["text"] == "We found no case with that number."  # type: ignore[index]
    await text(client, CALLER, hidden.ref, message_id="h1")
    assert (await replies(site.outbox, CALLER))[-1] == f"We found no case {hidden.ref}."
