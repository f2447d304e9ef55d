"""Telling residents what happened to their reports: a consumer of the event log (cursor
`resident_reports`) that, for each `case.changed` of a case linked to resident accounts, gives
each of them a message in their language — on the portal, by SMS and e-mail — with a link to
their report's page. The cursor moves in the transaction that writes the messages, and each
event's key keeps a resident from hearing it twice."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from linli.core import clock, eventlog
from linli.core.database import session_scope
from linli.core.eventlog import locked_cursor
from linli.core.i18n import N_
from linli.residents.messages import service as messages
from linli.residents.models import ResidentReport

CURSOR = "resident_reports"
BATCH = 200
STALE_AFTER = timedelta(days=1)
# What a resident reads for each status (the words of their report's page).
STATUS_WORDS = {
    "reported": N_("Received"),
    "registered": N_("Checked and accepted"),
    "dispatched": N_("Sent to the team"),
    "accepted": N_("Being worked on"),
    "in_progress": N_("Being worked on"),
    "handled": N_("Fixed, being checked"),
    "verified": N_("Fixed and checked"),
    "closed": N_("Closed"),
    "rejected": N_("Not taken up"),
    "returned": N_("Being passed to the right team"),
}
SUBJECT = N_("Your report {ref}: {status}")
BODY = N_("There is news about your report {ref}. It is now: {status}.")


async def tell_report_changes(*, limit: int = BATCH) -> int:
    """Tell residents of the case changes logged after the cursor, a batch per unit of work;
    return how many entries were read."""
    total = 0
    while True:
        async with session_scope() as session:
            cursor = await locked_cursor(session, CURSOR)
            entries = await eventlog.read_after(
                session, cursor.seq, patterns=("case.changed",), limit=limit
            )
            stale = clock.now() - STALE_AFTER
            fresh = {
                uuid.UUID(str(e.payload["case_id"])): e
                for e in entries
                if e.at >= stale and e.payload.get("case_id") and e.payload.get("status")
            }
            links = (
                await session.scalars(
                    select(ResidentReport).where(ResidentReport.case_id.in_(list(fresh)))
                )
            ).all()
            for entry in entries:
                case_id = entry.payload.get("case_id")
                if entry.at < stale or not case_id or entry.payload.get("action") == "me_too":
                    continue
                status = str(entry.payload.get("status"))
                for link in (x for x in links if str(x.case_id) == str(case_id)):
                    await messages.notify(
                        session,
                        link.account_id,
                        subject=SUBJECT,
                        body=BODY,
                        params={"ref": entry.payload.get("ref", ""), "status": status},
                        translate_params={"status": STATUS_WORDS.get(status, status)},
                        link=f"/my/reports/{link.id}",
                        dedupe_key=f"case:{entry.id}",
                    )
            if entries:
                cursor.seq = entries[-1].seq
                cursor.updated_at = clock.now()
        total += len(entries)
        if len(entries) < limit:
            return total
