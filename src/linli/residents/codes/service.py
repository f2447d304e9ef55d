"""One-time codes: sent to an e-mail address or a phone over the install's notification
gateways, 6 digits, `CODE_MINUTES` long, stored only as a keyed hash; `MAX_WRONG_TRIES` wrong
tries burn one. Asking for codes is limited per contact and per client address, checking them
per address (429 with Retry-After); the answers never say whether an account has the contact.
"""

from __future__ import annotations

import contextlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock, i18n
from linli.core.database import after_commit
from linli.core.settings import get_settings
from linli.residents.codes import repository
from linli.residents.errors import BadContact, CodeRefused, SignInThrottled
from linli.residents.models import SignInCode
from linli.rules.notifications import service as notify_service
from linli.security.crypto import get_cipher, normalise_contact

CODE_MINUTES = 10
MAX_WRONG_TRIES = 5
# Code requests: per contact and per client address; code checks: per client address.
CODES_PER_CONTACT = (3, timedelta(minutes=15))
CODES_PER_ADDRESS = (10, timedelta(minutes=15))
CHECKS_PER_ADDRESS = (20, timedelta(minutes=15))
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?\d{5,20}$")
_CODE = re.compile(r"^\d{6}$")
_CONTACT_CONTEXT = {"email": "resident_account.email", "sms": "resident_account.phone"}
HASH_COLUMN = {"email": "email_hash", "sms": "phone_hash"}  # the account column of each


@dataclass(frozen=True, slots=True)
class Contact:
    """A contact as typed, checked: `channel` "email" or "sms", `value` normalised."""

    channel: str
    value: str

    @property
    def hash(self) -> str:
        return get_cipher().contact_hash(self.value, context=_CONTACT_CONTEXT[self.channel])


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """A code on its way to `contact`. `development_code` is the code itself, only on a
    development install whose gateway for the channel is the file gateway (nothing is really
    sent there, so the sign-in page shows it); None everywhere else."""

    contact: Contact
    development_code: str | None = None


def _shown_in_development(channel: str) -> bool:
    gateways = notify_service.get_notify_settings()
    gateway = gateways.email_gateway if channel == "email" else gateways.sms_gateway
    return get_settings().env == "development" and gateway == "file"


def parse_contact(raw: str) -> Contact:
    """Return the contact of an e-mail address or a mobile number, or raise BadContact."""
    value = normalise_contact(raw)
    if "@" in value:
        if len(value) > 254 or not _EMAIL.match(value):
            raise BadContact("the e-mail address is not valid")
        return Contact("email", value)
    if not _PHONE.match(value):
        raise BadContact("give an e-mail address or a mobile number (5–20 digits, + allowed)")
    return Contact("sms", value)


def code_hash(code_id: uuid.UUID, code: str) -> str:
    """Return the keyed hash under which a one-time code is stored."""
    return get_cipher().lookup_hash(f"{code_id}:{code}", context="resident.sign_in_code")


async def throttle(session: AsyncSession, key: str, limit: tuple[int, timedelta]) -> None:
    """Take one try of `key`'s budget (`limit`: count per period), or raise SignInThrottled."""
    wait = await repository.take_token(session, key, capacity=limit[0], per=limit[1])
    if wait:
        raise SignInThrottled(wait)


def _code_text(locale: str, code: str) -> tuple[str, str]:
    gettext = i18n.translations(locale).gettext
    subject = gettext("Your Linli sign-in code")
    body = gettext(
        "Your code is {code}. It works for {minutes} minutes. "
        "Nobody from Linli will ask you for it."
    ).format(code=code, minutes=CODE_MINUTES)
    return subject, body


async def request_code(
    session: AsyncSession,
    *,
    contact: str,
    client: str,
    locale: str = "en",
    purpose: str = "sign_in",
    account_id: uuid.UUID | None = None,
) -> IssuedCode:
    """Issue a one-time code for `contact` and send it once the transaction commits.

    Whether an account has this contact changes nothing in the answer. Older codes of the
    contact stop working. Raise SignInThrottled past the limits per contact and address.
    """
    parsed = parse_contact(contact)
    if purpose == "add_phone" and parsed.channel != "sms":
        raise BadContact("give a mobile number")
    await throttle(session, f"code-addr:{client}", CODES_PER_ADDRESS)
    await throttle(session, f"code-contact:{parsed.hash}", CODES_PER_CONTACT)
    now = clock.now()
    await session.execute(
        update(SignInCode)
        .where(SignInCode.contact_hash == parsed.hash, SignInCode.used_at.is_(None))
        .values(used_at=now)
    )
    code = f"{secrets.randbelow(1_000_000):06d}"
    row = SignInCode(
        id=uuid.uuid4(),
        contact_hash=parsed.hash,
        channel=parsed.channel,
        purpose=purpose,
        account_id=account_id,
        expires_at=now + timedelta(minutes=CODE_MINUTES),
    )
    row.code_hash = code_hash(row.id, code)
    session.add(row)
    await session.flush()
    subject, body = _code_text(i18n.normalise(locale) or "en", code)

    async def send(_: AsyncSession) -> None:
        # Best effort: the person asks again if it does not come; the code is never stored.
        with contextlib.suppress(notify_service.DeliveryFailed):
            await notify_service.send_now(
                channel=parsed.channel, to=parsed.value, subject=subject, body=body, locale=locale
            )

    after_commit(session, send)
    return IssuedCode(parsed, code if _shown_in_development(parsed.channel) else None)


async def use_code(
    session: AsyncSession, parsed: Contact, code: str, *, client: str, purpose: str
) -> SignInCode:
    """Return the live code of the contact matching `code`, now used; or count a wrong try
    and raise CodeRefused (the caller commits before re-raising, so the try counts)."""
    await throttle(session, f"check-addr:{client}", CHECKS_PER_ADDRESS)
    now = clock.now()
    row = await session.scalar(
        select(SignInCode)
        .where(
            SignInCode.contact_hash == parsed.hash,
            SignInCode.purpose == purpose,
            SignInCode.used_at.is_(None),
        )
        .order_by(SignInCode.created_at.desc())
        .limit(1)
        .with_for_update()
    )
    if row is None or row.expires_at <= now or row.wrong_tries >= MAX_WRONG_TRIES:
        raise CodeRefused()
    if not _CODE.match(code) or not hmac.compare_digest(row.code_hash, code_hash(row.id, code)):
        row.wrong_tries += 1
        if row.wrong_tries >= MAX_WRONG_TRIES:
            row.used_at = now  # burnt
        await session.flush()
        raise CodeRefused()
    row.used_at = now
    return row
