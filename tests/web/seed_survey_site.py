"""A district with a published survey of one community and a resident living there, whose
sign-in code is known (for the resident survey pages in a real browser).

    python tests/web/seed_survey_site.py /tmp/x/linli.db   # migrate, seed, print JSON
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: factories, residents

from factories import make_district, make_staff
from linli.core import clock, database, migrate
from linli.core.database import session_scope
from linli.participation.surveys import service as surveys_service
from linli.participation.surveys.schemas import SurveyCreate
from linli.residents.types import Level
from linli.runtime.extensions import load_extensions
from linli.security import service as security_service
from linli.security.models import StaffAccount
from residents.helpers import make_account, seed_code

CODE = "246810"


def texts(en: str, zh: str) -> dict[str, str]:
    return {"en": en, "zh_Hans": zh, "ms": f"{en} (BM)", "ta": f"{en} (த)"}


def survey(unit_id: Any) -> SurveyCreate:
    now = clock.now()
    scale = {"low_label": texts("Very dirty", "很脏"), "high_label": texts("Very clean", "很干净")}
    return SurveyCreate.model_validate(
        {
            "title": texts("Living in the estate", "小区生活"),
            "intro": texts("Five minutes about your neighbourhood.", "花五分钟谈谈您的社区。"),
            "unit_id": unit_id,
            "opens_at": now - timedelta(hours=1),
            "closes_at": now + timedelta(days=14),
            "questions": [
                {
                    "kind": "single",
                    "required": True,
                    "text": texts("How do you get to the market?", "您怎样去市场？"),
                    "options": [
                        {"key": "bus", "text": texts("By bus", "坐公交")},
                        {"key": "walk", "text": texts("On foot", "步行")},
                    ],
                },
                {
                    "kind": "multiple",
                    "text": texts("Which facilities do you use?", "您使用哪些设施？"),
                    "options": [
                        {"key": "gym", "text": texts("Fitness corner", "健身角")},
                        {"key": "library", "text": texts("Library", "图书馆")},
                    ],
                },
                {
                    "kind": "scale",
                    "required": True,
                    "scale": "1-5",
                    **scale,
                    "text": texts("How clean are the common areas?", "公共区域干净吗？"),
                },
                {"kind": "text", "text": texts("Anything else?", "还有其他意见吗？")},
            ],
        }
    )


async def seed(path: str) -> dict[str, Any]:
    load_extensions()
    url = f"sqlite+aiosqlite:///{path}"
    await migrate.upgrade_async(url)
    database.init_engine(url)
    try:
        async with session_scope() as session:
            tree = await make_district(session)
            account, _ = await make_staff(
                session, username="op", role="operator", unit=tree.district
            )
            principal = await security_service.load_principal(
                session, await session.get(StaffAccount, account.id), via="token"
            )
            found = await surveys_service.create_survey(
                session, data=survey(tree.unit("S1-C1").id), principal=principal
            )
            await surveys_service.publish_survey(session, found.survey.id, principal=principal)
            survey_id, home = str(found.survey.id), tree.unit("S1-C1-G1")
        email = "mei@example.org"
        await make_account(level=Level.PHONE, org_unit=home, email=email)
        await seed_code(email, CODE)
        return {"survey_id": survey_id, "contact": email, "code": CODE}
    finally:
        await database.dispose_engine()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(sys.argv[1]))))
