"""The base of every API schema, and the bounded types its fields and parameters use."""

from __future__ import annotations

from datetime import time
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, WithJsonSchema


class Schema(BaseModel):
    """An API schema; `XRead` schemas are built straight from ORM objects."""

    model_config = ConfigDict(from_attributes=True)


# Every string a client sends has a declared bound (so the OpenAPI document shows it).
Key = Annotated[str, StringConstraints(max_length=64)]
"""A code, kind, status, metric, format or other short name a client picks from a set."""
Secret = Annotated[str, StringConstraints(max_length=512)]
"""A token, or a header carrying a credential."""


TIME_OF_DAY = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$"


def _naive(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("a time of day on the site's clock, without an offset (e.g. 08:00)")
    return value


LocalTime = Annotated[
    time,
    AfterValidator(_naive),
    # JSON Schema's `format: time` (RFC 3339) needs an offset, which a site's hours never have.
    WithJsonSchema({"type": "string", "pattern": TIME_OF_DAY, "examples": ["08:00"]}),
]
"""A time of day on the site's clock (opening hours, a working day's start), written HH:MM."""
