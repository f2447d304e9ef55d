"""The browser site of `seed_browser_site` with the shipped category catalogue imported.

python tests/web/seed_catalogue_site.py /tmp/x/linli.db
"""

from __future__ import annotations

import asyncio
import json
import sys

from seed_browser_site import seed

from linli.cases import catalogue
from linli.core import database
from linli.core.database import session_scope


async def seed_with_catalogue(path: str) -> dict[str, str]:
    info = await seed(path)
    database.init_engine(f"sqlite+aiosqlite:///{path}")
    async with session_scope() as session:
        text = catalogue.DEMO_CATALOGUE.read_text(encoding="utf-8")
        report = await catalogue.import_catalogue(session, text)
    await database.dispose_engine()
    assert not report.errors, report.errors[:3]
    return info


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed_with_catalogue(sys.argv[1]))))
