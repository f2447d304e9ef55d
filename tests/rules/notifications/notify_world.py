"""The notification tests' world: the rules world, one more grid worker in community A, and
helpers to set an on-call route, preferences, and read what was sent."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from rules_world import STAFF, World
from sqlalchemy import select

from factories import make_device_world
from linli.core.database import session_scope
from linli.rules.notifications import dispatcher
from linli.security.models import StaffAccount

NOTIFY_STAFF = {**STAFF, "gw_a2": ("grid_worker", "S1-C1"), "gw_a3": ("grid_worker", "S1-C1")}


class NotifyWorld(World):
    """The rules world with the ids of the staff and route helpers."""

    async def account(self, username: str) -> StaffAccount:
        async with session_scope() as session:
            found = await session.scalar(
                select(StaffAccount).where(StaffAccount.username == username)
            )
            assert found is not None
            return found

    async def set_locale(self, username: str, locale: str) -> None:
        account = await self.account(username)
        async with session_scope() as session:
            stored = await session.get(StaffAccount, account.id)
            assert stored is not None
            stored.locale = locale

    async def route(
        self, client: AsyncClient, usernames: list[str], *, unit: str = "S1-C1", **fields: Any
    ) -> dict[str, Any]:
        """Set the on-call list of `unit` (as the admin) and return it."""
        staff = [str((await self.account(u)).id) for u in usernames]
        body = {"unit_id": str(self.tree.unit(unit).id), "staff_ids": staff, **fields}
        response = await client.post(
            "/api/notifications/routes", json=body, headers=self.auth("admin")
        )
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def prefer(self, client: AsyncClient, username: str, **prefs: Any) -> None:
        response = await client.put(
            "/api/notifications/preferences", json=prefs, headers=self.auth(username)
        )
        assert response.status_code == 200, response.text

    async def inbox(self, client: AsyncClient, username: str) -> list[dict[str, Any]]:
        response = await client.get("/api/notifications/inbox", headers=self.auth(username))
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def deliveries(self, client: AsyncClient, **params: str) -> list[dict[str, Any]]:
        response = await client.get(
            "/api/notifications/deliveries",
            params={"limit": "200", **params},
            headers=self.auth("admin"),
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items


async def make_notify_world() -> NotifyWorld:
    return await make_device_world(NotifyWorld, NOTIFY_STAFF)


def outbox(directory: Path, channel: str) -> list[dict[str, Any]]:
    """Return the JSON lines the file gateway wrote for `channel`."""
    path = directory / f"{channel}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


async def dispatch() -> tuple[int, int]:
    """Run the notification worker once: read new events, send what is due."""
    return await dispatcher.run_once()


async def sweep() -> int:
    """Run the escalation sweep once."""
    return await dispatcher.sweep()


def ids(items: list[dict[str, Any]]) -> list[uuid.UUID]:
    return [uuid.UUID(i["id"]) for i in items]
