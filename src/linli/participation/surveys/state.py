"""Where a survey stands at a moment: its stored status and its dates read together."""

from __future__ import annotations

from datetime import datetime

from linli.participation.surveys.models import Survey


def state_of(survey: Survey, now: datetime) -> str:
    """Return `draft`, `scheduled` (published, not yet open), `open` or `closed`."""
    if survey.status == "draft":
        return "draft"
    if survey.status == "closed" or now >= survey.closes_at:
        return "closed"
    return "open" if now >= survey.opens_at else "scheduled"
