"""Survey API shapes: what staff build, what residents send, and the results."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, Field

from linli.core.pagination import PageMeta
from linli.core.schemas import Key, Schema

MAX_TEXT = 500
MAX_ANSWER_TEXT = 2000
MAX_QUESTIONS = 50
MAX_OPTIONS = 30

LevelName = Literal["signed_in", "phone", "registry", "in_person"]
Kind = Literal["single", "multiple", "scale", "text"]
ScaleName = Literal["1-5", "0-10"]


class Texts(Schema):
    """A text in each of the site's languages; English is the one every other falls back to."""

    en: str = Field(min_length=1, max_length=MAX_TEXT)
    zh_Hans: str | None = Field(default=None, max_length=MAX_TEXT)
    ms: str | None = Field(default=None, max_length=MAX_TEXT)
    ta: str | None = Field(default=None, max_length=MAX_TEXT)


class OptionIn(Schema):
    key: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")
    text: Texts


class QuestionIn(Schema):
    kind: Kind
    required: bool = False
    text: Texts
    options: list[OptionIn] = Field(default_factory=list, max_length=MAX_OPTIONS)
    scale: ScaleName | None = Field(default=None, description="scale questions: 1-5 or 0-10")
    low_label: Texts | None = Field(default=None, description="what the lowest value means")
    high_label: Texts | None = Field(default=None, description="what the highest value means")
    service: Key | None = Field(
        default=None,
        description="scale questions: the service rated (a category group or a named service)",
    )
    service_unit_id: uuid.UUID | None = Field(
        default=None, description="the org unit whose service is rated (default: the area)"
    )


class SurveyCreate(Schema):
    title: Texts
    intro: Texts | None = None
    unit_id: uuid.UUID = Field(description="the area: the org unit whose residents are asked")
    min_level: LevelName = Field(default="signed_in", description="who may answer")
    opens_at: AwareDatetime
    closes_at: AwareDatetime
    questions: list[QuestionIn] = Field(min_length=1, max_length=MAX_QUESTIONS)


class SurveyUpdate(Schema):
    """Changes to a draft; `questions`, when given, replace all of them."""

    title: Texts | None = None
    intro: Texts | None = None
    min_level: LevelName | None = None
    opens_at: AwareDatetime | None = None
    closes_at: AwareDatetime | None = None
    questions: list[QuestionIn] | None = Field(default=None, min_length=1, max_length=MAX_QUESTIONS)


class OptionRead(Schema):
    key: str
    text: dict[str, str]


class QuestionRead(Schema):
    id: uuid.UUID
    position: int
    kind: str
    required: bool
    text: dict[str, str]
    options: list[OptionRead]
    scale_min: int | None
    scale_max: int | None
    low_label: dict[str, str] | None
    high_label: dict[str, str] | None
    service: str | None
    service_unit_id: uuid.UUID | None


class SurveyRead(Schema):
    id: uuid.UUID
    title: dict[str, str]
    intro: dict[str, str]
    org_unit_id: uuid.UUID
    org_path: str
    min_level: LevelName
    opens_at: datetime
    closes_at: datetime
    status: str
    created_by: str
    created_at: datetime
    published_at: datetime | None
    closed_at: datetime | None
    questions: list[QuestionRead] = Field(default_factory=list)


class SurveySummary(Schema):
    id: uuid.UUID
    title: dict[str, str]
    org_unit_id: uuid.UUID
    status: str
    opens_at: datetime
    closes_at: datetime
    created_at: datetime


class SurveyPage(PageMeta):
    items: list[SurveySummary]


class AnswerIn(Schema):
    question_id: uuid.UUID
    choices: list[Key] | None = Field(default=None, max_length=MAX_OPTIONS)
    value: int | None = Field(default=None, ge=-1000, le=1000)
    text: str | None = Field(default=None, max_length=MAX_ANSWER_TEXT)


class ResponseIn(Schema):
    answers: list[AnswerIn] = Field(max_length=MAX_QUESTIONS)


class AnswerRead(Schema):
    question_id: uuid.UUID
    choices: list[str] | None
    value: int | None
    text: str | None


class MySurvey(Schema):
    """A survey as a resident reads it: in their language, with whether they answered."""

    id: uuid.UUID
    title: str
    intro: str
    closes_at: datetime
    status: str
    answered: bool


class MySurveyList(Schema):
    items: list[MySurvey]


class MyOption(Schema):
    key: str
    text: str


class MyQuestion(Schema):
    """A question in the resident's language."""

    id: uuid.UUID
    position: int
    kind: str
    required: bool
    text: str
    options: list[MyOption]
    scale_min: int | None
    scale_max: int | None
    low_label: str | None
    high_label: str | None


class MySurveyDetail(MySurvey):
    """A survey of the resident's area: its questions and their answers so far."""

    answered_at: datetime | None
    questions: list[MyQuestion]
    answers: list[AnswerRead]


class CountRead(Schema):
    key: str
    count: int


class QuestionResult(Schema):
    question_id: uuid.UUID
    position: int
    kind: str
    text: str
    answered: int = Field(description="responses that answered this question")
    counts: list[CountRead] = Field(
        default_factory=list, description="per choice, or per scale value (the distribution)"
    )
    mean: float | None = None
    texts: list[str] = Field(default_factory=list, description="free-text answers, no names")


class SurveyResults(Schema):
    survey_id: uuid.UUID
    responses: int
    audience: int = Field(description="residents registered in the area")
    response_rate: float | None
    questions: list[QuestionResult]


class IndexCell(Schema):
    """A satisfaction index on 0–100: shown (`index`) only from `MIN_SAMPLE` answers."""

    index: float | None
    count: int
    survey_answers: int
    case_ratings: int


class ServiceIndex(IndexCell):
    service: str
    name: str


class UnitIndex(IndexCell):
    unit_id: uuid.UUID
    name: str


class IndexPoint(IndexCell):
    start: str = Field(description="first local day of the bucket, YYYY-MM-DD")


class SatisfactionRead(Schema):
    unit_id: uuid.UUID
    start: str
    end: str
    min_sample: int
    overall: IndexCell
    services: list[ServiceIndex]
    children: list[UnitIndex]
    weeks: list[IndexPoint]
