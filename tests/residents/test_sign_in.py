"""Signing in by one-time code: sign-up and sign-in are one flow, codes are single-use,
short-lived and burnt by wrong tries, asking is rate-limited, and nothing reveals an account."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, text

from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.core.settings import get_settings
from linli.residents.deps import RESIDENT_COOKIE
from linli.residents.models import ResidentAccount, SignInCode

from .conftest import Outbox
from .world import ResidentWorld

PHONE = "+65 9123 4567"


async def _ask(client: httpx.AsyncClient, contact: str) -> httpx.Response:
    return await client.post("/api/my/sign-in/code", json={"contact": contact})


async def _sign_in(
    client: httpx.AsyncClient, contact: str, code: str, **extra: str
) -> httpx.Response:
    return await client.post("/api/my/sign-in", json={"contact": contact, "code": code, **extra})


async def test_a_new_phone_signs_up_with_the_code_sent_to_it(
    client: httpx.AsyncClient, world: ResidentWorld, outbox: Outbox
) -> None:
    asked = await _ask(client, PHONE)
    assert asked.status_code == 202, asked.text
    code = outbox.last_code("+6591234567")
    signed = await _sign_in(client, PHONE, code, display_name="Tan Mei Ling", locale="zh_Hans")
    assert signed.status_code == 200, signed.text
    body = signed.json()
    assert body["display_name"] == "Tan Mei Ling" and body["locale"] == "zh_Hans"
    assert body["level"] == 1 and body["has_phone"]  # an SMS code confirms the phone
    assert RESIDENT_COOKIE in signed.cookies
    me = await client.get("/api/my/account")
    assert me.status_code == 200 and me.json()["id"] == body["id"]

    # Signing in again with the same phone finds the same account.
    client.cookies.clear()
    await _ask(client, "+6591234567")
    again = await _sign_in(client, "+65-9123-4567", outbox.last_code("+6591234567"))
    assert again.status_code == 200 and again.json()["id"] == body["id"]


async def test_codes_are_single_use_short_lived_and_burnt_by_wrong_tries(
    client: httpx.AsyncClient, world: ResidentWorld, outbox: Outbox, clock: ManualClock
) -> None:
    await _ask(client, "mei@example.org")
    code = outbox.last_code("mei@example.org")
    wrong = "000000" if code != "000000" else "111111"
    assert (await _sign_in(client, "mei@example.org", wrong)).json()["code"] == "code_refused"
    assert (await _sign_in(client, "mei@example.org", code)).status_code == 200
    reused = await _sign_in(client, "mei@example.org", code)
    assert reused.status_code == 401 and reused.json()["code"] == "code_refused"

    await _ask(client, "mei@example.org")
    late = outbox.last_code("mei@example.org")
    clock.advance(timedelta(minutes=10, seconds=1))
    assert (await _sign_in(client, "mei@example.org", late)).status_code == 401

    clock.advance(timedelta(hours=1))
    await _ask(client, "mei@example.org")
    burnt = outbox.last_code("mei@example.org")
    for _ in range(5):
        assert (await _sign_in(client, "mei@example.org", wrong)).status_code == 401
    assert (await _sign_in(client, "mei@example.org", burnt)).status_code == 401


async def test_a_new_code_replaces_the_previous_one(
    client: httpx.AsyncClient, world: ResidentWorld, outbox: Outbox
) -> None:
    await _ask(client, PHONE)
    first = outbox.last_code("+6591234567")
    await _ask(client, PHONE)
    second = outbox.last_code("+6591234567")
    if first != second:
        assert (await _sign_in(client, PHONE, first)).status_code == 401
    assert (await _sign_in(client, PHONE, second)).status_code == 200


async def test_asking_for_codes_is_limited_per_contact_and_per_address(
    client: httpx.AsyncClient, world: ResidentWorld, outbox: Outbox, clock: ManualClock
) -> None:
    for _ in range(3):
        assert (await _ask(client, PHONE)).status_code == 202
    refused = await _ask(client, PHONE)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert refused.json()["code"] == "sign_in_throttled"
    assert len(outbox.messages("sms")) == 3
    # Other contacts from the same address share the address's budget (10 per 15 minutes).
    statuses = [(await _ask(client, f"+65 8000 00{i:02d}")).status_code for i in range(8)]
    assert statuses.count(202) == 6 and statuses[-1] == 429
    clock.advance(timedelta(minutes=15))
    assert (await _ask(client, PHONE)).status_code == 202


async def test_answers_are_the_same_whether_an_account_exists_or_not(
    client: httpx.AsyncClient, world: ResidentWorld, outbox: Outbox
) -> None:
    await _ask(client, "known@example.org")
    await _sign_in(client, "known@example.org", outbox.last_code("known@example.org"))
    client.cookies.clear()
    known = await _ask(client, "known@example.org")
    unknown = await _ask(client, "nobody@example.org")
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    wrong_known = await _sign_in(client, "known@example.org", "999999")
    wrong_unknown = await _sign_in(client, "nobody@example.org", "999999")
    assert wrong_known.json()["detail"] == wrong_unknown.json()["detail"]


async def test_contacts_and_names_are_encrypted_at_rest_and_codes_stored_hashed(
    client: httpx.AsyncClient, world: ResidentWorld, outbox: Outbox
) -> None:
    await _ask(client, PHONE)
    code = outbox.last_code("+6591234567")
    await _sign_in(client, PHONE, code, display_name="Tan Mei Ling")
    async with session_scope() as session:
        raw = (
            await session.execute(
                text("SELECT display_name, phone, phone_hash FROM resident_account")
            )
        ).one()
        codes = (await session.execute(text("SELECT code_hash FROM resident_sign_in_code"))).all()
        account = await session.scalar(select(ResidentAccount))
        stored = await session.scalar(select(SignInCode))
    assert b"Tan" not in bytes(raw[0]) and b"9123" not in bytes(raw[1])
    assert "9123" not in raw[2]
    assert all(code not in row[0] for row in codes)
    assert account is not None and account.phone == "+6591234567"
    assert stored is not None and stored.used_at is not None


async def test_bad_contacts_are_refused_with_a_reason(
    client: httpx.AsyncClient, world: ResidentWorld, outbox: Outbox
) -> None:
    for contact in ("not a contact", "1234", "a@b"):
        answer = await _ask(client, contact)
        assert answer.status_code == 422 and answer.json()["code"] == "bad_contact", contact
    assert outbox.messages("sms") == [] and outbox.messages("email") == []


async def test_sign_out_ends_the_session(
    client: httpx.AsyncClient, world: ResidentWorld, outbox: Outbox
) -> None:
    await _ask(client, PHONE)
    signed = await _sign_in(client, PHONE, outbox.last_code("+6591234567"))
    csrf = signed.json()["csrf_token"]
    cookie = signed.cookies[RESIDENT_COOKIE]
    assert (await client.post("/api/my/sign-out")).status_code == 403  # no CSRF token
    out = await client.post("/api/my/sign-out", headers={"X-CSRF-Token": csrf})
    assert out.status_code == 204
    client.cookies.set(RESIDENT_COOKIE, cookie)  # an old cookie no longer works
    assert (await client.get("/api/my/account")).status_code == 401


async def test_a_development_install_shows_the_code_it_did_not_really_send(
    client: httpx.AsyncClient,
    world: ResidentWorld,
    outbox: Outbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The demo's residents sign in without a phone: with the file gateway on a development
    install the code comes back on the page and in the API; on any other install it never does."""
    page = await client.post("/my/sign-in", data={"contact": PHONE})
    assert page.status_code == 200 and "development-code" not in page.text  # LINLI_ENV=test

    monkeypatch.setattr(get_settings(), "env", "development")
    shown = await _ask(client, PHONE)
    assert shown.status_code == 202
    assert shown.json()["development_code"] == outbox.last_code("+6591234567")
    page = await client.post("/my/sign-in", data={"contact": PHONE})
    assert page.status_code == 200
    assert outbox.last_code("+6591234567") in page.text and "development-code" in page.text
