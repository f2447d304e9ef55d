"""The base of every API schema, and the bounded types its fields and parameters use."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints


class Schema(BaseModel):
    """An API schema; `XRead` schemas are built straight from ORM objects."""

    model_config = ConfigDict(from_attributes=True)


# Every string a client sends has a declared bound (so the OpenAPI document shows it).
Key = Annotated[str, StringConstraints(max_length=64)]
"""A code, kind, status, metric, format or other short name a client picks from a set."""
Secret = Annotated[str, StringConstraints(max_length=512)]
"""A token, or a header carrying a credential."""
