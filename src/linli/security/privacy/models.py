"""How far `linli keys rotate` has come: one row per table and target key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from linli.core.database import Base


class KeyRotation(Base):
    """The progress of re-encrypting one table under the key `key_id`: the last primary key
    done (a killed run resumes after it) and how many rows were rewritten."""

    __tablename__ = "key_rotation"

    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_key: Mapped[str | None] = mapped_column(String(64))
    rewritten: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime]
