"""My inbox and my notification preferences as pages; the Web Push key and service worker."""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from linli.core import pagination
from linli.core.database import session_scope
from linli.rules.notifications.config import get_notify_settings
from linli.rules.notifications.models import Notification
from linli.security.models import StaffAccount
from linli.web import notification_pages
from list_pages import follow_pages

MakeStaff = Callable[..., Awaitable[StaffAccount]]
SignIn = Callable[..., Awaitable[str]]
CHROMIUM = "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()


@pytest.fixture(autouse=True)
def _no_push_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("LINLI_NOTIFY_VAPID_PRIVATE_KEY", raising=False)
    get_notify_settings.cache_clear()
    yield
    get_notify_settings.cache_clear()


async def notifications(account: StaffAccount, *titles: str) -> list[uuid.UUID]:
    """Put notifications with `titles` in an account's inbox and return their ids."""
    ids = []
    async with session_scope() as session:
        for n, title in enumerate(titles):
            note = Notification(
                account_id=account.id,
                dedupe_key=f"test:{title}:{n}",
                kind="incident.notice",
                org_path="/baoan/",
                severity="major",
                locale="en",
                title=title,
                body=f"{title} — body",
                suppressed=[],
            )
            session.add(note)
            await session.flush()
            ids.append(note.id)
    return ids


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@pytest.mark.parametrize("path", ["/inbox", "/preferences"])
async def test_signed_out_browser_is_sent_to_login(client: httpx.AsyncClient, path: str) -> None:
    res = await client.get(path)
    assert res.status_code == 303
    assert res.headers["location"] == f"/login?next={path}"


async def test_the_inbox_shows_my_notifications_and_marks_them_read(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn
) -> None:
    me = await staff("wang", role="grid_worker", unit=site.community_a)
    other = await staff("li", role="grid_worker", unit=site.community_a)
    first, second = await notifications(me, "Flood: stand by", "Fire: evacuate block 3")
    await notifications(other, "Somebody else's news")
    token = await signed_in("wang", next_page="/inbox")

    page = await client.get("/inbox")
    assert page.status_code == 200
    assert "Flood: stand by" in page.text and "Fire: evacuate block 3" in page.text
    assert "Somebody else" not in page.text
    assert 'data-count="2"' in page.text
    assert (
        'data-stream="/api/events/stream"' in page.text and "/static/notifications.js" in page.text
    )

    res = await client.post(f"/inbox/{first}/read", data={"csrf_token": token})
    assert res.status_code == 303
    unread = await client.get("/inbox?unread=1")
    assert "Fire: evacuate block 3" in unread.text and "Flood: stand by" not in unread.text

    forged = await client.post("/inbox/read-all", data={"csrf_token": "wrong"})
    assert forged.status_code == 403 and forged.json()["code"] == "csrf_failed"
    assert 'data-count="1"' in (await client.get("/inbox")).text
    await client.post("/inbox/read-all", data={"csrf_token": token})
    assert 'data-count="0"' in (await client.get("/inbox")).text

    theirs = (await client.get("/api/notifications/inbox")).json()
    assert {i["id"] for i in theirs["items"]} == {str(first), str(second)}
    (other_id,) = [n for n in await notifications(other, "Another")]
    res = await client.post(f"/inbox/{other_id}/read", data={"csrf_token": token})
    assert res.status_code == 404 and res.json()["code"] == "notification_not_found"


