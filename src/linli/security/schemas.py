"""Request and response bodies of the auth, token, staff and audit API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from linli.core.pagination import PageMeta
from linli.core.schemas import Schema


class LoginCreate(Schema):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class LoginRead(Schema):
    username: str
    display_name: str
    csrf_token: str


class GrantRead(Schema):
    role: str
    role_label: str = Field(description="the role as people read it, in the caller's language")
    unit_id: uuid.UUID


class MeRead(Schema):
    username: str
    display_name: str
    grants: list[GrantRead]


class TokenCreate(Schema):
    name: str = Field(min_length=1, max_length=100)
    days: int | None = Field(default=None, ge=1, le=3650, description="lifetime; none: no expiry")


class TokenRead(Schema):
    id: uuid.UUID
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None = Field(
        description="when the token last authenticated a request (to the nearest five minutes)"
    )


class TokenPage(PageMeta):
    items: list[TokenRead]


class TokenIssued(TokenRead):
    secret: str = Field(description="the bearer token; shown only in this response")


class RoleGrantCreate(Schema):
    role: str = Field(min_length=1, max_length=32)
    unit_id: uuid.UUID


class RoleGrantRead(Schema):
    id: uuid.UUID
    role: str
    role_label: str = Field(description="the role as people read it, in the caller's language")
    unit_id: uuid.UUID
    unit_code: str
    created_at: datetime


class StaffCreate(Schema):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    display_name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=8, max_length=1024)
    locale: str = Field(default="en", max_length=16)
    grants: list[RoleGrantCreate] = Field(min_length=1, max_length=20)


class StaffRead(Schema):
    id: uuid.UUID
    username: str
    display_name: str
    locale: str
    active: bool
    created_at: datetime
    grants: list[RoleGrantRead] = Field(description="the grants inside the caller's scope")


class StaffPage(PageMeta):
    items: list[StaffRead]


class AuditRead(Schema):
    seq: int
    at: datetime
    actor: str = Field(description="who acted: `staff:<username>`, `system`, `cli`…")
    actor_name: str | None = Field(
        default=None, description="the display name of a staff actor, as people read it"
    )
    action: str
    target_type: str
    target_id: str
    org_path: str | None
    detail: dict[str, Any]


class AuditPage(PageMeta):
    items: list[AuditRead]
