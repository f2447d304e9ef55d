"""The base of every API schema."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Schema(BaseModel):
    """An API schema; `XRead` schemas are built straight from ORM objects."""

    model_config = ConfigDict(from_attributes=True)
