"""A resident's survey answers are part of their data-subject request: `linli privacy` export
finds their response and answers by their phone, and erasure takes their contact data out of
what they wrote while the survey's figures keep their answer."""

from __future__ import annotations

from sqlalchemy import select

from linli.core.database import session_scope
from linli.participation.surveys.models import SurveyAnswer
from linli.residents.types import Level, ResidentActor
from linli.security.privacy import service as privacy
from linli.security.privacy.schemas import SubjectQuery
from residents.helpers import make_account

from .conftest import Site
from .test_answering import answers, submit


async def test_export_and_erasure_cover_survey_answers(site: Site) -> None:
    survey = await site.published()
    grid = site.tree.unit("S1-C1-G1")
    account = await make_account(level=Level.PHONE, org_unit=grid, phone="+6591113333")
    lee = ResidentActor(account_id=account.id, level=Level.PHONE, org_path=grid.path)
    await submit(lee, survey, answers(survey, q1=["bus"], q3=3, q5="Call me on +65 9111 3333"))
    subject = SubjectQuery(phones=["+65 9111 3333"])
    async with session_scope() as session:
        exported = await privacy.export_subject(session, subject)
    sections = {s["table"]: s["rows"] for s in exported["sections"]}
    assert len(sections["survey_response"]) == 1
    assert "Call me on +65 9111 3333" in {row.get("text") for row in sections["survey_answer"]}

    async with session_scope() as session:
        await privacy.erase_subject(session, subject)
    async with session_scope() as session:
        rows = list(await session.scalars(select(SurveyAnswer)))
    texts = [row.text for row in rows if row.text]
    assert texts and all("9111 3333" not in t for t in texts), texts
    assert sorted(row.value for row in rows if row.value is not None) == [3]  # figures stay
