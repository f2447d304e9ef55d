"""A resident's data-subject request: `linli privacy` export finds their account and messages by
their phone, and erasure clears their name and contacts (the account can no longer be signed
into with them) while what others need stays."""

from __future__ import annotations

from sqlalchemy import select

from linli.core.database import session_scope
from linli.residents import service
from linli.residents.models import ResidentAccount, ResidentMessage
from linli.residents.types import Level
from linli.security.privacy import service as privacy
from linli.security.privacy.schemas import SubjectQuery

from .helpers import make_account
from .world import ResidentWorld


async def test_export_and_erasure_cover_resident_accounts_and_messages(
    world: ResidentWorld,
) -> None:
    account = await make_account(
        level=Level.PHONE, phone="+6591112222", email="lee@example.org", name="Lee Ah Huat"
    )
    async with session_scope() as session:
        await service.notify(
            session, account.id, subject="Hello", body="Hello", channels=("inapp",)
        )
    subject = SubjectQuery(phones=["+65 9111 2222"])
    async with session_scope() as session:
        exported = await privacy.export_subject(session, subject)
    sections = {s["table"]: s["rows"] for s in exported["sections"]}
    assert sections["resident_account"][0]["display_name"] == "Lee Ah Huat"
    assert len(sections["resident_message"]) == 1
    async with session_scope() as session:
        await privacy.erase_subject(session, subject)
    async with session_scope() as session:
        erased = await session.get(ResidentAccount, account.id)
        found = await service.account_with_contact(session, service.parse_contact("+6591112222"))
        messages = list(await session.scalars(select(ResidentMessage)))
    assert erased is not None and erased.display_name is None
    assert erased.phone is None and erased.email is None and erased.phone_hash is None
    assert found is None and len(messages) == 1
