"""Prepare a site for the API fuzz test: both trees, staff of every role with API tokens, and
objects in every placement (the authorization matrix's world).

    python tests/security/seed_fuzz_site.py DATABASE_URL

Prints one JSON line: the bearer secret of each role.
"""

from __future__ import annotations

import asyncio
import json
import sys

import httpx

from linli.core import clock, database, migrate
from linli.runtime.extensions import load_extensions
from linli.web.app import create_app
from security.authz_objects import build_world


async def seed(url: str) -> dict[str, str]:
    load_extensions()
    await migrate.upgrade_async(url)
    database.init_engine(url)
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://linli.test") as client:
        world = await build_world(client, clock.now())
    await database.dispose_engine()
    return world.tokens


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(sys.argv[1]))))
