"""What the triage API reads and writes: suggestions, decisions, similar cases."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from linli.core.schemas import Schema


class TriageSuggestIn(Schema):
    text: str = Field(min_length=1, max_length=4000)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    k: int = Field(default=3, ge=1, le=10, description="how many categories to suggest")


class SuggestedUnitRead(Schema):
    id: uuid.UUID
    code: str
    name: str


class CategorySuggestionRead(Schema):
    code: str
    name: str
    name_zh: str | None
    confidence: float = Field(description="the model's probability, 0 to 1")
    unit: SuggestedUnitRead | None = Field(
        description="the unit the routing table names for it at the point (none without one)"
    )


class DuplicateCandidateRead(Schema):
    case_id: uuid.UUID
    ref: str
    title: str
    status: str
    category_code: str
    distance_m: float
    similarity: float
    me_too_count: int
    created_at: datetime


class TriageSuggestionRead(Schema):
    language: str = Field(description="en, zh, ms or ta, guessed from the text")
    categories: list[CategorySuggestionRead]
    duplicates: list[DuplicateCandidateRead]


class TriageIn(Schema):
    category_code: str = Field(min_length=1, max_length=64)
    note: str | None = Field(default=None, max_length=4000)


class SimilarCaseRead(Schema):
    ref: str = Field(description="join it with POST /api/public/reports/{ref}/me-too")
    category_code: str
    category_name: str
    status: str
    distance_m: float
    me_too_count: int
    created_at: datetime
