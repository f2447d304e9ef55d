"""Bodies of the data-subject request API: who the person is, what was found and erased."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator, model_validator

from linli.core.schemas import Key, Schema


class SubjectQuery(Schema):
    """A person, by every phone number and e-mail address they may have given."""

    phones: list[Annotated[str, StringConstraints(max_length=32)]] = Field(
        default_factory=list, max_length=10
    )
    emails: list[Annotated[str, StringConstraints(max_length=320)]] = Field(
        default_factory=list, max_length=10
    )

    @field_validator("phones", "emails")
    @classmethod
    def _strip(cls, values: list[str]) -> list[str]:
        cleaned = [v.strip() for v in values if v.strip()]
        if any(len(v) > 254 for v in cleaned):
            raise ValueError("a phone number or e-mail address has at most 254 characters")
        return cleaned

    @model_validator(mode="after")
    def _something(self) -> SubjectQuery:
        if not self.phones and not self.emails:
            raise ValueError("give at least one phone number or e-mail address")
        if any("@" not in e for e in self.emails):
            raise ValueError("an e-mail address has an @")
        return self

    def values(self) -> list[str]:
        """Return every identifier given."""
        return [*self.phones, *self.emails]


class ExportCreate(SubjectQuery):
    locale: Key | None = Field(default=None, description="language of the HTML document")


class ErasureCreate(SubjectQuery):
    confirm: bool = Field(default=False, description="must be true: erasure cannot be undone")


class ErasureRead(Schema):
    request_id: uuid.UUID
    found: dict[str, int]
    erased: dict[str, int]


ExportRead = dict[str, Any]