async def test_the_inbox_pages_by_next_and_first_links(
    client: httpx.AsyncClient,
    site: Any,
    staff: MakeStaff,
    signed_in: SignIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    me = await staff("wang", role="grid_worker", unit=site.community_a)
    other = await staff("li", role="grid_worker", unit=site.community_a)
    await notifications(me, *(f"Notice {i}" for i in range(5)))
    await notifications(other, "Somebody else's news")
    monkeypatch.setattr(notification_pages, "PAGE", 2)
    await signed_in("wang", next_page="/inbox")

    pages = await follow_pages(client, "/inbox?unread=1")
    titles = [re.findall(r"<h2>(Notice \d)</h2>", page) for page in pages]
    assert [len(t) for t in titles] == [2, 2, 1]
    assert sorted(t for page in titles for t in page) == [f"Notice {i}" for i in range(5)]
    assert all("Somebody else" not in page for page in pages)
    assert 'data-first-page="true"' in pages[0] and 'data-first-page="false"' in pages[1]
    assert 'href="/inbox?unread=1" rel="first"' in pages[1]
    assert all("5 unread" in page for page in pages)
    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    capped = (await client.get("/inbox")).text
    assert "3+ unread" in capped and 'data-capped="true"' in capped


async def test_the_preferences_form_saves_channels_quiet_hours_language_and_phone(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn
) -> None:
    await staff("wang", role="grid_worker", unit=site.community_a)
    token = await signed_in("wang", next_page="/preferences")
    page = await client.get("/preferences")
    assert page.status_code == 200
    # Defaults shown as ticked: critical goes everywhere, warnings only to the inbox.
    assert re.search(r'name="ch_critical" value="voice"[^>]*checked', page.text)
    assert not re.search(r'name="ch_warning" value="sms"[^>]*checked', page.text)

    form = {
        "csrf_token": token,
        "ch_critical": ["sms", "voice"],
        "ch_major": ["sms"],
        "quiet_start": "22:00",
        "quiet_end": "07:00",
        "timezone": "Asia/Shanghai",
        "language": "zh_Hans",
        "email": "",
        "phone": "+86 138 1234 5678",
    }
    saved = await client.post("/preferences", data=form)
    assert saved.status_code == 303 and saved.headers["location"] == "/preferences?saved=1"
    prefs = (await client.get("/api/notifications/preferences")).json()
    assert prefs["channels"]["critical"] == ["inapp", "sms", "voice"]
    assert prefs["channels"]["minor"] == ["inapp"]
    assert (prefs["quiet_start"], prefs["quiet_end"]) == ("22:00", "07:00")
    assert prefs["timezone"] == "Asia/Shanghai" and prefs["phone"] == "+8613812345678"
    shown = await client.get("/preferences?saved=1")
    assert shown.headers["content-language"] == "zh-Hans", "the page now speaks my language"
    assert 'id="preferences-saved"' in shown.text

    bad = await client.post(
        "/preferences", data={**form, "quiet_start": "25:00", "phone": "+86 139 0000 0000"}
    )
    assert bad.status_code == 422 and 'id="preferences-errors"' in bad.text
    assert 'value="+86 139 0000 0000"' in bad.text, "what was typed is shown again"
    assert (await client.get("/api/notifications/preferences")).json() == prefs


async def test_the_push_key_and_the_service_worker(
    client: httpx.AsyncClient,
    site: Any,
    staff: MakeStaff,
    signed_in: SignIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert (await client.get("/api/notifications/push/key")).status_code == 401
    await staff("wang", role="department_staff", unit=site.department)
    await signed_in("wang")
    missing = await client.get("/api/notifications/push/key")
    assert missing.status_code == 404 and missing.json()["code"] == "push_not_configured"

    key = ec.generate_private_key(ec.SECP256R1())
    raw = key.private_numbers().private_value.to_bytes(32, "big")
    monkeypatch.setenv("LINLI_NOTIFY_VAPID_PRIVATE_KEY", b64url(raw))
    get_notify_settings.cache_clear()
    found = await client.get("/api/notifications/push/key")
    assert found.status_code == 200
    public = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    assert found.json()["public_key"] == b64url(public)

    worker = await client.get("/static/sw.js")
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert "showNotification" in worker.text


async def test_a_browser_saves_the_preferences_form(
    live_server: str, site: Any, staff: MakeStaff, password: str
) -> None:
    async_api = pytest.importorskip("playwright.async_api")
    if not HAVE_CHROMIUM:
        pytest.skip("Chromium is not installed")
    await staff("wang", role="grid_worker", unit=site.community_a)
    async with async_api.async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = await browser.new_page()
            await page.goto(f"{live_server}/preferences")
            await page.fill('input[name="username"]', "wang")
            await page.fill('input[name="password"]', password)
            await page.click('button[type="submit"]')
            await page.wait_for_url(f"{live_server}/preferences")
            await page.check('input[name="ch_minor"][value="sms"]')
            await page.uncheck('input[name="ch_critical"][value="voice"]')
            await page.fill('input[name="quiet_start"]', "23:00")
            await page.fill('input[name="quiet_end"]', "06:30")
            await page.fill('input[name="phone"]', "+6591234567")
            await page.select_option('select[name="language"]', "ms")
            await page.click('#preferences-form button[type="submit"]')
            await page.wait_for_url(f"{live_server}/preferences?saved=1")
            assert await page.is_visible("#preferences-saved")
            assert await page.get_attribute("html", "lang") == "ms"
            checked = await page.is_checked('input[name="ch_minor"][value="sms"]')
            assert checked and not await page.is_checked('input[name="ch_critical"][value="voice"]')
            assert await page.input_value('input[name="quiet_start"]') == "23:00"
            prefs = await page.evaluate(
                "fetch('/api/notifications/preferences').then(r => r.json())"
            )
        finally:
            await browser.close()
    assert prefs["channels"]["minor"] == ["inapp", "email", "sms"], "default e-mail kept, SMS added"
    assert "voice" not in prefs["channels"]["critical"]
    assert (prefs["quiet_start"], prefs["quiet_end"], prefs["phone"]) == (
        "23:00",
        "06:30",
        "+6591234567",
    )
