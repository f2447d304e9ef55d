"""The client address behind reverse proxies: forwarded headers count only from a trusted
peer, so nobody picks the address a rate limit is keyed on by sending a header."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from linli.core.clock import ManualClock
from linli.core.settings import Settings, get_settings
from linli.security.clients import Throttle, forwarded_chain, resolve_client

PROXIES = ["10.0.0.0/8", "127.0.0.1"]


@pytest.mark.parametrize(
    ("peer", "forwarded", "xff", "expected"),
    [
        ("198.51.100.7", None, "203.0.113.9", "198.51.100.7"),  # untrusted peer: header ignored
        ("127.0.0.1", None, "203.0.113.9", "203.0.113.9"),
        ("10.1.2.3", None, "1.2.3.4, 203.0.113.9, 10.0.0.5", "203.0.113.9"),  # nearest untrusted
        ("10.1.2.3", None, "10.0.0.9, 10.0.0.5", "10.0.0.9"),  # all proxies: the first one
        ("10.1.2.3", None, None, "10.1.2.3"),
        ("10.1.2.3", None, "not-an-address", "10.1.2.3"),  # garbled: no guessing
        ("10.1.2.3", None, "203.0.113.9:4711", "203.0.113.9"),
        ("10.1.2.3", 'for="[2001:db8::1]:4711";proto=https', None, "2001:db8::1"),
        ("10.1.2.3", "for=192.0.2.60, for=10.0.0.2", "1.1.1.1", "192.0.2.60"),
        (None, None, "203.0.113.9", "unknown"),
    ],
)
def test_resolve_client(
    peer: str | None, forwarded: str | None, xff: str | None, expected: str
) -> None:
    assert (
        resolve_client(peer, forwarded=forwarded, x_forwarded_for=xff, trusted=PROXIES) == expected
    )


def test_no_trusted_proxies_means_the_peer_always() -> None:
    assert resolve_client("127.0.0.1", forwarded=None, x_forwarded_for="1.2.3.4", trusted=[]) == (
        "127.0.0.1"
    )
    assert forwarded_chain(None, " 1.2.3.4 ,5.6.7.8") == ["1.2.3.4", "5.6.7.8"]


def test_the_setting_takes_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINLI_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.1")
    assert Settings().trusted_proxies == ["10.0.0.0/8", "192.0.2.1"]
    monkeypatch.setenv("LINLI_TRUSTED_PROXIES", "10.0.0.0/8, proxy.example")
    with pytest.raises(ValueError, match=r"proxy\.example"):
        Settings()


def test_throttle_refills_with_the_clock(clock: ManualClock) -> None:
    throttle = Throttle(burst=2, rate=0.5)
    assert [throttle.take("a"), throttle.take("a")] == [0, 0]
    assert throttle.take("a") == 2  # one token takes two seconds
    assert throttle.take("b") == 0  # another key has its own bucket
    clock.advance(timedelta(seconds=2))
    assert throttle.take("a") == 0


@pytest.fixture
def trust_loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The in-process client's peer (127.0.0.1) is a trusted proxy."""
    monkeypatch.setenv("LINLI_TRUSTED_PROXIES", "127.0.0.1")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


async def _reports(client: httpx.AsyncClient, addresses: list[str]) -> list[int]:
    codes = []
    for address in addresses:
        res = await client.post(
            "/api/public/reports",
            data={"text": "bin overflowing", "lon": "0", "lat": "0"},
            headers={"X-Forwarded-For": address},
        )
        codes.append(res.status_code)
    return codes


async def test_rotating_the_header_does_not_escape_the_rate_limit(
    client: httpx.AsyncClient,
) -> None:
    codes = await _reports(client, [f"203.0.113.{i}" for i in range(12)])
    assert 429 in codes  # all keyed on the peer, whatever the header says
    assert codes.index(429) == 10


async def test_a_trusted_proxy_keys_the_limit_on_the_forwarded_client(
    client: httpx.AsyncClient, trust_loopback: None
) -> None:
    codes = await _reports(client, ["203.0.113.1"] * 11)
    assert codes[-1] == 429 and 429 not in codes[:-1]
    # Another client behind the same proxy has its own budget.
    assert 429 not in await _reports(client, ["203.0.113.2"])


@pytest.fixture
def tight_backstop(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LINLI_PUBLIC_WRITE_BURST", "2")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


async def test_every_anonymous_public_write_route_has_a_backstop_limit(
    db: str, tight_backstop: None, clock: ManualClock
) -> None:
    from linli.web.app import create_app

    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://linli.test") as client:
        codes = [(await client.post("/logout")).status_code for _ in range(3)]
        assert codes == [303, 303, 429]
        refused = await client.post("/logout")
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert int(refused.headers["retry-after"]) >= 1
        # Per route: the login form still answers, and the budget refills with time.
        assert (await client.post("/login", data={})).status_code == 403
        clock.advance(timedelta(seconds=1))
        assert (await client.post("/logout")).status_code == 303
        # Device ingest carries a credential and stays out of it.
        codes = [(await client.post("/api/ingest", json={})).status_code for _ in range(3)]
        assert 429 not in codes


async def test_guessing_device_tokens_is_held_back_while_the_real_device_goes_on(
    client: httpx.AsyncClient, db: str, trust_loopback: None, clock: ManualClock
) -> None:
    from factories import make_air_stations, make_district
    from linli.core.database import session_scope

    async with session_scope() as session:
        await make_district(session)
        (_, token) = (await make_air_stations(session))["AQ-A"]
    batch = {"readings": [{"metric": "pm25", "value": 40}]}

    async def post(address: str, secret: str) -> httpx.Response:
        headers = {"X-Device-Id": "AQ-A", "Authorization": f"Device {secret}"}
        return await client.post(
            "/api/ingest", json=batch, headers={**headers, "X-Forwarded-For": address}
        )

    guesses = [(await post("203.0.113.66", f"guess-{i}")).status_code for i in range(21)]
    assert guesses[:20] == [401] * 20 and guesses[20] == 429
    held = await post("203.0.113.66", token)  # even the right token waits: no oracle
    assert held.status_code == 429 and held.json()["code"] == "credentials_throttled"
    assert int(held.headers["retry-after"]) >= 1
    # The real device, from its own address, is never counted however often it sends.
    assert {(await post("198.51.100.7", token)).status_code for _ in range(25)} == {200}
    clock.advance(timedelta(seconds=10))  # one more guess per 10 s
    assert (await post("203.0.113.66", "guess-again")).status_code == 401
    assert (await post("203.0.113.66", "guess-again")).status_code == 429
