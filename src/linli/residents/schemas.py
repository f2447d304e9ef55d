"""What the residents' API reads and writes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from linli.core.pagination import PageMeta
from linli.core.schemas import Schema


class CodeRequest(Schema):
    contact: str = Field(min_length=3, max_length=254, examples=["+6591234567"])
    locale: str | None = Field(default=None, max_length=16, examples=["zh_Hans"])


class CodeSent(Schema):
    """The same answer whether or not an account has the contact."""

    sent: bool = True
    minutes: int
    # Only on a development install with the file gateway: the code, since nothing is sent.
    development_code: str | None = None


class SignInCreate(Schema):
    contact: str = Field(min_length=3, max_length=254)
    code: str = Field(min_length=1, max_length=12, examples=["123456"])
    # Used only when the contact has no account yet (sign-up).
    display_name: str | None = Field(default=None, max_length=100)
    locale: str | None = Field(default=None, max_length=16)


class AccountRead(Schema):
    """The resident's own account, as they see it."""

    id: uuid.UUID
    display_name: str | None
    locale: str
    large_text: bool
    high_contrast: bool
    level: int
    level_name: str
    has_phone: bool
    has_email: bool
    building_id: uuid.UUID | None
    unit: str | None
    org_path: str | None
    acting_for: uuid.UUID | None = None
    csrf_token: str | None = None


class AccountUpdate(Schema):
    display_name: str | None = Field(default=None, max_length=100)
    locale: str | None = Field(default=None, max_length=16)
    large_text: bool | None = None
    high_contrast: bool | None = None


class HomeUpdate(Schema):
    building_id: uuid.UUID
    unit: str = Field(min_length=1, max_length=32, examples=["05-123"])


class RegistryMatch(Schema):
    building_id: uuid.UUID
    unit: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    id_suffix: str = Field(min_length=4, max_length=4, examples=["123A"])


class PhoneCodeRequest(Schema):
    phone: str = Field(min_length=5, max_length=40)


class PhoneConfirm(Schema):
    phone: str = Field(min_length=5, max_length=40)
    code: str = Field(min_length=1, max_length=12)


class ConsentCreate(Schema):
    proxy_contact: str = Field(min_length=3, max_length=254)


class ConsentRead(Schema):
    id: uuid.UUID
    senior_id: uuid.UUID
    proxy_id: uuid.UUID
    senior_name: str | None = None
    proxy_name: str | None = None
    recorded_by: str
    created_at: datetime
    revoked_at: datetime | None


class ActingFor(Schema):
    senior_id: uuid.UUID | None = None


class MessageRead(Schema):
    id: uuid.UUID
    subject: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None


class MessagePage(PageMeta):
    items: list[MessageRead]


class StaffAccountRead(Schema):
    """A resident account as staff see it: the name only when revealed (an audited read)."""

    id: uuid.UUID
    display_name: str | None
    level: int
    level_name: str
    building_id: uuid.UUID | None
    unit: str | None
    org_path: str | None
    verified_at: datetime | None
    verified_by: str | None
    created_at: datetime
    revealed: bool = False


class StaffAccountPage(PageMeta):
    items: list[StaffAccountRead]


class VerifyInPerson(Schema):
    note: str = Field(default="", max_length=500)


class StaffConsentCreate(Schema):
    proxy_id: uuid.UUID
