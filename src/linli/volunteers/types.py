"""What other domains read from volunteers: a matched candidate, the skill catalogue."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

# Skills a volunteer may hold → the qualification each needs (None: none needed).
SKILLS: dict[str, str | None] = {
    "care_visit": "care_training",
    "first_aid": "first_aid_certificate",
    "driving": "driving_licence",
    "meal_delivery": None,
    "digital_help": None,
    "events": None,
    "befriending": None,
    "translation": None,
}
QUALIFICATIONS = frozenset(q for q in SKILLS.values() if q is not None)


@dataclass(frozen=True)
class Candidate:
    """A volunteer who could take a need now, and how far away they live."""

    volunteer_id: uuid.UUID
    account_id: uuid.UUID | None  # the staff account a case can be dispatched to
    display_name: str
    distance_m: float
    languages: tuple[str, ...]
