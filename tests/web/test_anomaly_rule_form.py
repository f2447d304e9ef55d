"""The rule form makes anomaly rules: its own fields, checked like the API."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from sqlalchemy import select

from linli.core.database import session_scope
from linli.rules.models import Rule
from linli.security.models import StaffAccount

MakeStaff = Callable[..., Awaitable[StaffAccount]]
SignIn = Callable[..., Awaitable[str]]


def _form(token: str, site: Any, **change: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "kind": "anomaly",
        "name": "Lamp behaves oddly",
        "device_type": "Streetlight",
        "metric": "power_w",
        "scope_unit_id": str(site.district.id),
        "severity": "minor",
        "active": "1",
        "p_threshold": "0.8",
        "p_warmup_points": "300",
        "flap_seconds": "0",
        **change,
    }


async def test_an_anomaly_rule_is_made_with_the_form_and_bad_levels_are_shown(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn
) -> None:
    await staff("ada", role="admin", unit=site.district)
    token = await signed_in("ada", next_page="/rules/new?kind=anomaly")
    page = await client.get("/rules/new?kind=anomaly")
    assert page.status_code == 200
    for field in ("p_threshold", "p_warmup_points", "p_clear_below"):
        assert f'name="{field}"' in page.text
    assert 'name="p_op"' not in page.text  # no threshold-rule operator here

    refused = await client.post("/rules/new", data=_form(token, site, p_clear_below="0.9"))
    assert refused.status_code == 422
    assert re.search(r'id="error-p_clear_below"[^>]*>[^<]+<', refused.text)
    async with session_scope() as session:
        assert list(await session.scalars(select(Rule))) == []

    created = await client.post("/rules/new", data=_form(token, site, p_clear_below="0.6"))
    assert created.status_code == 303, created.text[-2000:]
    async with session_scope() as session:
        (rule,) = await session.scalars(select(Rule))
    assert (rule.kind, rule.params) == (
        "anomaly",
        {"threshold": 0.8, "warmup_points": 300, "clear_below": 0.6, "baseline": "surprise"},
    )
    listing = await client.get("/rules?kind=anomaly")
    assert "Lamp behaves oddly" in listing.text
