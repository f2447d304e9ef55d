"""Survey errors, each with its stable code."""

from __future__ import annotations

import uuid

from linli.core.errors import Conflict, NotFound, ValidationFailed


class SurveyNotFound(NotFound):
    code = "survey_not_found"

    def __init__(self) -> None:
        super().__init__("survey not found")


class SurveyNotDraft(Conflict):
    code = "survey_not_draft"

    def __init__(self, status: str) -> None:
        super().__init__(f"only a draft survey can be changed; this one is '{status}'")


class SurveyNotOpen(Conflict):
    code = "survey_not_open"

    def __init__(self, status: str) -> None:
        super().__init__(
            "this survey does not take answers now (not yet open, or closed)", status=status
        )


class BadQuestion(ValidationFailed):
    """A question staff wrote cannot be asked as it is."""

    code = "bad_question"

    def __init__(self, position: int, detail: str, *, code: str = "bad_question") -> None:
        super().__init__(f"question {position}: {detail}", code=code, position=position)


class BadAnswer(ValidationFailed):
    """An answer is invalid: the whole response is refused, naming the question."""

    code = "bad_answer"

    def __init__(
        self, question_id: uuid.UUID, position: int, detail: str, *, code: str = "bad_answer"
    ) -> None:
        super().__init__(
            f"question {position}: {detail}",
            code=code,
            question_id=str(question_id),
            position=position,
        )
